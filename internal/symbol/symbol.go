package symbol

import "strings"

// Package returns the import path of a fully qualified function name:
// "net/http" for "net/http.(*conn).serve", "main" for "main.main.func1",
// "slices" for "slices.SortFunc[go.shape.[]github.com/acme/app.Item,…]"
// (type arguments may hold dots and slashes, so the name is cut at its
// first '[' before the import path is looked for). The runtime prints
// runtime.gopanic as "panic", whose package is "runtime". An unsymbolized
// address ("0x4a5b6c") or a name without a package has package "".
// Cost: no allocation.
func Package(fn string) string {
	if fn == "panic" {
		return "runtime"
	}
	if i := strings.IndexByte(fn, '['); i >= 0 {
		fn = fn[:i]
	}
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return ""
	}
	return fn[:slash+1+dot]
}

// ShortFunc drops the import path before the function's package name:
// "github.com/x/y/pkg.(*T).m" → "pkg.(*T).m",
// "pkg.F[go.shape.*x/y.T]" stays whole. Type arguments are kept.
func ShortFunc(fn string) string {
	end := len(fn)
	if i := strings.IndexByte(fn, '['); i >= 0 {
		end = i
	}
	if i := strings.LastIndexByte(fn[:end], '/'); i >= 0 && i < len(fn)-1 {
		return fn[i+1:]
	}
	return fn
}

// IsAddress reports whether fn is an unsymbolized program counter as
// pprof conversion names it ("0x4a5b6c").
func IsAddress(fn string) bool {
	return len(fn) > 2 && fn[0] == '0' && (fn[1] == 'x' || fn[1] == 'X')
}

// IsRuntime reports whether fn is in the Go runtime: packages runtime,
// runtime/internal/… and internal/… (internal/runtime/…, internal/poll,
// internal/sync, …), and the "panic" frame.
func IsRuntime(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/") ||
		strings.HasPrefix(fn, "runtime/internal/") || fn == "panic"
}

// IsStdlib reports whether a frame (function fn in file, "" when unknown)
// belongs to the standard library, the runtime included. Its import path has
// no dot in the first element and is not package main, and its file, when
// known, lies under that import path in a GOROOT-like ".../src/" tree or, as
// -trimpath prints it, is "<import path>/file.go" with a first element the
// standard library has. Functions of a standard package that the runtime
// implements by linkname (sync.runtime_notifyListWait,
// internal/sync.runtime_SemacquireMutex) have their file under src/runtime
// and count too.
func IsStdlib(fn, file string) bool {
	if IsRuntime(fn) {
		return true
	}
	pkg := Package(fn)
	if pkg == "" || pkg == "main" {
		return false
	}
	first, _, _ := strings.Cut(pkg, "/")
	if strings.IndexByte(first, '.') >= 0 {
		return false
	}
	if file == "" {
		return true
	}
	if strings.IndexByte(file, '\\') >= 0 {
		file = strings.ReplaceAll(file, "\\", "/")
	}
	if strings.Contains(file, "/src/runtime/") {
		return true // a linkname target implemented by the runtime
	}
	if !stdRoot(first) {
		// A GOPATH package ("$GOPATH/src/platform/shell.go") or a module
		// without a dot in its path.
		return false
	}
	if i := strings.Index(file, "/src/"+pkg+"/"); i >= 0 {
		return strings.IndexByte(file[i+5+len(pkg)+1:], '/') < 0
	}
	// -trimpath prints standard library files as "<import path>/file.go"
	// ("net/http/server.go"). A module without a dot in its path prints its
	// files the same way; the check of the first element tells them apart.
	rest, ok := strings.CutPrefix(file, pkg+"/")
	if ok && strings.IndexByte(rest, '/') < 0 {
		return true
	}
	rest, ok = strings.CutPrefix(file, "runtime/")
	return ok && strings.IndexByte(rest, '/') < 0 // trimmed linkname target
}

