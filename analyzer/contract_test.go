package analyzer

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// contractNames reads the string constants named Metric* and Section* of the
// non-test Go files in dir, and reports every metrics key or section ID
// written as a literal instead: a map[string]float64 literal with string
// keys, an index into Metrics or m with a string, and a Section literal with
// a string ID.
func contractNames(t *testing.T, dir string) (metrics, sections map[string]string) {
	t.Helper()
	metrics, sections = map[string]string{}, map[string]string{}
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, name := range n.Names {
					if i >= len(n.Values) {
						continue
					}
					lit, ok := n.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, _ := strconv.Unquote(lit.Value)
					switch {
					case strings.HasPrefix(name.Name, "Metric"):
						metrics[v] = name.Name
					case strings.HasPrefix(name.Name, "Section"):
						sections[v] = name.Name
					}
				}
			case *ast.CompositeLit:
				if isMetricsMap(n.Type) {
					for _, e := range n.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok && isString(kv.Key) {
							t.Errorf("%s: metrics key %s written as a literal: use a Metric constant", fset.Position(kv.Pos()), kv.Key.(*ast.BasicLit).Value)
						}
					}
				}
				if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Section" {
					for _, e := range n.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "ID") && isString(kv.Value) {
							t.Errorf("%s: section ID %s written as a literal: use a Section constant", fset.Position(kv.Pos()), kv.Value.(*ast.BasicLit).Value)
						}
					}
				}
			case *ast.IndexExpr:
				if isString(n.Index) && (isIdent(n.X, "m") || isSelector(n.X, "Metrics")) {
					t.Errorf("%s: metrics key %s written as a literal: use a Metric constant", fset.Position(n.Pos()), n.Index.(*ast.BasicLit).Value)
				}
			}
			return true
		})
	}
	return metrics, sections
}

func isMetricsMap(e ast.Expr) bool {
	m, ok := e.(*ast.MapType)
	return ok && isIdent(m.Key, "string") && isIdent(m.Value, "float64")
}

func isString(e ast.Expr) bool {
	lit, ok := e.(*ast.BasicLit)
	return ok && lit.Kind == token.STRING
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func isSelector(e ast.Expr, name string) bool {
	s, ok := e.(*ast.SelectorExpr)
	return ok && s.Sel.Name == name
}

// documented returns the backquoted names in the first column of the
// Markdown tables of doc whose first heading is head.
func documented(doc, head string) map[string]bool {
	out := map[string]bool{}
	code := regexp.MustCompile("`([^`]+)`")
	inTable := false
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "|") {
			inTable = false
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			continue
		}
		first := strings.TrimSpace(cells[1])
		if first == head {
			inTable = true
			continue
		}
		if !inTable || strings.HasPrefix(first, "---") {
			continue
		}
		for _, m := range code.FindAllStringSubmatch(first, -1) {
			out[m[1]] = true
		}
	}
	return out
}

// TestJSONContract ties the metrics keys and section IDs of the checks to
// docs/json.md, which calls them a contract: every Metric* and Section*
// constant is documented, every documented key and section exists as a
// constant, and no check writes one as a literal.
func TestJSONContract(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "json.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	docKeys, docSections := documented(doc, "key"), documented(doc, "section")
	if len(docKeys) == 0 || len(docSections) == 0 {
		t.Fatalf("docs/json.md: found %d metrics keys and %d section IDs in its tables", len(docKeys), len(docSections))
	}
	codeKeys, codeSections := map[string]string{}, map[string]string{}
	// The packages whose findings and sections end up in a report: their
	// Metric* and Section* constants are the JSON contract.
	for _, pkg := range []string{"analyzer", "leaks", "gctune", "heap", "contention", "collector/leakwatch"} {
		m, s := contractNames(t, filepath.Join("..", filepath.FromSlash(pkg)))
		if len(m) == 0 && len(s) == 0 {
			t.Errorf("%s: no Metric or Section constants", pkg)
		}
		for k, name := range m {
			codeKeys[k] = filepath.Base(pkg) + "." + name
		}
		for k, name := range s {
			codeSections[k] = filepath.Base(pkg) + "." + name
		}
	}
	check := func(what string, code map[string]string, doc map[string]bool) {
		for _, k := range slices.Sorted(maps.Keys(code)) {
			if !doc[k] {
				t.Errorf("%s %q (%s) is not documented in docs/json.md", what, k, code[k])
			}
		}
		for k := range doc {
			if _, ok := code[k]; !ok {
				t.Errorf("docs/json.md documents %s %q, which no check package declares", what, k)
			}
		}
	}
	check("metrics key", codeKeys, docKeys)
	check("section ID", codeSections, docSections)
}
