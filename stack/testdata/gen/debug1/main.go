// Command debug1 writes pprof.Lookup("goroutine").WriteTo(w, 1) of the mix,
// with goroutines under pprof.Do labels so "# labels:" lines appear.
// With DEBUG=0 it writes the binary proto (gzip) instead; with
// PROFILE=heap it writes the heap profile (debug=0) instead.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"

	"github.com/gdiag/gdiag/stack/testdata/gen/mix"
)

func main() {
	debug := 1
	if s := os.Getenv("DEBUG"); s != "" {
		d, err := strconv.Atoi(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "debug1:", err)
			os.Exit(2)
		}
		debug = d
	}
	profile := "goroutine"
	if s := os.Getenv("PROFILE"); s != "" {
		profile = s
	}
	labels := os.Getenv("LABELS") != "0"
	m, err := mix.Start(mix.Options{Labels: labels, Deep: true, Workers: 5})
	if err != nil {
		fmt.Fprintln(os.Stderr, "debug1:", err)
		os.Exit(1)
	}
	defer m.Close()
	if profile == "heap" {
		runtime.GC() // heap profile reflects the last completed GC
	}
	if err := pprof.Lookup(profile).WriteTo(os.Stdout, debug); err != nil {
		fmt.Fprintln(os.Stderr, "debug1:", err)
		os.Exit(1)
	}
	runtime.KeepAlive(m.Keep())
}
