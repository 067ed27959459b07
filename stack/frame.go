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
// a GOROOT-like "/src/" tree or, as -trimpath prints it, is
// "<import path>/file.go" with a first element the standard library has.
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
	if !stdRoots[first] {
		// A GOPATH package ("$GOPATH/src/platform/shell.go") or a module
		// without a dot in its path.
		return false
	}
	file := f.File
	if strings.IndexByte(file, '\\') >= 0 {
		file = strings.ReplaceAll(file, "\\", "/")
	}
	if i := strings.Index(file, "/src/"+pkg+"/"); i >= 0 {
		return strings.IndexByte(file[i+5+len(pkg)+1:], '/') < 0
	}
	// A binary built with -trimpath prints standard library files as
	// "<import path>/file.go" ("net/http/server.go"). A module without a
	// dot in its path prints its files the same way; the check of the
	// first element above tells them apart.
	rest, ok := strings.CutPrefix(file, pkg+"/")
	return ok && strings.IndexByte(rest, '/') < 0
}

// stdRoots are the first elements of the standard library's import paths.
var stdRoots = map[string]bool{
	"archive": true, "arena": true, "bufio": true, "bytes": true, "cmd": true, "cmp": true, "compress": true, "container": true,
	"context": true, "crypto": true, "database": true, "debug": true, "embed": true, "encoding": true,
	"errors": true, "expvar": true, "flag": true, "fmt": true, "go": true, "hash": true, "html": true,
	"image": true, "index": true, "internal": true, "io": true, "iter": true, "log": true, "maps": true,
	"math": true, "mime": true, "net": true, "os": true, "path": true, "plugin": true, "reflect": true,
	"regexp": true, "runtime": true, "simd": true, "slices": true, "sort": true, "strconv": true, "strings": true,
	"structs": true, "sync": true, "syscall": true, "testing": true, "text": true, "time": true,
	"unicode": true, "unique": true, "unsafe": true, "vendor": true, "weak": true,
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
