// Package gdiag_test holds repository-wide tests: each package's dependency
// budget (docs/architecture.md states them), enforced with `go list`.
package gdiag_test

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/gdiag/gdiag"

// pkgInfo is what go list says about one package of this module.
type pkgInfo struct {
	imports []string // direct, non-test imports
	deps    []string // transitive, non-test dependencies
}

// listModule runs go list once over the module and returns each package's
// imports and dependencies (keyed by the path relative to the module, "."
// for the root) and the set of standard-library packages among them.
func listModule(t *testing.T) (map[string]pkgInfo, map[string]bool) {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports " "}}|{{join .Deps " "}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list ./...: %v\n%s", err, out)
	}
	pkgs := map[string]pkgInfo{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) != 3 {
			t.Fatalf("go list: unexpected line %q", sc.Text())
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(f[0], module), "/")
		if rel == "" {
			rel = "."
		}
		pkgs[rel] = pkgInfo{imports: strings.Fields(f[1]), deps: strings.Fields(f[2])}
	}
	out, err = exec.Command("go", "list", "-deps", "-f", "{{if .Standard}}{{.ImportPath}}{{end}}", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./...: %v\n%s", err, out)
	}
	std := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		std[p] = true
	}
	return pkgs, std
}

// budget is what one package may link. Standard-library packages are allowed
// unless listed in noStd; everything else (module packages included) must
// match allow. A pattern is an import path, "path/..." for the path and
// everything under it, or "m/x" for the module's package x.
type budget struct {
	// allow lists the non-standard packages the package may depend on,
	// directly or transitively. anyThirdParty also allows every package
	// outside this module (the renderers and the CLI).
	allow         []string
	anyThirdParty bool
	// noStd lists standard-library packages it must not link, even
	// transitively.
	noStd []string
	// noDirect lists packages it must not import itself (it may still link
	// them through an allowed dependency).
	noDirect []string
}

// Package groups the budgets share.
var (
	// internals are the module's shared helpers: symbol and units are
	// standard library only; pprofconv adds github.com/google/pprof/profile
	// and m/stack (which is standard library only).
	internals = []string{"m/internal/symbol", "m/internal/units", "m/internal/pprofconv", "m/internal/limit", "github.com/google/pprof/profile"}
	// collectorDeps is what the collector itself links.
	collectorDeps = []string{
		"m/bundle",
		"github.com/google/pprof/profile",                 // reads back its own profiles
		"github.com/felixge/fgprof",                       // wall-clock profile
		"github.com/grafana/pyroscope-go/godeltaprof/...", // pprof/delta_* for fleet profilers
		"github.com/klauspost/compress/...",               // godeltaprof's gzip
		"github.com/shirou/gopsutil/v4/...",               // process and host stats
		"github.com/tklauser/...",                         // gopsutil's CPU counting
		"golang.org/x/sys/...",
	}
	// leakWatchDeps is what the live leak watch links: the leak check and
	// its parsers, no renderer.
	leakWatchDeps = join([]string{"m/collector/leakwatch", "m/leaks", "m/stack", "m/report"}, internals)
	// promDeps is client_golang and what it links.
	promDeps = []string{
		"github.com/prometheus/...", "github.com/beorn7/perks/...", "github.com/cespare/xxhash/...",
		"github.com/munnerz/goautoneg", "google.golang.org/protobuf/...",
	}
	// renderStd is the standard-library part of the renderers.
	renderStd = []string{"html/template", "text/template"}
	// checkIO is what a check must not do itself: I/O, flags, the service side.
	checkIO = []string{"os", "net/http", "flag", "m/collector"}
	// checkModule is the model and the parsers a check may build on.
	checkModule = []string{"m/bundle", "m/stack", "m/report"}
)

