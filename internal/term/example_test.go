package term_test

import (
	"fmt"

	"github.com/gdiag/gdiag/internal/term"
)

// A function name from a hostile dump cannot set the window title or
// reverse the text around it.
func ExampleSanitize() {
	fmt.Println(term.Sanitize("main.run\x1b]0;pwned\x07\u202egpj.exe"))
	// Output: main.run\x1b]0;pwned\a\u202egpj.exe
}

// The CLI asks the terminal for its size and whether it is one; Width and
// UseColor turn that and the environment into the layout.
func ExampleUseColor() {
	env := func(k string) string {
		if k == "COLUMNS" {
			return "132"
		}
		return ""
	}
	var mode term.ColorMode // --color=auto
	fmt.Println(term.Width(0, env), term.UseColor(mode, false, env))
	fmt.Println(term.Width(80, env), term.UseColor(mode, true, env))
	p := term.Painter{On: term.UseColor(mode, true, env)}
	fmt.Printf("%q\n", p.Paint(term.Red, "high"))
	// Output:
	// 132 false
	// 80 true
	// "\x1b[31mhigh\x1b[0m"
}
