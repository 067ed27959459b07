// Command gen writes the hostile-input corpus of gdiag analyze into a
// directory, for manual runs:
//
//	go run ./internal/hostile/gen DIR
//	for f in DIR/*; do /usr/bin/time -v gdiag analyze "$f" >/dev/null; done
package main

import (
	"fmt"
	"os"

	"github.com/gdiag/gdiag/internal/hostile"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen DIR")
		os.Exit(2)
	}
	if err := os.MkdirAll(os.Args[1], 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cases := hostile.Cases()
	if err := hostile.Generate(os.Args[1], cases); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, c := range cases {
		fmt.Printf("%s\t%s\n", c.Name, c.What)
	}
}
