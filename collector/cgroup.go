package collector

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gdiag/gdiag/bundle"
)

// cgroupUnlimited is the smallest value treated as "no limit": cgroup v1
// reports an unlimited memory limit as the page-aligned maximum int64.
const cgroupUnlimited = int64(1) << 62

// readCgroup reads the cgroup limits of the calling process from root, a
// file system laid out like "/" (proc/self/cgroup and sys/fs/cgroup/...).
// Levels run from the process's own cgroup up through every parent to the
// root of the hierarchy. Files that do not exist are skipped (the root
// cgroup of v2 has no cpu.max); other read or parse problems are returned,
// joined, next to whatever could be read. It returns nil, nil when the
// process is in no cgroup hierarchy the collector understands.
func readCgroup(root fs.FS) (*bundle.Cgroup, error) {
	self, err := fs.ReadFile(root, "proc/self/cgroup")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("collector: cgroup: %w", err)
	}
	paths, err := parseProcCgroup(self)
	if err != nil {
		return nil, err
	}
	r := &cgroupReader{root: root}
	var cg *bundle.Cgroup
	if _, err := fs.Stat(root, "sys/fs/cgroup/cgroup.controllers"); err == nil {
		p, ok := paths[""]
		if !ok {
			return nil, errors.New("collector: cgroup: proc/self/cgroup: no v2 (0::) line on a v2 host")
		}
		cg = &bundle.Cgroup{Version: 2, Levels: r.walk("sys/fs/cgroup", p, r.v2)}
	} else {
		cpuPath, cpuOK := paths["cpu"]
		memPath, memOK := paths["memory"]
		if !cpuOK && !memOK {
			return nil, nil
		}
		cg = &bundle.Cgroup{Version: 1}
		var levels []bundle.CgroupLevel
		if cpuOK {
			levels = r.walk(r.v1Mount("cpu", paths), cpuPath, r.v1CPU)
		}
		if memOK {
			levels = mergeLevels(levels, r.walk(r.v1Mount("memory", paths), memPath, r.v1Memory))
		}
		cg.Levels = levels
	}
	return cg, errors.Join(r.errs...)
}

// parseProcCgroup maps each v1 controller (and "" for the v2 line) to its
// cgroup path.
func parseProcCgroup(data []byte) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("collector: cgroup: proc/self/cgroup: line %d: malformed %q", n, line)
		}
		if parts[1] == "" {
			out[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out, sc.Err()
}

type cgroupReader struct {
	root fs.FS
	errs []error
}

// v1Mount finds the mount directory of a v1 controller: "cpu" is usually
// mounted as cpu,cpuacct with a cpu symlink; try the plain name first.
func (r *cgroupReader) v1Mount(controller string, paths map[string]string) string {
	dir := "sys/fs/cgroup/" + controller
	if _, err := fs.Stat(r.root, dir); err == nil {
		return dir
	}
	var together []string
	for c, p := range paths {
		if c != "" && p == paths[controller] {
			together = append(together, c)
		}
	}
	slices.Sort(together)
	for _, name := range []string{strings.Join(together, ","), "cpu,cpuacct", "cpuacct,cpu"} {
		if _, err := fs.Stat(r.root, "sys/fs/cgroup/"+name); err == nil {
			return "sys/fs/cgroup/" + name
		}
	}
	return dir
}

// walk reads one level per directory from the process's cgroup up to the
// mount root. When the process's path does not exist under the mount (a
// container sees its own cgroup mounted as the root), leading components
// are dropped until it does.
func (r *cgroupReader) walk(mount, cgPath string, read func(dir string, l *bundle.CgroupLevel)) []bundle.CgroupLevel {
	cgPath = path.Clean("/" + cgPath)
	rel := strings.TrimPrefix(cgPath, "/")
	for rel != "" {
		if _, err := fs.Stat(r.root, path.Join(mount, rel)); err == nil {
			break
		}
		_, after, found := strings.Cut(rel, "/")
		if !found {
			rel = ""
			break
		}
		rel = after
	}
	// Report the path as the process sees it: the suffix that exists.
	var levels []bundle.CgroupLevel
	for {
		l := bundle.CgroupLevel{Path: "/" + rel}
		read(path.Join(mount, rel), &l)
		levels = append(levels, l)
		if rel == "" {
			break
		}
		rel = path.Dir(rel)
		if rel == "." {
			rel = ""
		}
	}
	return levels
}

// mergeLevels merges v1 levels of two hierarchies by path, innermost first.
func mergeLevels(a, b []bundle.CgroupLevel) []bundle.CgroupLevel {
	out := slices.Clone(a)
	for _, l := range b {
		i := slices.IndexFunc(out, func(x bundle.CgroupLevel) bool { return x.Path == l.Path })
		if i < 0 {
			out = append(out, l)
			continue
		}
		out[i].MemoryLimitBytes, out[i].MemoryHighBytes, out[i].MemoryUsageBytes = l.MemoryLimitBytes, l.MemoryHighBytes, l.MemoryUsageBytes
	}
	slices.SortStableFunc(out, func(x, y bundle.CgroupLevel) int {
		if dx, dy := depth(x.Path), depth(y.Path); dx != dy {
			return dy - dx
		}
		return strings.Compare(x.Path, y.Path)
	})
	return out
}

func depth(p string) int {
	if p == "/" {
		return 0
	}
	return strings.Count(p, "/")
}

// file returns the trimmed content of name, or "" when it does not exist.
func (r *cgroupReader) file(name string) string {
	b, err := fs.ReadFile(r.root, name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.errs = append(r.errs, fmt.Errorf("collector: cgroup: %w", err))
		}
		return ""
	}
	return strings.TrimSpace(string(b))
}

