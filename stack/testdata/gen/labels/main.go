// Command labels writes runtime.Stack(buf, true) of the mix with goroutines
// running under pprof.Do labels. Run it with GODEBUG=tracebacklabels=1
// (Go 1.26+) so goroutine headers carry ` labels:{"k": "v", …}`; the setting
// applies to every traceback (runtime.Stack, debug=2, crashes) since it is
// read in runtime.goroutineheader.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/gdiag/gdiag/stack/testdata/gen/mix"
)

func main() {
	m, err := mix.Start(mix.Options{Labels: true, Workers: 2})
	if err != nil {
		fmt.Fprintln(os.Stderr, "labels:", err)
		os.Exit(1)
	}
	defer m.Close()
	// A label value with quotes and a newline shows how the runtime quotes them.
	quoted := make(chan int)
	go pprof.Do(context.Background(), pprof.Labels("query", "name=\"x\"\nlimit 1"), func(context.Context) { <-quoted })
	// The dumping goroutine itself carries a label too.
	pprof.Do(context.Background(), pprof.Labels("gdiag", "collector"), func(context.Context) {
		runtime.Gosched()
		os.Stdout.Write(mix.AllStacks())
	})
	runtime.KeepAlive(m.Keep())
	runtime.KeepAlive(quoted)
}
