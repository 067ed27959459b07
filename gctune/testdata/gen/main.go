// Command gen produces the real GODEBUG=gctrace=1 logs in gctune/testdata.
//
// It keeps a live set of pointer-bearing chunks and allocates short-lived
// chunks at a paced rate, so the allocation rate does not depend on GOGC and
// runs at different settings can be compared. Run it from the module root;
// see ../README.md for the exact commands.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"
)

// chunk is about 1 KiB with 16 pointers, so marking it costs real scan work.
type chunk struct {
	ptrs [16]*chunk
	pad  [880]byte
}

const chunkBytes = 1024

func main() {
	liveMiB := flag.Int("live", 64, "steady live heap in MiB")
	rateMiB := flag.Int("rate", 200, "allocation rate in MiB/s")
	growMiB := flag.Float64("grow", 0, "live heap growth in MiB/s (a leak)")
	dur := flag.Duration("dur", 3*time.Second, "run time")
	forceAt := flag.Duration("force", 0, "call runtime.GC at this offset (0 = never)")
	leakAt := flag.Duration("leakcheck", 0, "request a goroutine leak profile at this offset (needs GOEXPERIMENT=goroutineleakprofile)")
	flag.Parse()

	live := make([]*chunk, *liveMiB*1024*1024/chunkBytes)
	anchor := new(chunk)
	for i := range live {
		live[i] = &chunk{ptrs: [16]*chunk{anchor}}
	}
	var leaked []*chunk
	sink := make([]*chunk, 256)

	const tick = time.Millisecond
	perTick := float64(*rateMiB) * 1024 * 1024 / chunkBytes * tick.Seconds()
	growPerTick := *growMiB * 1024 * 1024 / chunkBytes * tick.Seconds()
	start := time.Now()
	next := start
	var owed, growOwed float64
	forced, leakChecked := false, false
	n := 0
	for time.Since(start) < *dur {
		owed += perTick
		for ; owed >= 1; owed-- {
			sink[n%len(sink)] = &chunk{ptrs: [16]*chunk{anchor}}
			n++
			if n%64 == 0 { // slowly turn over the live set
				j := n / 64 % len(live)
				live[j] = &chunk{ptrs: [16]*chunk{anchor}}
			}
		}
		growOwed += growPerTick
		for ; growOwed >= 1; growOwed-- {
			leaked = append(leaked, new(chunk))
		}
		if *forceAt > 0 && !forced && time.Since(start) >= *forceAt {
			forced = true
			runtime.GC()
		}
		if *leakAt > 0 && !leakChecked && time.Since(start) >= *leakAt {
			leakChecked = true
			leakCheck()
		}
		next = next.Add(tick)
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
	}
	fmt.Fprintf(os.Stderr, "gen: done: %d chunks allocated, live %d, leaked %d\n", n, len(live), len(leaked))
}
