package heap

import (
	"testing"

	"github.com/gdiag/gdiag/stack"
)

// TestInitOnly: a site reached only from package initialization runs once
// per process and is never pool advice (an idle service's heap profile
// showed "pool the 160 B objects allocated in profile.init").
func TestInitOnly(t *testing.T) {
	path := func(fns ...string) Path {
		var p Path
		for _, fn := range fns {
			p.Frames = append(p.Frames, stack.Frame{Func: fn})
		}
		return p
	}
	tests := []struct {
		name  string
		paths []Path
		want  bool
	}{
		{"package init", []Path{path("github.com/google/pprof/profile.init", "runtime.doInit1")}, true},
		{"helper called from an init function", []Path{path("example.com/app.buildTable", "example.com/app.init.0", "runtime.doInit1")}, true},
		{"also reached from a handler", []Path{
			path("example.com/app.buildTable", "example.com/app.init.0"),
			path("example.com/app.buildTable", "example.com/app.handle", "net/http.HandlerFunc.ServeHTTP"),
		}, false},
		{"no paths", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := initOnly(&Site{Paths: tt.paths}); got != tt.want {
				t.Errorf("initOnly = %v, want %v", got, tt.want)
			}
		})
	}
}
