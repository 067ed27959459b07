package leaks_test

import (
	"strings"
	"testing"

	"github.com/gdiag/gdiag/leaks"
)

func TestProfileAdvice(t *testing.T) {
	for _, tt := range []struct {
		version string
		want    []string
		not     string
	}{
		{"go1.27.3", []string{"go1.27.3 has it, nothing to build", "/debug/pprof/goroutineleak"}, "GOEXPERIMENT"},
		{"go1.28rc1", []string{"nothing to build"}, "GOEXPERIMENT"},
		{"go1.26.8", []string{"go1.26.8: build with GOEXPERIMENT=goroutineleakprofile", "Go 1.27+"}, ""},
		{"go1.26.8 X:goroutineleakprofile", []string{"GOEXPERIMENT=goroutineleakprofile"}, ""},
		{"go1.25.4", []string{"go1.25.4 has no goroutineleak profile", "Go 1.27+"}, ""},
		{"", []string{"on Go 1.27+", "nothing to build", "on Go 1.26 build with GOEXPERIMENT=goroutineleakprofile"}, ""},
		{"devel +abc", []string{"on Go 1.27+"}, ""},
	} {
		got := leaks.ProfileAdvice(tt.version)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("ProfileAdvice(%q) = %q, lacks %q", tt.version, got, w)
			}
		}
		if tt.not != "" && strings.Contains(got, tt.not) {
			t.Errorf("ProfileAdvice(%q) = %q, should not mention %q", tt.version, got, tt.not)
		}
	}
}
