package leaks_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/stack"
)

// heldBodies makes n requests on a real loopback server and keeps their
// response bodies unread; close releases them and the server.
func heldBodies(t *testing.T, n int) (close func()) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Small enough for the socket buffers: the handlers return, the
		// client's connections hold the bodies.
		io.WriteString(w, strings.Repeat("x", 4<<10))
	}))
	tr := &http.Transport{}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var bodies []io.ReadCloser
	for range n {
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, resp.Body)
	}
	return func() {
		for _, b := range bodies {
			b.Close()
		}
		tr.CloseIdleConnections()
		srv.Close()
		// Wait for the connections' goroutines to exit, so the next
		// dump sees only its own.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if countConnLoops(liveDump(t)) == 0 {
				return
			}
		}
		t.Errorf("client connection goroutines still alive after close")
	}
}

// countConnLoops counts HTTP/1 client connection goroutines.
func countConnLoops(snap *stack.Snapshot) int {
	n := 0
	for _, g := range snap.Goroutines {
		for _, f := range g.Stack.Frames {
			if f.Func == "net/http.(*persistConn).readLoop" || f.Func == "net/http.(*persistConn).writeLoop" {
				n++
				break
			}
		}
	}
	return n
}

// bodyWaitDump takes live dumps until n client connections wait for their
// bodies (readLoop hands the response over, then enters its select) and
// their n writers wait for the next request.
func bodyWaitDump(t *testing.T, n int) *stack.Snapshot {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		snap := liveDump(t)
		readers, writers := 0, 0
		for _, g := range snap.Goroutines {
			if g.Op != stack.OpSelect {
				continue
			}
			switch g.Stack.Frames[0].Func {
			case "net/http.(*persistConn).readLoop":
				readers++
			case "net/http.(*persistConn).writeLoop":
				writers++
			}
		}
		if (readers >= n && writers >= n) || time.Now().After(deadline) {
			return snap
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHTTPBodyNotClosedLive: unread response bodies on a real loopback
// connection are a leak when the client is idle and a suspicion while the
// program runs user code that may still read them.
func TestHTTPBodyNotClosedLive(t *testing.T) {
	const n = 12 // above the default pile-up of 10
	tests := []struct {
		name string
		busy bool
		want leaks.Verdict
	}{
		{name: "idle client", want: leaks.Likely},
		{name: "user code running", busy: true, want: leaks.Suspect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := heldBodies(t, n)
			defer release()
			var stop atomic.Bool
			done := make(chan struct{})
			if tt.busy {
				go spin(&stop, done)
				defer func() { stop.Store(true); <-done }()
			}
			snap := bodyWaitDump(t, n)
			var readers, writers *leaks.Finding
			fs := leaks.Find(snap, leaks.Options{})
			for i := range fs {
				if fs[i].Op != stack.OpSelect {
					continue // a writer caught between two requests
				}
				switch fs[i].Blocking.Func {
				case "net/http.(*persistConn).readLoop":
					readers = &fs[i]
				case "net/http.(*persistConn).writeLoop":
					writers = &fs[i]
				}
			}
			if readers == nil || writers == nil {
				t.Fatalf("no readLoop or writeLoop finding:\n%s", describe(fs))
			}
			for _, f := range []*leaks.Finding{readers, writers} {
				if f.Check != leaks.CheckHTTPBodyNotClosed || f.Verdict != tt.want || f.Count != n {
					t.Errorf("%s: got %s %s ×%d, want %s %s ×%d; evidence %v; running: %v", f.Blocking.Func, f.Check, f.Verdict, f.Count,
						leaks.CheckHTTPBodyNotClosed, tt.want, n, f.Evidence, running(snap))
				}
			}
			if !strings.Contains(readers.Suggestion, "Body.Close") {
				t.Errorf("suggestion %q does not say to close the body", readers.Suggestion)
			}
		})
	}
}

// spin runs user code until stopped, as a busy program does.
func spin(stop *atomic.Bool, done chan<- struct{}) {
	defer close(done)
	x := 0
	for !stop.Load() {
		for i := range 1000 {
			x += i
		}
	}
	_ = x
}

// running lists the running goroutines' top user frames, for failures.
func running(snap *stack.Snapshot) []string {
	var out []string
	for _, g := range snap.Goroutines {
		if g.Op == stack.OpRunning {
			if f, ok := g.Stack.FirstUser(); ok {
				out = append(out, f.Func)
			}
		}
	}
	return out
}