// stdRoot reports whether first is the first element of a standard library
// import path.
func stdRoot(first string) bool {
	switch first {
	case "archive", "arena", "bufio", "bytes", "cmd", "cmp", "compress", "container",
		"context", "crypto", "database", "debug", "embed", "encoding",
		"errors", "expvar", "flag", "fmt", "go", "hash", "html",
		"image", "index", "internal", "io", "iter", "log", "maps",
		"math", "mime", "net", "os", "path", "plugin", "reflect",
		"regexp", "runtime", "simd", "slices", "sort", "strconv", "strings",
		"structs", "sync", "syscall", "testing", "text", "time",
		"unicode", "unique", "unsafe", "vendor", "weak":
		return true
	}
	return false
}

// Self is gdiag's own module path. Its packages (the collector, the typed
// pool, leaktest) are a library to the services that link them, never the
// code a finding should send a user to, unless gdiag is itself the main
// module (its own tests and fixtures).
const Self = "github.com/gdiag/gdiag"

// CollectorPackages are the gdiag packages a service runs when it links the
// collector: the collector and its subpackages, and what they call in
// goroutines of their own, whose stacks hold no collector frame (the dump
// parser's workers that the live leak watch starts), and the helpers they
// share (bundle writing, profile conversion). Their goroutines, allocations
// and locks are gdiag's work, never the service's. The typed pool (pool)
// and the leak rules with leaktest (leaks) are not among them: what they do
// is the service's or the test's.
var CollectorPackages = []string{
	Self + "/collector",
	Self + "/stack",
	Self + "/bundle",
	Self + "/internal",
}

// IsCollector reports whether fn is in one of CollectorPackages or below
// it, and not in a program that tests or feeds it: a _test package or a
// package under a testdata directory (the dump generators).
func IsCollector(fn string) bool {
	pkg := Package(fn)
	if strings.HasSuffix(pkg, "_test") || strings.Contains(pkg, "/testdata/") {
		return false
	}
	for _, p := range CollectorPackages {
		if pkg == p || len(pkg) > len(p) && pkg[len(p)] == '/' && strings.HasPrefix(pkg, p) {
			return true
		}
	}
	return false
}

// Kind is the kind of code a frame is in.
type Kind uint8

// Kinds of code.
const (
	// KindUnknown is an unsymbolized address or a name without a package.
	KindUnknown Kind = iota
	// KindStdlib is the standard library and the runtime.
	KindStdlib
	// KindThirdParty is a module that is neither the standard library nor
	// the service's own (gdiag's packages included, see Self).
	KindThirdParty
	// KindMain is the service's own code: package main and the main
	// module(s).
	KindMain
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindStdlib:
		return "stdlib"
	case KindThirdParty:
		return "third-party"
	case KindMain:
		return "main"
	}
	return "unknown"
}

// Modules knows which import paths are the service's own. The zero value
// knows none: only package main is the service's, and other code outside the
// standard library is third-party (gdiag's own packages ranked last).
type Modules struct {
	main []string
}

// NewModules returns the rule for a service whose own code lives in the
// given module paths (a go.mod "module" line, runtime/debug.BuildInfo's
// Main.Path); empty paths are ignored.
func NewModules(paths ...string) Modules {
	var m Modules
	for _, p := range paths {
		p = strings.TrimSuffix(strings.TrimSpace(p), "/")
		if p != "" {
			m.main = append(m.main, p)
		}
	}
	return m
}

// Main returns the main module paths the rule knows.
func (m Modules) Main() []string { return m.main }

// isMain reports whether pkg is in one of the main modules.
func (m Modules) isMain(pkg string) bool {
	if pkg == "main" {
		return true
	}
	for _, p := range m.main {
		if pkg == p || (len(pkg) > len(p) && pkg[len(p)] == '/' && strings.HasPrefix(pkg, p)) {
			return true
		}
	}
	return false
}

// Kind classifies a frame: function fn in file ("" when unknown).
func (m Modules) Kind(fn, file string) Kind {
	if IsAddress(fn) {
		return KindUnknown
	}
	if IsStdlib(fn, file) {
		return KindStdlib
	}
	pkg := Package(fn)
	if pkg == "" {
		return KindUnknown
	}
	if m.isMain(pkg) {
		return KindMain
	}
	return KindThirdParty
}

