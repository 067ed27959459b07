package bundle_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// Write a bundle holding a goroutine dump and a heap profile exactly as the
// runtime writes them, and record a capture that failed.
func ExampleNewWriter() {
	var out bytes.Buffer // usually an *os.File
	w := bundle.NewWriter(&out)

	start := time.Now()
	buf := make([]byte, 1<<20)
	if err := w.Add("", bundle.KindGoroutineText, buf[:runtime.Stack(buf, true)]); err != nil {
		fmt.Println(err)
		return
	}
	w.SetEntryInfo("goroutines.txt", 0, time.Since(start))

	heap, err := w.Create("", bundle.KindHeap) // streams: nothing is buffered whole
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := pprof.Lookup("heap").WriteTo(heap, 0); err != nil {
		fmt.Println(err)
		return
	}
	w.Fail("", bundle.KindCPU, errors.New("cpu profiling already enabled"))

	if err := w.Finish(bundle.Manifest{CapturedAt: start, GoVersion: runtime.Version()}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bundle.IsBundle(out.Bytes()))
	// Output: true
}

// Read a bundle back: list its entries and read one, bounded in size.
func ExampleRead() {
	var out bytes.Buffer
	w := bundle.NewWriter(&out)
	w.Add("", bundle.KindGCTrace, []byte("gc 1 @0.012s 2%: 0.010+0.21+0.003 ms clock, 0.020+0.10/0.15/0+0.006 ms cpu, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\n"))
	w.Fail("", bundle.KindTrace, errors.New("flight recorder not running"))
	if err := w.Finish(bundle.Manifest{GoVersion: "go1.26.8"}); err != nil {
		fmt.Println(err)
		return
	}

	b, err := bundle.Read(bytes.NewReader(out.Bytes()), int64(out.Len()), "example.gdiag")
	if b == nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	if err != nil {
		fmt.Println("warning:", err) // e.g. manifest missing: entries are still listed
	}
	for _, e := range b.Entries() {
		if e.Error != "" {
			fmt.Printf("%-12s %-8s not captured: %s\n", e.Name, e.Kind, e.Error)
			continue
		}
		fmt.Printf("%-12s %-8s %d bytes\n", e.Name, e.Kind, e.Bytes)
	}
	if e, ok := b.Lookup(bundle.KindGCTrace); ok {
		data, err := b.ReadFile(e.Name, 1<<20)
		fmt.Println(len(data), err)
	}
	// Output:
	// gctrace.txt  gctrace  130 bytes
	// trace.out    trace    not captured: flight recorder not running
	// 130 <nil>
}
