package collector

import (
	"os"
	"path"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

func TestReadCgroup(t *testing.T) {
	tests := []struct {
		name string
		give string // directory under testdata/cgroup
		want *bundle.Cgroup
	}{
		{
			// Copied from this build host: v1 controllers, cpu at the root,
			// memory two levels deep, unlimited everywhere.
			name: "v1 host, memory nested",
			give: "v1-host",
			want: &bundle.Cgroup{Version: 1, Levels: []bundle.CgroupLevel{
				{Path: "/process_api/a2408462bb85474ca3e2b1eebb7a802e", MemoryUsageBytes: 23703552},
				{Path: "/process_api", MemoryUsageBytes: 7571660800},
				{Path: "/", CPUPeriodUs: 100000, MemoryUsageBytes: 7473135616},
			}},
		},
		{
			// Docker without a cgroup namespace: /proc/self/cgroup names
			// /docker/<id> but the container's cgroup is mounted as the root,
			// and cpu is only reachable as "cpu,cpuacct".
			name: "v1 docker, own cgroup mounted as root",
			give: "v1-docker",
			want: &bundle.Cgroup{Version: 1, Levels: []bundle.CgroupLevel{{
				Path: "/", CPUQuotaCores: 1.5, CPUPeriodUs: 100000,
				NrPeriods: 5120, NrThrottled: 311, ThrottledTime: 4210 * time.Millisecond,
				MemoryLimitBytes: 536870912, MemoryUsageBytes: 201326592,
			}}},
		},
		{
			name: "v2 kubernetes pod, every parent",
			give: "v2-k8s",
			want: &bundle.Cgroup{Version: 2, Levels: []bundle.CgroupLevel{
				{Path: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7c1e.slice/cri-containerd-9b2f.scope",
					CPUQuotaCores: 0.5, CPUPeriodUs: 100000, NrPeriods: 880, NrThrottled: 240, ThrottledTime: 9120 * time.Millisecond,
					MemoryLimitBytes: 536870912, MemoryHighBytes: 471859200, MemoryUsageBytes: 398458880},
				{Path: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7c1e.slice",
					CPUQuotaCores: 2, CPUPeriodUs: 100000, NrPeriods: 900, NrThrottled: 12, ThrottledTime: 150 * time.Millisecond,
					MemoryLimitBytes: 1073741824, MemoryUsageBytes: 402653184},
				{Path: "/kubepods.slice/kubepods-burstable.slice", CPUPeriodUs: 100000, MemoryUsageBytes: 4294967296},
				{Path: "/kubepods.slice", CPUPeriodUs: 100000, MemoryLimitBytes: 16106127360, MemoryUsageBytes: 9663676416},
				{Path: "/"},
			}},
		},
		{name: "no proc", give: "missing", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readCgroup(os.DirFS(path.Join("testdata/cgroup", tt.give)))
			if err != nil {
				t.Fatalf("readCgroup: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("readCgroup =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestCPULimit(t *testing.T) {
	cg, err := readCgroup(os.DirFS("testdata/cgroup/v2-k8s"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cpuLimit(cg); got != 0.5 {
		t.Errorf("cpuLimit = %v, want the innermost 0.5", got)
	}
}

func TestReadCgroupMalformed(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		p := path.Join(dir, name)
		if err := os.MkdirAll(path.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("proc/self/cgroup", "0::/a\n")
	write("sys/fs/cgroup/cgroup.controllers", "cpu memory\n")
	write("sys/fs/cgroup/a/cpu.max", "lots 100000\n")
	write("sys/fs/cgroup/a/memory.max", "12x\n")
	write("sys/fs/cgroup/a/memory.current", "4096\n")
	got, err := readCgroup(os.DirFS(dir))
	if err == nil || !strings.Contains(err.Error(), "cpu.max") || !strings.Contains(err.Error(), "memory.max") {
		t.Fatalf("err = %v, want errors naming cpu.max and memory.max", err)
	}
	if got == nil || len(got.Levels) != 2 || got.Levels[0].MemoryUsageBytes != 4096 {
		t.Errorf("partial result = %+v, want the readable values kept", got)
	}
}

// TestReadCgroupHost reads this machine's real /proc and /sys/fs/cgroup and
// checks the innermost level against the files read directly.
func TestReadCgroupHost(t *testing.T) {
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Skipf("no /proc/self/cgroup: %v", err)
	}
	got, err := readCgroup(os.DirFS("/"))
	if err != nil {
		t.Fatalf("readCgroup(/): %v", err)
	}
	if got == nil {
		t.Fatalf("readCgroup(/) = nil on a host with /proc/self/cgroup:\n%s", self)
	}
	if len(got.Levels) == 0 || got.Levels[len(got.Levels)-1].Path != "/" {
		t.Fatalf("levels %+v: want the root last", got.Levels)
	}
	paths, err := parseProcCgroup(self)
	if err != nil {
		t.Fatal(err)
	}
	var file, inner string
	switch got.Version {
	case 2:
		inner = paths[""]
		file = path.Join(inner, "memory.current")
	case 1:
		inner = paths["memory"]
		file = path.Join("memory", inner, "memory.usage_in_bytes")
	}
	raw, err := os.ReadFile("/sys/fs/cgroup/" + file)
	if err != nil {
		t.Skipf("cannot read %s directly: %v", file, err)
	}
	want, _ := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	// Usage moves; the innermost level must be that cgroup, within 64 MiB.
	if l := got.Levels[0]; l.Path != path.Clean("/"+inner) || l.MemoryUsageBytes <= 0 || abs(l.MemoryUsageBytes-want) > 64<<20 {
		t.Errorf("innermost level %+v; %s reads %d", l, file, want)
	}
	t.Logf("host cgroup v%d: %+v", got.Version, got.Levels)
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
