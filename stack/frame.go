package stack

import "strings"

// Package returns the import path of the frame's function:
// "net/http" for "net/http.(*conn).serve", "main" for "main.main.func1".
// The runtime prints runtime.gopanic as "panic", whose package is "runtime".
// Cost: no allocation.
func (f Frame) Package() string {
	return funcPackage(f.Func)
}

func funcPackage(fn string) string {
	if fn == "panic" {
		return "runtime"
	}
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return ""
	}
	return fn[:slash+1+dot]
}

// IsRuntime reports whether the frame is in the Go runtime: packages
// runtime, runtime/internal/… and internal/… (including runtime.goexit and
// the "panic" frame).
func (f Frame) IsRuntime() bool {
	return isRuntimeFunc(f.Func)
}

func isRuntimeFunc(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/") ||
		strings.HasPrefix(fn, "runtime/internal/") || fn == "panic"
}

// IsStdlib reports whether the frame belongs to the standard library
// (including the runtime): its import path has no dot in the first element,
// it is not package main, and its file, when known, lies under that path in
// a GOROOT-like "/src/" tree.
func (f Frame) IsStdlib() bool {
	if isRuntimeFunc(f.Func) {
		return true
	}
	pkg := funcPackage(f.Func)
	if pkg == "" || pkg == "main" {
		return false
	}
	first := pkg
	if i := strings.IndexByte(pkg, '/'); i >= 0 {
		first = pkg[:i]
	}
	if strings.IndexByte(first, '.') >= 0 {
		return false
	}
	if f.File == "" {
		return true
	}
	file := f.File
	if strings.IndexByte(file, '\\') >= 0 {
		file = strings.ReplaceAll(file, "\\", "/")
	}
	i := strings.Index(file, "/src/"+pkg+"/")
	return i >= 0 && strings.IndexByte(file[i+5+len(pkg)+1:], '/') < 0
}

// FirstUser returns the first (innermost) frame outside the runtime and the
// standard library, and false when every frame is in them.
func (s *Stack) FirstUser() (Frame, bool) {
	if s == nil {
		return Frame{}, false
	}
	for _, f := range s.Frames {
		if !f.IsStdlib() {
			return f, true
		}
	}
	return Frame{}, false
}
