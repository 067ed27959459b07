package stack

import (
	"fmt"

	"github.com/gdiag/gdiag/internal/symbol"
)

// Package returns the import path of the frame's function:
// "net/http" for "net/http.(*conn).serve", "main" for "main.main.func1",
// "slices" for a generic instantiation such as
// "slices.SortFunc[go.shape.[]github.com/acme/app.Item,…]".
// The runtime prints runtime.gopanic as "panic", whose package is "runtime".
// Cost: no allocation.
func (f Frame) Package() string {
	return symbol.Package(f.Func)
}

// IsRuntime reports whether the frame is in the Go runtime: packages
// runtime, runtime/internal/… and internal/… (including runtime.goexit and
// the "panic" frame).
func (f Frame) IsRuntime() bool {
	return symbol.IsRuntime(f.Func)
}

func isRuntimeFunc(fn string) bool { return symbol.IsRuntime(fn) }

// IsStdlib reports whether the frame belongs to the standard library
// (including the runtime and the standard functions the runtime implements,
// such as sync.runtime_notifyListWait): its import path has no dot in the
// first element, it is not package main, and its file, when known, lies
// under that path in a GOROOT-like "/src/" tree or, as -trimpath prints it,
// is "<import path>/file.go".
func (f Frame) IsStdlib() bool {
	return symbol.IsStdlib(f.Func, f.File)
}

// Location returns "file:line", "file" when the line is unknown, or "" when
// the file is unknown.
func (f Frame) Location() string {
	switch {
	case f.File == "":
		return ""
	case f.Line <= 0:
		return f.File
	}
	return fmt.Sprintf("%s:%d", f.File, f.Line)
}

// String returns "func (file:line)", or the function alone when the file is
// unknown.
func (f Frame) String() string {
	if f.File == "" {
		return f.Func
	}
	return f.Func + " (" + f.Location() + ")"
}

// FirstUser returns the frame a finding about this stack points at: the
// innermost frame of package main; without one, the innermost frame outside
// the runtime and the standard library (other modules before gdiag's own
// packages). It returns false when every frame is in the runtime, the
// standard library or unsymbolized. It is the rule of FirstUserIn without
// known main modules.
func (s *Stack) FirstUser() (Frame, bool) {
	return s.FirstUserIn(nil)
}

// FirstUserIn is FirstUser for a service whose own code is in the given
// module paths (from its build info, or a flag): their innermost frame is
// preferred over third-party code.
func (s *Stack) FirstUserIn(mainModules []string) (Frame, bool) {
	if s == nil {
		return Frame{}, false
	}
	m := symbol.NewModules(mainModules...)
	if i := m.FirstUser(len(s.Frames), s.frameAt); i >= 0 {
		return s.Frames[i], true
	}
	return Frame{}, false
}

func (s *Stack) frameAt(i int) (string, string) { return s.Frames[i].Func, s.Frames[i].File }

// CreationSite returns where the goroutine was started, charged to the code
// that asked for it: CreatedBy, unless the runtime names a wrapper that
// starts goroutines for its caller (sync.(*WaitGroup).Go,
// errgroup.(*Group).Go, …). Then it is the caller of the wrapper from the
// creator's stack when GODEBUG=tracebackancestors printed it, else the
// function enclosing the closure the goroutine runs ("main.run.func1" →
// "main.run") with the closure's file and line 0 (the line of the call is
// not in the dump). It returns CreatedBy unchanged when neither is known.
func (g *Goroutine) CreationSite() Frame {
	c := g.CreatedBy
	if c.Func == "" || !symbol.IsGoWrapper(c.Func) {
		return c
	}
	for _, a := range g.Ancestors {
		if a.Stack == nil || (g.ParentID != 0 && a.ID != g.ParentID) {
			continue
		}
		if i := symbol.Caller(c.Func, len(a.Stack.Frames), a.Stack.frameAt); i >= 0 {
			return a.Stack.Frames[i]
		}
		break
	}
	if g.Stack == nil {
		return c
	}
	if i := symbol.Started(c.Func, len(g.Stack.Frames), g.Stack.frameAt); i >= 0 {
		f := g.Stack.Frames[i]
		return Frame{Func: symbol.Enclosing(f.Func), File: f.File}
	}
	return c
}

// CreationSite is Goroutine.CreationSite of the bucket's first goroutine,
// where gs is the slice given to Group; CreatedBy when gs does not hold it.
func (b *Bucket) CreationSite(gs []Goroutine) Frame {
	if len(b.Goroutines) == 0 || b.Goroutines[0] >= len(gs) {
		return b.CreatedBy
	}
	return gs[b.Goroutines[0]].CreationSite()
}
