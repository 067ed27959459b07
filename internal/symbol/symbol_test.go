package symbol

import (
	"fmt"
	"testing"
)

func TestPackage(t *testing.T) {
	tests := []struct{ fn, want string }{
		{"net/http.(*conn).serve", "net/http"},
		{"main.main.func1", "main"},
		{"panic", "runtime"},
		{"runtime.gopark", "runtime"},
		{"github.com/acme/app/store.(*DB).Query", "github.com/acme/app/store"},
		{"gopkg.in/yaml%2ev3.(*parser).parse", "gopkg.in/yaml%2ev3"},
		// §0 bug: shapes carry dots and slashes.
		{"slices.SortFunc[go.shape.[]github.com/acme/app.Item,go.shape.func(github.com/acme/app.Item, github.com/acme/app.Item) int]", "slices"},
		{"slices.SortFunc[...]", "slices"},
		{"github.com/acme/app/list.(*List[go.shape.*github.com/acme/app/x.T]).Push", "github.com/acme/app/list"},
		{"github.com/acme/app.Map[go.shape.string,go.shape.int].func1", "github.com/acme/app"},
		{"0x4a5b6c", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Package(tt.fn); got != tt.want {
			t.Errorf("Package(%q) = %q, want %q", tt.fn, got, tt.want)
		}
	}
}

func TestShortFunc(t *testing.T) {
	tests := []struct{ fn, want string }{
		{"github.com/x/y/pkg.(*T).m", "pkg.(*T).m"},
		{"main.main.func1", "main.main.func1"},
		{"net/http.(*conn).serve", "http.(*conn).serve"},
		// The review's report/text.go copy turned this into "y.T]".
		{"pkg.F[go.shape.*x/y.T]", "pkg.F[go.shape.*x/y.T]"},
		{"github.com/a/b.F[go.shape.*x/y.T]", "b.F[go.shape.*x/y.T]"},
		{"slices.SortFunc[go.shape.[]github.com/acme/app.Item]", "slices.SortFunc[go.shape.[]github.com/acme/app.Item]"},
		{"github.com/a/list.(*List[go.shape.*x/y.T]).Push", "list.(*List[go.shape.*x/y.T]).Push"},
		{"a/", "a/"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := ShortFunc(tt.fn); got != tt.want {
			t.Errorf("ShortFunc(%q) = %q, want %q", tt.fn, got, tt.want)
		}
	}
}

func TestIsStdlib(t *testing.T) {
	tests := []struct {
		fn, file string
		want     bool
	}{
		{"net/http.(*conn).serve", "/usr/local/go/src/net/http/server.go", true},
		{"net/http.(*conn).serve", "net/http/server.go", true}, // -trimpath
		{"net/http.(*conn).serve", "", true},
		{"net/http.(*conn).serve", `C:\Program Files\Go\src\net\http\server.go`, true},
		{"runtime.gopark", "", true},
		{"panic", "", true},
		{"internal/poll.(*FD).Read", "/go/src/internal/poll/fd_unix.go", true},
		// Linkname targets: standard packages implemented in src/runtime.
		{"sync.runtime_notifyListWait", "/usr/local/go/src/runtime/sema.go", true},
		{"internal/sync.runtime_SemacquireMutex", "/usr/local/go/src/runtime/sema.go", true},
		{"sync.runtime_notifyListWait", "runtime/sema.go", true},
		// §0 bug: a standard generic instantiated with a user type.
		{"slices.SortFunc[go.shape.[]github.com/acme/app.Item,go.shape.func(github.com/acme/app.Item, github.com/acme/app.Item) int]", "/usr/local/go/src/slices/sort.go", true},
		{"slices.SortFunc[...]", "", true},
		{"main.main", "/app/main.go", false},
		{"github.com/acme/app.run", "/app/run.go", false},
		{"github.com/acme/app.Map[go.shape.string]", "/app/m.go", false},
		// A module without a dot in its path, or a GOPATH package.
		{"platform/shell.Run", "/home/u/go/src/platform/shell/shell.go", false},
		{"app/handlers.Serve", "app/handlers/serve.go", false},
		// A vendored copy of a standard-looking path under a module.
		{"net/http.(*conn).serve", "/app/vendor/x/net/http/server.go", false},
		{"0x4a5b6c", "", false},
	}
	for _, tt := range tests {
		if got := IsStdlib(tt.fn, tt.file); got != tt.want {
			t.Errorf("IsStdlib(%q, %q) = %v, want %v", tt.fn, tt.file, got, tt.want)
		}
	}
}

func TestKind(t *testing.T) {
	chi := NewModules("github.com/acme/shop")
	tests := []struct {
		m        Modules
		fn, file string
		want     Kind
	}{
		{Modules{}, "main.handler", "/app/main.go", KindMain},
		{Modules{}, "github.com/acme/shop/cart.Add", "/app/cart/cart.go", KindThirdParty},
		{chi, "github.com/acme/shop/cart.Add", "/app/cart/cart.go", KindMain},
		{chi, "github.com/acme/shop.Run", "/app/run.go", KindMain},
		{chi, "github.com/acme/shopping.Run", "/x/run.go", KindThirdParty}, // a prefix, not a parent
		{chi, "github.com/go-chi/chi/v5/middleware.Logger.func1", "/m/chi/middleware/logger.go", KindThirdParty},
		{chi, "net/url.(*URL).String", "/usr/local/go/src/net/url/url.go", KindStdlib},
		{chi, "0x4a5b6c", "", KindUnknown},
	}
	for _, tt := range tests {
		if got := tt.m.Kind(tt.fn, tt.file); got != tt.want {
			t.Errorf("%v.Kind(%q) = %v, want %v", tt.m.Main(), tt.fn, got, tt.want)
		}
	}
}

// frames is a test stack: "func@file" entries, innermost first.
type frames [][2]string

func (f frames) at(i int) (string, string) { return f[i][0], f[i][1] }

func TestFirstUser(t *testing.T) {
	chiStack := frames{
		{"runtime.mallocgc", "/go/src/runtime/malloc.go"},
		{"net/url.(*URL).String", "/go/src/net/url/url.go"},
		{"github.com/go-chi/chi/v5/middleware.RequestLogger.func1.1", "/m/chi/v5/middleware/logger.go"},
		{"github.com/acme/shop/api.(*Server).checkout", "/src/shop/api/checkout.go"},
		{"github.com/go-chi/chi/v5.(*Mux).ServeHTTP", "/m/chi/v5/mux.go"},
		{"net/http.(*conn).serve", "/go/src/net/http/server.go"},
	}
	gdiagStack := frames{
		{"runtime.gopark", "/go/src/runtime/proc.go"},
		{"github.com/gdiag/gdiag/leaks/leaktest.find", "/m/gdiag/leaks/leaktest/find.go"},
		{"github.com/gdiag/gdiag/leaks/leaktest.VerifyNone", "/m/gdiag/leaks/leaktest/verify.go"},
		{"github.com/acme/shop/cart.TestAdd", "/src/shop/cart/cart_test.go"},
		{"testing.tRunner", "/go/src/testing/testing.go"},
	}
	tests := []struct {
		name   string
		m      Modules
		frames frames
		want   int
	}{
		{"main module known: its frame beats chi and net/url", NewModules("github.com/acme/shop"), chiStack, 3},
		{"main module unknown: innermost third-party", Modules{}, chiStack, 2},
		{"gdiag is a library to the service", NewModules("github.com/acme/shop"), gdiagStack, 3},
		{"gdiag ranks below other modules when main is unknown", Modules{}, gdiagStack, 3},
		{"gdiag is user code in its own tests", NewModules(Self), gdiagStack, 1},
		{"package main is the service's when its module is known", NewModules("github.com/acme/shop"), frames{{"github.com/lib/x.F", "/m/x.go"}, {"main.main", "/a/main.go"}}, 1},
		{"a thin main does not outrank the packages it calls", Modules{}, frames{{"github.com/acme/shop/server.Run", "/a/server/run.go"}, {"main.main", "/a/main.go"}}, 0},
		{"only gdiag frames: still named", Modules{}, frames{{"runtime.gopark", ""}, {"github.com/gdiag/gdiag/leaks/leaktest.find", "/m/f.go"}}, 1},
		{"gdiag fixtures and generators are a program's own code", Modules{}, frames{{"github.com/gdiag/gdiag/stack/testdata/gen/mix.AllStacks", "/m/mix.go"}, {"main.main", "/m/main.go"}}, 0},
		{"the flashsale fixture is a service, not a library", Modules{}, frames{{"github.com/gdiag/gdiag/fixtures/flashsale.(*Service).reserve", "/m/s.go"}, {"github.com/lib/x.F", "/m/x.go"}}, 0},
		{"all stdlib", NewModules("github.com/acme/shop"), frames{{"runtime.gopark", ""}, {"net/http.(*conn).serve", ""}}, -1},
		{"unsymbolized addresses are never user code", Modules{}, frames{{"0x4a5b6c", ""}, {"0x4a5b00", ""}}, -1},
		{"stdlib generic with a user shape is not user code", Modules{}, frames{
			{"slices.SortFunc[go.shape.[]github.com/acme/app.Item]", "/go/src/slices/sort.go"},
			{"github.com/acme/app.sortItems", "/app/items.go"}}, 1},
		{"empty", Modules{}, nil, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.FirstUser(len(tt.frames), tt.frames.at); got != tt.want {
				t.Errorf("FirstUser = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestEnclosing(t *testing.T) {
	tests := []struct{ fn, want string }{
		{"main.run.func1", "main.run"},
		{"main.run.func1.2", "main.run"},
		{"github.com/a/b.(*S).start.func2.1", "github.com/a/b.(*S).start"},
		{"main.main.gowrap1", "main.main"},
		{"github.com/a/b.(*S).worker-fm", "github.com/a/b.(*S).worker"},
		{"main.worker", "main.worker"},
		{"github.com/a/b.Map[go.shape.int].func1", "github.com/a/b.Map[go.shape.int]"},
		{"main.func1", "main.func1"}, // a package-level closure keeps its name
	}
	for _, tt := range tests {
		if got := Enclosing(tt.fn); got != tt.want {
			t.Errorf("Enclosing(%q) = %q, want %q", tt.fn, got, tt.want)
		}
	}
}

func TestIsInit(t *testing.T) {
	tests := []struct {
		fn   string
		want bool
	}{
		{"github.com/google/pprof/profile.init", true},
		{"github.com/a/b.init.0", true},
		{"github.com/a/b.init.func1", false}, // a closure in a package-level var runs when called
		{"github.com/a/b.init.0.func1", false},
		{"regexp.init", true},
		{"github.com/a/b.(*T).init", false}, // a method named init
		{"github.com/a/b.initialize", false},
		{"github.com/a/b.run.init", false},
		{"init", false},
	}
	for _, tt := range tests {
		if got := IsInit(tt.fn); got != tt.want {
			t.Errorf("IsInit(%q) = %v, want %v", tt.fn, got, tt.want)
		}
	}
}

func TestStartedAndCaller(t *testing.T) {
	wg := frames{
		{"runtime.gopark", "/go/src/runtime/proc.go"},
		{"runtime.chanrecv1", "/go/src/runtime/chan.go"},
		{"main.run.func1", "/app/main.go"},
		{"sync.(*WaitGroup).Go.func1", "/go/src/sync/waitgroup.go"},
	}
	eg := frames{
		{"runtime.gopark", "/go/src/runtime/proc.go"},
		{"main.fetch", "/app/main.go"},
		{"main.run.func2", "/app/main.go"},
		{"golang.org/x/sync/errgroup.(*Group).Go.func1", "/m/x/sync/errgroup/errgroup.go"},
	}
	tests := []struct {
		creator string
		frames  frames
		want    int
	}{
		{"sync.(*WaitGroup).Go", wg, 2},
		{"golang.org/x/sync/errgroup.(*Group).Go", eg, 2},
		{"golang.org/x/sync/errgroup.(*Group).TryGo", eg, 2},
		{"main.run", wg, -1}, // not a wrapper
		{"sync.(*WaitGroup).Go", frames{{"runtime.gopark", ""}}, -1},
	}
	for _, tt := range tests {
		if got := Started(tt.creator, len(tt.frames), tt.frames.at); got != tt.want {
			t.Errorf("Started(%q) = %d, want %d", tt.creator, got, tt.want)
		}
	}
	anc := frames{
		{"sync.(*WaitGroup).Go", "/go/src/sync/waitgroup.go"},
		{"main.run", "/app/main.go"},
		{"main.main", "/app/main.go"},
	}
	if got := Caller("sync.(*WaitGroup).Go", len(anc), anc.at); got != 1 {
		t.Errorf("Caller = %d, want 1", got)
	}
	if got := Caller("main.run", len(anc), anc.at); got != -1 {
		t.Errorf("Caller(non-wrapper) = %d, want -1", got)
	}
}

func ExampleModules_FirstUser() {
	// A chi service: an allocation in chi's middleware while serving a
	// request that the service's handler made.
	stack := [][2]string{
		{"net/url.(*URL).String", "/usr/local/go/src/net/url/url.go"},
		{"github.com/go-chi/chi/v5/middleware.RequestLogger.func1.1", "/m/chi/v5/middleware/logger.go"},
		{"github.com/acme/shop/api.(*Server).checkout", "/src/shop/api/checkout.go"},
	}
	at := func(i int) (string, string) { return stack[i][0], stack[i][1] }
	fmt.Println(stack[Modules{}.FirstUser(len(stack), at)][0])
	fmt.Println(stack[NewModules("github.com/acme/shop").FirstUser(len(stack), at)][0])
	// Output:
	// github.com/go-chi/chi/v5/middleware.RequestLogger.func1.1
	// github.com/acme/shop/api.(*Server).checkout
}

func TestShortFile(t *testing.T) {
	for in, want := range map[string]string{
		"/src/app/pkg/file.go:12":              "pkg/file.go:12",
		"/usr/local/go/src/net/http/server.go": "http/server.go",
		`C:\Users\dev\app\main.go`:             "app/main.go",
		"main.go":                              "main.go",
		"/main.go":                             "/main.go",
		"":                                     "",
	} {
		if got := ShortFile(in); got != want {
			t.Errorf("ShortFile(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestIsCollector: the collector's packages and their subpackages, not
// their tests, the programs under testdata, the typed pool, leaktest or
// the fixture.
func TestIsCollector(t *testing.T) {
	for fn, want := range map[string]bool{
		"github.com/gdiag/gdiag/collector.(*Collector).serveBundle":    true,
		"github.com/gdiag/gdiag/collector/leakwatch.(*Watch).step":     true,
		"github.com/gdiag/gdiag/stack.(*chunker).newBuf":               true,
		"github.com/gdiag/gdiag/internal/pprofconv.Snapshot":           true,
		"github.com/gdiag/gdiag/bundle.(*Writer).Add":                  true,
		"github.com/gdiag/gdiag/collector/leakwatch_test.leakySend":    false,
		"github.com/gdiag/gdiag/collector_test.TestBusy429":            false,
		"github.com/gdiag/gdiag/pool.(*Pool[...]).Get":                 false,
		"github.com/gdiag/gdiag/leaks/leaktest.Find":                   false,
		"github.com/gdiag/gdiag/fixtures/flashsale.(*Service).reserve": false,
		"github.com/gdiag/gdiag/collectorx.f":                          false,
		"main.main":                                                    false,
	} {
		if got := IsCollector(fn); got != want {
			t.Errorf("IsCollector(%q) = %v, want %v", fn, got, want)
		}
	}
}
