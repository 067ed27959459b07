// Package capture writes the goroutine dump of a corpus program: the text
// dump of runtime.Stack(all) as <name>.txt and, when the program was built
// in a runtime that has it (Go 1.27+; Go 1.26 with
// GOEXPERIMENT=goroutineleakprofile), the goroutineleak profile at debug=1
// as <name>.goroutineleak.txt, both in the directory given by -o.
package capture

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"
)

// Dump waits settle for the program's goroutines to block, then writes the
// files for name and exits the process.
func Dump(name string, settle time.Duration) {
	out := flag.String("o", ".", "directory to write the dump to")
	flag.Parse()
	time.Sleep(settle)
	buf := make([]byte, 16<<20)
	n := runtime.Stack(buf, true)
	if err := os.WriteFile(filepath.Join(*out, name+".txt"), buf[:n], 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	leak := filepath.Join(*out, name+".goroutineleak.txt")
	if p := pprof.Lookup("goroutineleak"); p != nil {
		// A GC first: without it the runtime's first detection misses
		// goroutines blocked on a leaked sync.Mutex (see
		// benchmarks/cmd/leakseq).
		runtime.GC()
		f, err := os.Create(leak)
		if err == nil {
			err = p.WriteTo(f, 1)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	} else {
		_ = os.Remove(leak)
	}
	os.Exit(0)
}
