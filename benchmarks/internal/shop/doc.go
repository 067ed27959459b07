// Package shop starts a realistic population of real goroutines, the kind a
// busy online shop has at the peak of a sale, so that the runtime can print a
// goroutine dump of them for the parse benchmarks.
//
// The goroutines block in channel sends and receives (including nil
// channels), select (with and without cases, with timers), sync.Mutex,
// sync.RWMutex (readers and writers), sync.WaitGroup, sync.Cond, time.Sleep,
// tickers, loopback TCP reads, loopback HTTP long polls and pipe reads; a few
// spin in running loops. Their stacks are 5–40 frames deep through a handful
// of mutually recursive "layers", they come from 40 distinct go statements,
// and some run under pprof labels.
//
// It is not a library: the goroutines it starts are never stopped (some block
// forever by design, on nil channels and select {}), so only a program that
// exits after taking its dump should call Start.
package shop
