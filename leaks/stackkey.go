package leaks

import "github.com/gdiag/gdiag/stack"

// StackKey returns the key under which the same stack matches across
// inputs of different kinds — a text dump (which hides runtime frames) and
// a pprof proto (which shows them): the function and line of its first 32
// frames outside the runtime. Options.Leaked is matched this way; the live
// leak watch (collector/leakwatch) uses it to carry a text dump's wait
// times over to the goroutine profile of the same moment.
func StackKey(st *stack.Stack) string { return stackKey(st) }
