package stack

import "testing"

// TestFramePredicates pins the review's §0 defect: generic instantiations
// carry shapes whose type arguments hold dots and slashes, and a standard
// generic instantiated with a user type was taken for user code.
func TestFramePredicates(t *testing.T) {
	const sortFunc = "slices.SortFunc[go.shape.[]github.com/acme/app.Item,go.shape.func(github.com/acme/app.Item, github.com/acme/app.Item) int]"
	tests := []struct {
		f               Frame
		pkg             string
		runtime, stdlib bool
	}{
		{Frame{Func: sortFunc, File: "/usr/local/go/src/slices/sort.go", Line: 30}, "slices", false, true},
		{Frame{Func: sortFunc}, "slices", false, true},
		{Frame{Func: "github.com/acme/app/list.(*List[go.shape.*github.com/acme/app/x.T]).Push", File: "/app/list/list.go"}, "github.com/acme/app/list", false, false},
		{Frame{Func: "sync.runtime_notifyListWait", File: "/usr/local/go/src/runtime/sema.go"}, "sync", false, true},
		{Frame{Func: "panic"}, "runtime", true, true},
		{Frame{Func: "main.main.func1", File: "/app/main.go"}, "main", false, false},
	}
	for _, tt := range tests {
		if got := tt.f.Package(); got != tt.pkg {
			t.Errorf("%s: Package = %q, want %q", tt.f.Func, got, tt.pkg)
		}
		if got := tt.f.IsRuntime(); got != tt.runtime {
			t.Errorf("%s: IsRuntime = %v, want %v", tt.f.Func, got, tt.runtime)
		}
		if got := tt.f.IsStdlib(); got != tt.stdlib {
			t.Errorf("%s: IsStdlib = %v, want %v", tt.f.Func, got, tt.stdlib)
		}
	}
	s := &Stack{Frames: []Frame{
		{Func: "runtime.gopark", File: "/usr/local/go/src/runtime/proc.go"},
		{Func: sortFunc, File: "/usr/local/go/src/slices/sort.go"},
		{Func: "github.com/acme/app.sortItems", File: "/app/items.go", Line: 12},
	}}
	if f, ok := s.FirstUser(); !ok || f.Func != "github.com/acme/app.sortItems" {
		t.Errorf("FirstUser = %v, %v; want github.com/acme/app.sortItems", f, ok)
	}
}

func TestFrameLocation(t *testing.T) {
	tests := []struct {
		f        Frame
		loc, str string
	}{
		{Frame{Func: "main.run", File: "/app/main.go", Line: 12}, "/app/main.go:12", "main.run (/app/main.go:12)"},
		{Frame{Func: "main.run", File: "/app/main.go"}, "/app/main.go", "main.run (/app/main.go)"},
		{Frame{Func: "0x4a5b6c"}, "", "0x4a5b6c"},
	}
	for _, tt := range tests {
		if got := tt.f.Location(); got != tt.loc {
			t.Errorf("Location = %q, want %q", got, tt.loc)
		}
		if got := tt.f.String(); got != tt.str {
			t.Errorf("String = %q, want %q", got, tt.str)
		}
	}
}
