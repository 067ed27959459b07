package collector_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/collector"
)

// Mount the debug endpoint in one line, here on a test server.
func ExampleCollector_Handler() {
	c, err := collector.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	mux := http.NewServeMux()
	mux.Handle("/debug/gdiag/", c.Handler()) // the one line

	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/debug/gdiag/bundle?seconds=0&include=heap,metrics")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b, err := bundle.Read(bytes.NewReader(body), int64(len(body)), "bundle")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	for _, e := range b.Manifest.Entries {
		fmt.Println(e.Name, e.Error == "")
	}
	http.DefaultClient.CloseIdleConnections()
	// Output:
	// 200 application/zip
	// heap.pb.gz true
	// metrics.json true
}

// Capture a bundle in-process, without HTTP, e.g. from a signal handler.
func ExampleCollector_Capture() {
	c, err := collector.New(collector.WithStackBudget(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	var buf bytes.Buffer
	m, err := c.Capture(context.Background(), &buf, collector.CaptureRequest{
		Include: []collector.Part{collector.PartGoroutines},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.StackDump.Taken, strings.HasPrefix(m.StackDump.Reason, "skipped"))
	for _, e := range m.Entries {
		fmt.Println(e.Name)
	}
	// Output:
	// false true
	// goroutine.pb.gz
}

// Write bundles on a goroutine spike, at most one every ten minutes.
func ExampleWithWatch() {
	c, err := collector.New(collector.WithWatch(collector.WatchOptions{
		Dir:        filepath.Join(os.TempDir(), "gdiag-example"),
		Goroutines: 50_000,
		RSSBytes:   4 << 30,
		MaxBundles: 3,
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println("watching")
	// Output: watching
}
