package analyzer_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/internal/symbol"
	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/stack"
)

// streamReport is a chi handler of the service under test: it streams a
// large report through chi's Compress middleware to a client that does not
// read, so it blocks in a socket write below chi's compressing writer.
func streamReport(w http.ResponseWriter, r *http.Request) {
	chunk := make([]byte, 64<<10)
	_, _ = rand.Read(chunk) // incompressible: fills the socket quickly
	for r.Context().Err() == nil {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// TestMainModuleFrames runs a real chi service whose handler blocks under
// chi's middleware and analyses the real goroutine dump: with the main module
// known (gdiag is the main module of its own tests) the finding and the
// top-buckets "where" name the service's handler; without it, the innermost
// frame outside the standard library, chi's compressing writer. Both columns
// always agree.
func TestMainModuleFrames(t *testing.T) {
	r := chi.NewRouter()
	r.Use(middleware.Compress(5))
	r.Get("/report", streamReport)
	srv := httptest.NewServer(r)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /report HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nContent-Type: text/plain\r\n\r\n")

	// Wait, without pacing by time, until the handler blocks in the write.
	buf := make([]byte, 1<<20)
	var dump []byte
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		n := runtime.Stack(buf, true)
		for _, g := range bytes.Split(buf[:n], []byte("\n\n")) {
			if bytes.Contains(g, []byte("[IO wait")) && bytes.Contains(g, []byte("analyzer_test.streamReport")) {
				dump = append([]byte(nil), buf[:n]...)
			}
		}
		if dump != nil {
			break
		}
		runtime.Gosched()
	}
	if dump == nil {
		t.Fatal("the handler never blocked in a socket write")
	}

	const handler = "github.com/gdiag/gdiag/analyzer_test.streamReport"
	tests := []struct {
		name    string
		modules []string
		want    string // prefix of the blocking frame's function
	}{
		{"main module known", []string{"github.com/gdiag/gdiag"}, handler},
		{"main module unknown", nil, "github.com/go-chi/chi/v5/middleware."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap, err := stack.Parse(bytes.NewReader(dump), stack.ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var f *leaks.Finding
			fs := leaks.Find(snap, leaks.Options{MainModules: tt.modules})
			for i := range fs {
				if onStack(fs[i].Stack, handler) && fs[i].Op == stack.OpNetIO {
					f = &fs[i]
				}
			}
			if f == nil {
				t.Fatal("no finding for the handler's bucket")
			}
			if !strings.HasPrefix(f.Blocking.Func, tt.want) {
				t.Errorf("finding blocks at %s, want %s…", f.Blocking.Func, tt.want)
			}
			in, err := analyzer.LoadReader("dump.txt", bytes.NewReader(dump), int64(len(dump)), analyzer.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			rep := analyzer.Analyze([]*analyzer.Input{in}, analyzer.Options{MainModules: tt.modules, Leaks: leaks.Options{Top: -1}})
			t.Logf("finding at %s", f.Blocking)
			short := symbol.ShortFunc(f.Blocking.Func)
			found := false
			for _, s := range rep.Sections {
				if s.ID != "top-buckets" {
					continue
				}
				for _, row := range s.Tables[0].Rows {
					if strings.HasPrefix(row[4], short+" (") {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("no top-buckets row is located at the finding's frame %s", short)
			}
		})
	}
}

func onStack(s *stack.Stack, fn string) bool {
	for _, f := range s.Frames {
		if f.Func == fn {
			return true
		}
	}
	return false
}