// budgets states, in one table, what every package of the module may link.
// TestDependencyBudgets fails for a package without a row, so a new package
// states its budget when it is added.
var budgets = map[string]budget{
	// The formats: standard library only (stack may use the symbol rules,
	// which are standard library only).
	"bundle": {noStd: renderStd},
	"stack":  {allow: []string{"m/internal/symbol"}, noStd: renderStd},

	// The service side: linked into someone else's production service, so
	// no renderer, no check, no analyzer.
	"pool":      {allow: []string{"m/bundle"}, noStd: renderStd},
	"collector": {allow: collectorDeps, noStd: renderStd},
	// The live leak watch: only services that import it link the leak
	// check; it never links Prometheus or the collector.
	"collector/leakwatch": {allow: leakWatchDeps, noStd: renderStd, noDirect: []string{"m/collector", "github.com/prometheus/..."}},
	// The Prometheus exporter: the only package that links client_golang.
	// It reads the GC target from gctune's model.
	"collector/promexport": {allow: join(collectorDeps, leakWatchDeps, promDeps, []string{"m/collector", "m/gctune"}), noStd: renderStd},

	// The output model: standard library only (and the shared helpers).
	"report":                  {allow: []string{"m/internal/symbol", "m/internal/units"}, noStd: renderStd},
	"report/internal/display": {allow: []string{"m/report", "m/internal/units"}, noStd: renderStd},
	"report/internal/sample":  {allow: []string{"m/report", "m/internal/symbol", "m/internal/units"}, noStd: renderStd},
	// The renderers: the model plus whatever drawing needs.
	"report/text": {allow: []string{"m/report", "m/report/internal/display", "m/internal/symbol", "m/internal/units", "m/internal/term"}, anyThirdParty: true},
	"report/html": {allow: []string{"m/report", "m/report/internal/display", "m/internal/symbol", "m/internal/units"}},

	// The checks: pure functions over parsed input; no renderer, no I/O.
	"leaks":      {allow: join(checkModule, internals), noStd: renderStd, noDirect: checkIO},
	"gctune":     {allow: join(checkModule, internals), noStd: renderStd, noDirect: checkIO},
	"heap":       {allow: join(checkModule, internals), noStd: renderStd, noDirect: checkIO},
	"contention": {allow: join(checkModule, internals), noStd: renderStd, noDirect: checkIO},
	// leaktest is the goleak-compatible test helper: leaks plus goleak.
	"leaks/leaktest": {allow: join(checkModule, internals, []string{"m/leaks", "go.uber.org/goleak/..."}), noStd: renderStd},

	// The analysis side: loads inputs and runs the checks; renders nothing.
	"analyzer": {allow: join(checkModule, internals, []string{"m/leaks", "m/gctune", "m/heap", "m/contention", "m/internal/limit", "m/internal/term"}), noStd: renderStd},
	// The CLI may link anything.
	"cmd/gdiag": {allow: []string{"m/..."}, anyThirdParty: true},

	// The fixture service links only the collector, like a real service.
	// Its command also runs the live leak watch and serves /metrics.
	"fixtures/flashsale":               {allow: join(collectorDeps, []string{"m/collector"}), noStd: renderStd},
	"fixtures/flashsale/cmd/flashsale": {allow: join(collectorDeps, leakWatchDeps, promDeps, []string{"m/fixtures/flashsale", "m/collector", "m/collector/promexport", "m/gctune"}), noStd: renderStd},

	// The module's shared helpers (see internals).
	"internal/symbol":    {noStd: renderStd},
	"internal/units":     {noStd: renderStd},
	"internal/pprofconv": {allow: []string{"m/stack", "m/internal/symbol", "m/internal/limit", "github.com/google/pprof/profile"}, noStd: renderStd},
	"internal/limit":     {noStd: renderStd},
	"internal/term":      {noStd: renderStd},
	// The hostile-input corpus generator, for cmd/gdiag's corpus test only.
	// Test-only: headless Chromium for the browser tests (chromedp).
	"internal/browsertest": {anyThirdParty: true},
	"internal/hostile":     {allow: []string{"m/bundle"}, anyThirdParty: true},
	"internal/hostile/gen": {allow: []string{"m/internal/hostile", "m/bundle"}, anyThirdParty: true},
}

func join(lists ...[]string) []string {
	var all []string
	for _, l := range lists {
		all = append(all, l...)
	}
	return all
}

