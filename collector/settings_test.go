package collector

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/gdiag/gdiag/bundle"
)

func TestSettings(t *testing.T) {
	k8s := &bundle.Cgroup{Version: 2, Levels: []bundle.CgroupLevel{{Path: "/pod", CPUQuotaCores: 1.5}, {Path: "/"}}}
	tests := []struct {
		name string
		env  map[string]string
		rv   runtimeValues
		cg   *bundle.Cgroup
		want bundle.Settings
	}{
		{
			name: "all defaults",
			rv:   runtimeValues{gogc: 100, memLimit: math.MaxInt64, procs: 8, numCPU: 8},
			want: bundle.Settings{
				GOGC:       bundle.Setting{Value: 100, Source: bundle.SourceDefault},
				GOMEMLIMIT: bundle.Setting{Value: math.MaxInt64, Source: bundle.SourceDefault},
				GOMAXPROCS: bundle.Setting{Value: 8, Source: bundle.SourceDefault},
			},
		},
		{
			name: "env honoured",
			env:  map[string]string{"GOGC": "off", "GOMEMLIMIT": "512MiB", "GOMAXPROCS": "4"},
			rv:   runtimeValues{gogc: -1, memLimit: 512 << 20, procs: 4, numCPU: 8},
			want: bundle.Settings{
				GOGC:       bundle.Setting{Value: -1, Env: "off", Source: bundle.SourceEnv},
				GOMEMLIMIT: bundle.Setting{Value: 512 << 20, Env: "512MiB", Source: bundle.SourceEnv},
				GOMAXPROCS: bundle.Setting{Value: 4, Env: "4", Source: bundle.SourceEnv},
			},
		},
		{
			name: "env overridden at run time",
			env:  map[string]string{"GOGC": "200", "GOMEMLIMIT": "1GiB", "GOMAXPROCS": "4"},
			rv:   runtimeValues{gogc: 50, memLimit: 2 << 30, procs: 2, numCPU: 8},
			want: bundle.Settings{
				GOGC:       bundle.Setting{Value: 50, Env: "200", Source: bundle.SourceRuntime},
				GOMEMLIMIT: bundle.Setting{Value: 2 << 30, Env: "1GiB", Source: bundle.SourceRuntime},
				GOMAXPROCS: bundle.Setting{Value: 2, Env: "4", Source: bundle.SourceRuntime},
			},
		},
		{
			name: "set at run time without env",
			rv:   runtimeValues{gogc: 400, memLimit: 100 << 20, procs: 3, numCPU: 8},
			want: bundle.Settings{
				GOGC:       bundle.Setting{Value: 400, Source: bundle.SourceRuntime},
				GOMEMLIMIT: bundle.Setting{Value: 100 << 20, Source: bundle.SourceRuntime},
				GOMAXPROCS: bundle.Setting{Value: 3, Source: bundle.SourceRuntime},
			},
		},
		{
			name: "GOMAXPROCS from a 1.5-core cgroup is 2",
			rv:   runtimeValues{gogc: 100, memLimit: math.MaxInt64, procs: 2, numCPU: 8},
			cg:   k8s,
			want: bundle.Settings{
				GOGC:       bundle.Setting{Value: 100, Source: bundle.SourceDefault},
				GOMEMLIMIT: bundle.Setting{Value: math.MaxInt64, Source: bundle.SourceDefault},
				GOMAXPROCS: bundle.Setting{Value: 2, Source: bundle.SourceCgroup},
			},
		},
		{
			name: "containermaxprocs=0 ignores the cgroup",
			env:  map[string]string{"GODEBUG": "containermaxprocs=0"},
			rv:   runtimeValues{gogc: 100, memLimit: math.MaxInt64, procs: 8, numCPU: 8},
			cg:   k8s,
			want: bundle.Settings{
				GOGC:       bundle.Setting{Value: 100, Source: bundle.SourceDefault},
				GOMEMLIMIT: bundle.Setting{Value: math.MaxInt64, Source: bundle.SourceDefault},
				GOMAXPROCS: bundle.Setting{Value: 8, Source: bundle.SourceDefault},
				GODEBUG:    "containermaxprocs=0",
			},
		},
		{
			name: "invalid GOMAXPROCS env is ignored like the runtime does",
			env:  map[string]string{"GOMAXPROCS": "lots"},
			rv:   runtimeValues{gogc: 100, memLimit: math.MaxInt64, procs: 8, numCPU: 8},
			want: bundle.Settings{
				GOGC:       bundle.Setting{Value: 100, Source: bundle.SourceDefault},
				GOMEMLIMIT: bundle.Setting{Value: math.MaxInt64, Source: bundle.SourceDefault},
				GOMAXPROCS: bundle.Setting{Value: 8, Env: "lots", Source: bundle.SourceDefault},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			if got := settings(getenv, tt.rv, tt.cg); got != tt.want {
				t.Errorf("settings =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseMemLimit(t *testing.T) {
	tests := []struct {
		give string
		want int64
		ok   bool
	}{
		{"off", math.MaxInt64, true}, {"1024", 1024, true}, {"10B", 10, true}, {"2KiB", 2048, true},
		{"3MiB", 3 << 20, true}, {"1GiB", 1 << 30, true}, {"1TiB", 1 << 40, true},
		{"1GB", 0, false}, {"-5", 0, false}, {"99999999999TiB", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got, ok := parseMemLimit(tt.give)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseMemLimit(%q) = %d, %v; want %d, %v", tt.give, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestSettingsLive changes GOGC and GOMEMLIMIT at run time in this process
// and checks that the runtime/metrics read reports them as runtime changes.
func TestSettingsLive(t *testing.T) {
	old := debug.SetGCPercent(137)
	defer debug.SetGCPercent(old)
	oldLim := debug.SetMemoryLimit(3 << 30)
	defer debug.SetMemoryLimit(oldLim)
	noEnv := func(string) (string, bool) { return "", false }
	got := settings(noEnv, readSettings(), nil)
	if got.GOGC != (bundle.Setting{Value: 137, Source: bundle.SourceRuntime}) {
		t.Errorf("GOGC = %+v, want 137 from runtime", got.GOGC)
	}
	if got.GOMEMLIMIT != (bundle.Setting{Value: 3 << 30, Source: bundle.SourceRuntime}) {
		t.Errorf("GOMEMLIMIT = %+v, want 3 GiB from runtime", got.GOMEMLIMIT)
	}
	if got.GOMAXPROCS.Value != int64(runtime.GOMAXPROCS(0)) {
		t.Errorf("GOMAXPROCS = %+v, want %d", got.GOMAXPROCS, runtime.GOMAXPROCS(0))
	}
	debug.SetGCPercent(-1)
	if got := settings(noEnv, readSettings(), nil); got.GOGC.Value != -1 {
		t.Errorf("GOGC off reads %+v, want -1", got.GOGC)
	}
}
