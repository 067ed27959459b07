package stack_test

import (
	"fmt"
	"os"
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

// Parse a crash: the deadlock output of a real program, with a log line
// before the fatal error. Each goroutine comes with its state, the
// operation it blocks in and its frames; FirstUser skips the runtime and
// standard library.
func ExampleParse() {
	f, err := os.Open("testdata/deadlock.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	s, err := stack.Parse(f, stack.ParseOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Format, s.Total, "goroutines:", s.Reason)
	for _, g := range s.Goroutines {
		where, _ := g.Stack.FirstUser()
		fmt.Printf("%d %s in %s (line %d)\n", g.ID, g.Op, where.Func, where.Line)
	}
	// Output:
	// crash 5 goroutines: all goroutines are asleep - deadlock!
	// 1 waitgroup wait in main.deadlock (line 39)
	// 7 chan send in main.deadlock.func2 (line 30)
	// 8 mutex lock in main.deadlock.func3 (line 31)
	// 9 cond wait in main.deadlock.func4 (line 34)
	// 10 select (no cases) in main.deadlock.func5 (line 36)
}

// Group a service's goroutines into buckets of identical stacks, largest
// first: the first step of reading a dump with thousands of goroutines.
func ExampleGroup() {
	f, err := os.Open("../leaks/testdata/series-3.txt") // written by leaks/testdata/gen/series
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	s, err := stack.Parse(f, stack.ParseOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	buckets := stack.Group(s.Goroutines, stack.GroupOptions{})
	fmt.Println(s.Total, "goroutines in", len(buckets), "buckets")
	for _, b := range buckets[:3] {
		where, _ := b.Stack.FirstUser()
		fmt.Printf("%d × %s at %s:%d\n", b.Count, b.Op, where.Func, where.Line)
	}
	// Output:
	// 168 goroutines in 5 buckets
	// 118 × chan send at main.fetchWithTimeout.func1:83
	// 30 × chan receive at main.poolMember:97
	// 15 × chan receive at main.handle:102
}