// matches reports whether import path p matches pattern (see budget).
func matches(p, pattern string) bool {
	if rest, ok := strings.CutPrefix(pattern, "m/"); ok {
		pattern = module + "/" + rest
	}
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return p == prefix || strings.HasPrefix(p, prefix+"/")
	}
	return p == pattern
}

func matchesAny(p string, patterns []string) bool {
	return slices.ContainsFunc(patterns, func(pat string) bool { return matches(p, pat) })
}

func TestDependencyBudgets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module; skipped in -short mode")
	}
	pkgs, std := listModule(t)
	for rel := range pkgs {
		if _, ok := budgets[rel]; !ok && rel != "." {
			t.Errorf("package %s has no row in budgets (arch_test.go): state what it may link", rel)
		}
	}
	for _, rel := range slices.Sorted(maps.Keys(budgets)) {
		b := budgets[rel]
		t.Run(rel, func(t *testing.T) {
			info, ok := pkgs[rel]
			if !ok {
				if strings.HasPrefix(rel, "internal/") {
					t.Logf("package %s does not exist yet; its budget is ready", rel)
					return
				}
				t.Fatalf("package %s does not exist; remove its row", rel)
			}
			for _, d := range info.deps {
				switch {
				case std[d]:
					if matchesAny(d, b.noStd) {
						t.Errorf("%s links %s", rel, d)
					}
				case matches(d, "m/..."):
					if !matchesAny(d, b.allow) {
						t.Errorf("%s links %s, which its budget does not allow", rel, d)
					}
				case !b.anyThirdParty && !matchesAny(d, b.allow):
					t.Errorf("%s links %s, which its budget does not allow", rel, d)
				}
			}
			for _, d := range info.imports {
				if matchesAny(d, b.noDirect) {
					t.Errorf("%s imports %s", rel, d)
				}
			}
		})
	}
}

// TestServiceSideLinksNoRenderer is the issue-12 acceptance check as a user
// would run it: go list -deps ./pool ./collector names no renderer and no
// check.
func TestServiceSideLinksNoRenderer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module; skipped in -short mode")
	}
	out, err := exec.Command("go", "list", "-deps", "./pool", "./collector").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./pool ./collector: %v\n%s", err, out)
	}
	banned := []string{
		"m/report/...", "github.com/olekukonko/tablewriter/...", "github.com/fatih/color", "html/template",
		"m/analyzer", "m/leaks/...", "m/gctune", "m/heap", "m/contention", "m/stack",
	}
	for _, d := range strings.Fields(string(out)) {
		if matchesAny(d, banned) {
			t.Errorf("the service side links %s", d)
		}
	}
}

// TestNoPeerDependencies proves that the parsers we benchmark against stay in
// the benchmarks module.
func TestNoPeerDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module; skipped in -short mode")
	}
	out, err := exec.Command("go", "list", "-deps", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./...: %v\n%s", err, out)
	}
	for _, peer := range []string{"github.com/DataDog/gostackparse", "github.com/maruel/panicparse"} {
		if bytes.Contains(out, []byte(peer)) {
			t.Errorf("the main module depends on %s; it belongs in benchmarks/", peer)
		}
	}
}

// TestHouseRules checks the house rules of docs/architecture.md that go list cannot:
// no grab-bag packages, no init functions, nothing registered on
// http.DefaultServeMux, a doc.go in every package.
func TestHouseRules(t *testing.T) {
	banned := map[string]bool{"util": true, "utils": true, "common": true, "helpers": true, "types": true}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (name == "testdata" || name == "benchmarks" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			if banned[name] {
				t.Errorf("%s: packages named %q are not allowed", path, name)
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), "doc.go")); err != nil && f.Name.Name != "main" {
			t.Errorf("%s: package %s has no doc.go", filepath.Dir(path), f.Name.Name)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Recv == nil && n.Name.Name == "init" {
					t.Errorf("%s: func init is not allowed", fset.Position(n.Pos()))
				}
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "http" {
					switch n.Sel.Name {
					case "Handle", "HandleFunc", "DefaultServeMux":
						t.Errorf("%s: http.%s registers on the global mux", fset.Position(n.Pos()), n.Sel.Name)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
