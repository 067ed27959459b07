package pprofconv

import (
	"reflect"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/stack"
)

func TestFrames(t *testing.T) {
	fn := func(name, file string) *profile.Function { return &profile.Function{Name: name, Filename: file} }
	gopark, serve, inl := fn("runtime.gopark", "/go/src/runtime/proc.go"), fn("main.serve", "/app/main.go"), fn("main.helper", "/app/h.go")
	dw := fn("main.run.deferwrap1", "/app/main.go")
	tests := []struct {
		name string
		locs []*profile.Location
		want []stack.Frame
	}{
		{"symbolized", []*profile.Location{
			{Address: 0x1, Line: []profile.Line{{Function: gopark, Line: 10}}},
			{Address: 0x2, Line: []profile.Line{{Function: serve, Line: 20}}},
		}, []stack.Frame{{Func: "runtime.gopark", File: "/go/src/runtime/proc.go", Line: 10}, {Func: "main.serve", File: "/app/main.go", Line: 20}}},
		{"inlined calls expanded, innermost first", []*profile.Location{
			{Address: 0x2, Line: []profile.Line{{Function: inl, Line: 5}, {Function: serve, Line: 21}}},
		}, []stack.Frame{{Func: "main.helper", File: "/app/h.go", Line: 5}, {Func: "main.serve", File: "/app/main.go", Line: 21}}},
		{"unsymbolized kept as addresses", []*profile.Location{
			{Address: 0x4a5b6c}, {Address: 0x4a0000},
		}, []stack.Frame{{Func: "0x4a5b6c"}, {Func: "0x4a0000"}}},
		{"line without function", []*profile.Location{
			{Address: 0xabc, Line: []profile.Line{{Line: 3}}},
		}, []stack.Frame{{Func: "0xabc", Line: 3}}},
		{"defer wrapper named after its owner", []*profile.Location{
			{Address: 0x3, Line: []profile.Line{{Function: dw, Line: 33}}},
		}, []stack.Frame{{Func: "main.run", File: "/app/main.go", Line: 33}}},
		{"nil location skipped", []*profile.Location{nil}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Frames(nil, &profile.Sample{Location: tt.locs}, nil)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Frames = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDeferOwner(t *testing.T) {
	for in, want := range map[string]string{
		"main.run.deferwrap1":       "main.run",
		"pkg.(*T).m.deferwrap12":    "pkg.(*T).m",
		"main.run.deferwrapper":     "main.run.deferwrapper",
		"main.run":                  "main.run",
		"main.run.func1.deferwrap2": "main.run.func1",
	} {
		if got := DeferOwner(in); got != want {
			t.Errorf("DeferOwner(%q) = %q, want %q", in, got, want)
		}
	}
}
