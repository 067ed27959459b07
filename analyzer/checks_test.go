package analyzer

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/report"
)

var updateChecks = flag.Bool("update-checks", false, "rewrite the generated check table in docs/checks.md")

const (
	beginChecks = "<!-- BEGIN GENERATED CHECK TABLE -->\n"
	endChecks   = "<!-- END GENERATED CHECK TABLE -->"
)

// TestChecksDoc keeps the table in docs/checks.md equal to
// report.CheckTable(Checks()); -update-checks rewrites it.
func TestChecksDoc(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Checks() {
		if seen[c.ID] {
			t.Errorf("check ID %s listed twice", c.ID)
		}
		seen[c.ID] = true
		if c.ID != strings.ToLower(c.ID) || strings.Count(c.ID, "/") != 1 || strings.ContainsAny(c.ID, " _") {
			t.Errorf("check ID %q is not area/kebab-case", c.ID)
		}
	}
	path := filepath.Join("..", "docs", "checks.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, beginChecks), strings.Index(s, endChecks)
	if i < 0 || j < i {
		t.Fatalf("%s has no generated-table markers", path)
	}
	want := report.CheckTable(Checks())
	if got := s[i+len(beginChecks) : j]; got != want {
		if *updateChecks {
			if err := os.WriteFile(path, []byte(s[:i+len(beginChecks)]+want+s[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s is out of date: run go test ./analyzer -run TestChecksDoc -update-checks", path)
	}
}
