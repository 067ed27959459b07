package gctune

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// realCgroup reads a cgroup tree as the collector put it in a manifest:
// collector/testdata/cgroup/NAME.cgroup.json is what the collector's reader
// makes of the real tree in collector/testdata/cgroup/NAME (kept equal by
// collector's TestCgroupJSON).
func realCgroup(t *testing.T, name string) *bundle.Cgroup {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "collector", "testdata", "cgroup", name+".cgroup.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cg bundle.Cgroup
	if err := json.Unmarshal(b, &cg); err != nil {
		t.Fatal(err)
	}
	return &cg
}

func TestMaxProcs(t *testing.T) {
	// podOnly is the Kubernetes tree with the container's own quota
	// removed: the common case of a CPU limit set on the pod alone, which
	// the runtime (reading only the innermost cgroup) does not see.
	podOnly := func(t *testing.T) *bundle.Cgroup {
		cg := realCgroup(t, "v2-k8s")
		l := &cg.Levels[0]
		l.CPUQuotaCores, l.NrPeriods, l.NrThrottled, l.ThrottledTime = 0, 0, 0, 0
		return cg
	}
	// fractional is the Docker tree with a 2.7-core quota and no throttling.
	fractional := func(t *testing.T) *bundle.Cgroup {
		cg := realCgroup(t, "v1-docker")
		cg.Levels[0].CPUQuotaCores, cg.Levels[0].NrThrottled = 2.7, 0
		return cg
	}
	for _, tt := range []struct {
		name       string
		cgroup     func(t *testing.T) *bundle.Cgroup
		procs      bundle.Setting
		goVersion  string
		godebug    string // GODEBUG environment variable
		defGodebug string // DefaultGODEBUG from the build info
		sched      bool   // high scheduling latency, runnable goroutines queueing
		wantValue  int
		wantDef    int
		wantChecks []string
		wantNote   string // in some finding's suggestion
	}{
		{
			name: "k8s 0.5-core container at the Go 1.25 default of 2, 27% throttled", cgroup: func(t *testing.T) *bundle.Cgroup { return realCgroup(t, "v2-k8s") },
			procs: bundle.Setting{Value: 2, Source: bundle.SourceCgroup}, goVersion: "go1.26.1",
			wantValue: 1, wantDef: 2, wantChecks: []string{CheckCPUThrottled}, wantNote: "GOMAXPROCS=1 (floor of the 0.50-core quota: 27% of periods are throttled",
		},
		{
			name: "k8s container with GOMAXPROCS=8 in the environment", cgroup: func(t *testing.T) *bundle.Cgroup { return realCgroup(t, "v2-k8s") },
			procs: bundle.Setting{Value: 8, Env: "8", Source: bundle.SourceEnv}, goVersion: "go1.26.1",
			wantValue: 1, wantDef: 2, wantChecks: []string{CheckCPUThrottled, CheckGOMAXPROCSAboveQuota}, wantNote: "overrides the runtime's cgroup-aware default",
		},
		{
			name: "pod-level quota the runtime does not see", cgroup: podOnly,
			procs: bundle.Setting{Value: 8, Source: bundle.SourceDefault}, goVersion: "go1.26.1",
			wantValue: 2, wantDef: 0, wantChecks: []string{CheckGOMAXPROCSParent}, wantNote: "Set GOMAXPROCS=2 explicitly",
		},
		{
			name: "docker 1.5 cores on Go 1.24", cgroup: func(t *testing.T) *bundle.Cgroup { return realCgroup(t, "v1-docker") },
			procs: bundle.Setting{Value: 8, Source: bundle.SourceDefault}, goVersion: "go1.24.5",
			wantValue: 1, wantDef: 2, wantChecks: []string{CheckCPUThrottled, CheckGOMAXPROCSAboveQuota}, wantNote: "Go 1.24 ignores cgroup CPU limits",
		},
		{
			name: "docker 1.5 cores, Go 1.26 binary of a go 1.24 module", cgroup: func(t *testing.T) *bundle.Cgroup { return realCgroup(t, "v1-docker") },
			procs: bundle.Setting{Value: 8, Source: bundle.SourceDefault}, goVersion: "go1.26.1", defGodebug: "containermaxprocs=0,updatemaxprocs=0,x509sha256skid=0",
			wantValue: 1, wantDef: 2, wantChecks: []string{CheckCPUThrottled, CheckGOMAXPROCSAboveQuota}, wantNote: "go.mod says go < 1.25",
		},
		{
			name: "GODEBUG overrides the go.mod default", cgroup: func(t *testing.T) *bundle.Cgroup { return realCgroup(t, "v1-docker") },
			procs: bundle.Setting{Value: 8, Source: bundle.SourceDefault}, goVersion: "go1.26.1", godebug: "containermaxprocs=0", defGodebug: "updatemaxprocs=0",
			wantValue: 1, wantDef: 2, wantChecks: []string{CheckCPUThrottled, CheckGOMAXPROCSAboveQuota}, wantNote: "GODEBUG=containermaxprocs=0 turns off",
		},
		{
			name: "fractional 2.7-core quota, not throttled: ceil", cgroup: fractional,
			procs: bundle.Setting{Value: 3, Source: bundle.SourceCgroup}, goVersion: "go1.26.1",
			wantValue: 3, wantDef: 3,
		},
		{
			name: "host without quota, runnable goroutines queue at GOMAXPROCS=2", cgroup: func(t *testing.T) *bundle.Cgroup { return realCgroup(t, "v1-host") },
			procs: bundle.Setting{Value: 2, Env: "2", Source: bundle.SourceEnv}, goVersion: "go1.26.1", sched: true,
			wantValue: 0, wantDef: 0, wantChecks: []string{CheckGOMAXPROCSBelowQuota}, wantNote: "GOMAXPROCS=8: goroutines queue",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &Result{GOMAXPROCS: tt.procs, GoVersion: tt.goVersion, NumCPU: 8, Cgroup: tt.cgroup(t), GODEBUG: tt.godebug, DefaultGODEBUG: tt.defGodebug}
			if tt.sched {
				r.HasSchedMetrics, r.SchedLatP99, r.RunnableMean = true, 12*time.Millisecond, 5
			}
			a := AdviseMaxProcs(r)
			if a.Value != tt.wantValue || a.RuntimeDefault != tt.wantDef {
				t.Errorf("advice %+v, want value %d, runtime default %d", a, tt.wantValue, tt.wantDef)
			}
			var got []string
			var sugg []string
			for _, rec := range maxprocsChecks(r) {
				got = append(got, rec.Finding.Check)
				sugg = append(sugg, rec.Finding.Suggestion)
			}
			slices.Sort(got)
			want := slices.Clone(tt.wantChecks)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("checks %v, want %v", got, want)
			}
			if tt.wantNote != "" && !strings.Contains(strings.Join(sugg, "\n"), tt.wantNote) {
				t.Errorf("suggestions do not say %q:\n%s", tt.wantNote, strings.Join(sugg, "\n"))
			}
		})
	}
}