// rank orders frames by how much a user can do about them: 3 for the main
// module when its path is known, 2 for other code outside the standard
// library (package main too when the main module is unknown), 1 for gdiag's own packages when gdiag is
// not the main module, 0 for the standard library, the runtime and unknown
// frames (never user code).
func (m Modules) rank(fn, file string) int {
	switch m.Kind(fn, file) {
	case KindMain:
		if len(m.main) == 0 {
			// Without the module path, package main is one program among
			// its modules: a thin main.main must not outrank the service's
			// packages that it calls.
			return 2
		}
		return 3
	case KindThirdParty:
		if selfLibrary(Package(fn)) {
			return 1
		}
		return 2
	}
	return 0
}

// selfLibrary reports whether pkg is one of gdiag's library packages, the
// ones a service links (collector, pool, leaktest, …). gdiag's fixtures and
// test programs are always some program's own code, never a library.
func selfLibrary(pkg string) bool {
	if pkg != Self && !strings.HasPrefix(pkg, Self+"/") {
		return false
	}
	return !strings.Contains(pkg, "/testdata/") && !strings.HasPrefix(pkg, Self+"/fixtures/")
}

// IsUser reports whether a frame is code a user can change: anything but the
// standard library, the runtime and unsymbolized addresses.
func (m Modules) IsUser(fn, file string) bool { return m.rank(fn, file) > 0 }

// FirstUser returns the index of the frame a finding should point at among n
// frames, innermost first, where frame(i) returns the function and file of
// frame i: the innermost frame of the main module when its path is known;
// without one, the innermost frame outside the standard library (other
// modules before gdiag's own library packages).
// It returns -1 when every frame is in the standard library, the runtime or
// unsymbolized. Cost: one pass, no allocation.
func (m Modules) FirstUser(n int, frame func(i int) (fn, file string)) int {
	best, bestRank := -1, 0
	for i := range n {
		r := m.rank(frame(i))
		if r > bestRank {
			best, bestRank = i, r
			if r == 3 {
				break
			}
		}
	}
	return best
}

// Enclosing returns the function a closure is declared in:
// "main.run.func1" → "main.run", "pkg.(*T).m.func2.3" → "pkg.(*T).m",
// "main.main.gowrap1" → "main.main". A name that is no closure is returned
// unchanged, and a method value ("pkg.(*T).m-fm") loses its "-fm" suffix.
func Enclosing(fn string) string {
	fn = strings.TrimSuffix(fn, "-fm")
	for {
		i := strings.LastIndexByte(fn, '.')
		if i <= len(Package(fn)) {
			return fn
		}
		last := fn[i+1:]
		switch {
		case isDigits(last):
		case strings.HasPrefix(last, "func") && isDigits(last[4:]):
		case strings.HasPrefix(last, "gowrap") && isDigits(last[6:]):
		case strings.HasPrefix(last, "deferwrap") && isDigits(last[9:]):
		default:
			return fn
		}
		fn = fn[:i]
	}
}

// IsInit reports whether fn is package initialization itself: "pkg.init"
// (which also runs the package's variable initializers) or "pkg.init.0"
// (the package's init functions). A frame of it on a stack means the code
// runs during initialization, once per process. Closures declared in
// package-level variables ("pkg.init.func1") are not: they run whenever
// they are called (a handler, a sync.OnceValues body), and only a stack
// that also holds the init frame ran them at initialization.
func IsInit(fn string) bool {
	pkg := Package(fn)
	if pkg == "" {
		return false
	}
	rest, ok := strings.CutPrefix(fn, pkg+".init")
	return ok && (rest == "" || rest[0] == '.' && isDigits(rest[1:]))
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ShortFile keeps the last two elements of a source path, with a line
// suffix if it has one: "/src/app/pkg/file.go:12" → "pkg/file.go:12".
// Windows separators are read as '/'.
func ShortFile(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		if j := strings.LastIndexByte(p[:i], '/'); j >= 0 {
			return p[j+1:]
		}
	}
	return p
}