// int reads a file holding one integer; "max", -1 and values ≥ 2^62 are
// "no limit" and read as 0.
func (r *cgroupReader) int(name string) int64 {
	s := r.file(name)
	if s == "" || s == "max" {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("collector: cgroup: %s: %w", name, err))
		return 0
	}
	if v < 0 || v >= cgroupUnlimited {
		return 0
	}
	return v
}

// stat reads a "key value" file such as cpu.stat.
func (r *cgroupReader) stat(name string) map[string]int64 {
	s := r.file(name)
	if s == "" {
		return nil
	}
	out := map[string]int64{}
	for n, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		x, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("collector: cgroup: %s: line %d: %w", name, n+1, err))
			continue
		}
		out[k] = x
	}
	return out
}

// v2 reads cpu.max, cpu.stat, memory.max, memory.high and memory.current.
func (r *cgroupReader) v2(dir string, l *bundle.CgroupLevel) {
	if s := r.file(dir + "/cpu.max"); s != "" {
		quota, period, _ := strings.Cut(s, " ")
		p, err := strconv.ParseInt(strings.TrimSpace(period), 10, 64)
		if err != nil || p <= 0 {
			r.errs = append(r.errs, fmt.Errorf("collector: cgroup: %s/cpu.max: malformed %q", dir, s))
		} else {
			l.CPUPeriodUs = p
			if quota != "max" {
				q, err := strconv.ParseInt(quota, 10, 64)
				if err != nil {
					r.errs = append(r.errs, fmt.Errorf("collector: cgroup: %s/cpu.max: %w", dir, err))
				} else {
					l.CPUQuotaCores = float64(q) / float64(p)
				}
			}
		}
	}
	st := r.stat(dir + "/cpu.stat")
	l.NrPeriods, l.NrThrottled = st["nr_periods"], st["nr_throttled"]
	l.ThrottledTime = time.Duration(st["throttled_usec"]) * time.Microsecond
	l.MemoryLimitBytes = r.int(dir + "/memory.max")
	l.MemoryHighBytes = r.int(dir + "/memory.high")
	l.MemoryUsageBytes = r.int(dir + "/memory.current")
}

// v1CPU reads cpu.cfs_quota_us, cpu.cfs_period_us and cpu.stat.
func (r *cgroupReader) v1CPU(dir string, l *bundle.CgroupLevel) {
	quota, period := r.int(dir+"/cpu.cfs_quota_us"), r.int(dir+"/cpu.cfs_period_us")
	l.CPUPeriodUs = period
	if quota > 0 && period > 0 {
		l.CPUQuotaCores = float64(quota) / float64(period)
	}
	st := r.stat(dir + "/cpu.stat")
	l.NrPeriods, l.NrThrottled = st["nr_periods"], st["nr_throttled"]
	l.ThrottledTime = time.Duration(st["throttled_time"]) // nanoseconds in v1
}

// v1Memory reads memory.limit_in_bytes, memory.soft_limit_in_bytes (as the
// "high" limit) and memory.usage_in_bytes.
func (r *cgroupReader) v1Memory(dir string, l *bundle.CgroupLevel) {
	l.MemoryLimitBytes = r.int(dir + "/memory.limit_in_bytes")
	l.MemoryHighBytes = r.int(dir + "/memory.soft_limit_in_bytes")
	l.MemoryUsageBytes = r.int(dir + "/memory.usage_in_bytes")
}

// cpuLimit is the tightest CPU quota over all levels in cores, 0 when none.
func cpuLimit(cg *bundle.Cgroup) float64 {
	if cg == nil {
		return 0
	}
	limit := math.Inf(1)
	for _, l := range cg.Levels {
		if l.CPUQuotaCores > 0 {
			limit = min(limit, l.CPUQuotaCores)
		}
	}
	if math.IsInf(limit, 1) {
		return 0
	}
	return limit
}

// cgroupCache keeps the last cgroup read for ttl on the collector's clock,
// so that a page reloaded in a loop (the index) costs the service no file
// reads: the cgroup limits change rarely, and a capture reads them afresh.
// Safe for concurrent use.
type cgroupCache struct {
	ttl  time.Duration
	read func() (*bundle.Cgroup, error)

	mu  sync.Mutex
	at  time.Time // when cg and err were read; zero before the first read
	cg  *bundle.Cgroup
	err error
}

// get returns the cached read when it is younger than ttl at now, else
// reads again.
func (cc *cgroupCache) get(now time.Time) (*bundle.Cgroup, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.at.IsZero() || now.Sub(cc.at) >= cc.ttl || now.Before(cc.at) {
		cc.cg, cc.err = cc.read()
		cc.at = now
	}
	return cc.cg, cc.err
}
