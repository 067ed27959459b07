package contention_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImports enforces the architecture rules for a check: contention imports only
// dump, report, pprof/profile and the standard library, and none of os,
// net/http, flag or the collector.
func TestImports(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(goBin, "list", "-f", `{{join .Imports "\n"}}`, "github.com/gdiag/gdiag/contention").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := []string{"github.com/gdiag/gdiag/dump", "github.com/gdiag/gdiag/report", "github.com/google/pprof/profile"}
	for _, imp := range strings.Fields(string(out)) {
		first, _, _ := strings.Cut(imp, "/")
		switch {
		case imp == "os" || imp == "flag" || strings.HasPrefix(imp, "net") || strings.HasPrefix(imp, "os/"):
			t.Errorf("contention imports %s: checks do no I/O", imp)
		case slices.Contains(allowed, imp):
		case strings.Contains(first, "."):
			t.Errorf("contention imports %s: only dump, report and pprof/profile are allowed", imp)
		}
	}
}
