// producer_consumer_early_exit: a pipeline: the producer sends lines to a consumer that stops at the
// first malformed one and returns, and the producer blocks forever on its
// next send (Tu et al. 2019; Saioc et al.). Fix: a done channel the producer
// selects on, or close by the consumer side through a context.
package main

import (
	"strings"
	"time"

	"github.com/gdiag/gdiag/leaks/testdata/corpus/gen/internal/capture"
)

func produce(lines []string, out chan<- string) {
	for _, l := range lines {
		out <- l
	}
	close(out)
}

func consume(in <-chan string) int {
	n := 0
	for l := range in {
		if strings.HasPrefix(l, "#") {
			return n // stops early: the producer is stuck
		}
		n++
	}
	return n
}

func parse(lines []string) int {
	ch := make(chan string)
	go produce(lines, ch)
	return consume(ch)
}

func main() {
	for range 12 {
		parse([]string{"a", "#bad", "c", "d"})
	}
	capture.Dump("producer_consumer_early_exit", 200*time.Millisecond)
}
