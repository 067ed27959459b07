// Package gdiag_test holds repository-wide tests: the import rules of
// ARCHITECTURE.md, enforced with `go list -deps`.
package gdiag_test

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/gdiag/gdiag"

// deps returns the transitive imports of one package of this module.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/"+pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	var list []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if p := strings.TrimSpace(sc.Text()); p != "" && p != module+"/"+pkg {
			list = append(list, p)
		}
	}
	return list
}

// directImports returns the non-test imports of one package.
func directImports(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, module+"/"+pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}

func modulePackages(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list ./...: %v\n%s", err, out)
	}
	var pkgs []string
	for _, p := range strings.Fields(string(out)) {
		if p == module {
			continue
		}
		pkgs = append(pkgs, strings.TrimPrefix(p, module+"/"))
	}
	return pkgs
}

func TestImportRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module; skipped in -short mode")
	}
	pkgs := map[string]bool{}
	for _, p := range modulePackages(t) {
		pkgs[p] = true
	}
	tests := []struct {
		name      string
		pkg       string
		forbidden func(dep string) bool
		direct    bool // check direct imports instead of transitive deps
	}{
		{name: "bundle imports only the standard library", pkg: "bundle", forbidden: func(string) bool { return true }},
		{name: "stack imports only the standard library", pkg: "stack", forbidden: func(string) bool { return true }},
		{name: "report imports only stdlib and tablewriter", pkg: "report", forbidden: func(d string) bool {
			return strings.HasPrefix(d, module)
		}},
		{name: "collector never imports analyzer, report or a check", pkg: "collector", forbidden: func(d string) bool {
			for _, p := range []string{"analyzer", "report", "leaks", "gctune", "pool", "contention", "stack"} {
				if d == module+"/"+p || strings.HasPrefix(d, module+"/"+p+"/") {
					return true
				}
			}
			return false
		}},
		{name: "collector/leakwatch links only the leak check, no renderer, analyzer or Prometheus", pkg: "collector/leakwatch", forbidden: func(d string) bool {
			for _, p := range []string{"analyzer", "gctune", "pool", "contention", "collector", "report/text", "report/html"} {
				if d == module+"/"+p || strings.HasPrefix(d, module+"/"+p+"/") {
					return true
				}
			}
			return strings.HasPrefix(d, "github.com/prometheus/")
		}},
	}
	// The checks: no I/O, and beyond the standard library only what
	// ARCHITECTURE.md lets each import.
	allowed := map[string][]string{
		"leaks":      {module + "/stack", module + "/report"},
		"gctune":     {module + "/bundle", module + "/report"},
		"pool":       {module + "/bundle", module + "/report", "github.com/google/pprof/profile"},
		"contention": {module + "/bundle", module + "/report", "github.com/google/pprof/profile"},
	}
	for _, check := range []string{"leaks", "gctune", "pool", "contention"} {
		tests = append(tests, struct {
			name      string
			pkg       string
			forbidden func(dep string) bool
			direct    bool
		}{name: check + " is a pure check", pkg: check, direct: true, forbidden: func(d string) bool {
			if d == module+"/collector" || d == "net/http" || d == "os" || d == "flag" {
				return true
			}
			first, _, _ := strings.Cut(d, "/")
			return strings.Contains(first, ".") && !slices.Contains(allowed[check], d)
		}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !pkgs[tt.pkg] {
				t.Fatalf("package %s does not exist", tt.pkg)
			}
			var list []string
			if tt.direct {
				list = directImports(t, tt.pkg)
				// The collector must not be reached transitively either.
				for _, d := range deps(t, tt.pkg) {
					if d == module+"/collector" {
						list = append(list, d)
					}
				}
			} else {
				list = deps(t, tt.pkg)
			}
			for _, d := range list {
				if tt.forbidden(d) {
					t.Errorf("%s imports %s", tt.pkg, d)
				}
			}
		})
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

// TestHouseRules checks the rules of ARCHITECTURE.md that go list cannot:
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
