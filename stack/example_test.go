package stack_test

import (
	"fmt"
	"strings"

	"github.com/gdiag/gdiag/stack"
)

// A Go 1.27 goroutine dump inside a `go test -json` stream: Parse unwraps
// the Output fields and reads the label set after the header's bracket.
func ExampleParse_goTestJSON() {
	const in = `{"Action":"output","Package":"shop","Test":"TestCheckout","Output":"goroutine 7 [chan send] {handler: checkout, \"sku id\": \"a\\\"b\"}:\n"}
{"Action":"output","Package":"shop","Test":"TestCheckout","Output":"shop.(*Cart).Add(...)\n"}
{"Action":"output","Package":"shop","Test":"TestCheckout","Output":"\t/src/shop/cart.go:42 +0x1d\n"}
`
	s, err := stack.Parse(strings.NewReader(in), stack.ParseOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	g := s.Goroutines[0]
	fmt.Println(g.ID, g.State, g.Labels, g.Stack.Frames[0].Func)
	// Output: 7 chan send [{handler checkout} {sku id a"b}] shop.(*Cart).Add
}
