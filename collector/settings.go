package collector

import (
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/gdiag/gdiag/bundle"
)

// env is the subset of the environment the settings depend on; tests pass
// their own.
type env func(key string) (string, bool)

// runtimeValues are the effective settings as the runtime reports them.
type runtimeValues struct {
	gogc, memLimit, procs int64
	numCPU                int
}

// settings explains where each effective value came from: the environment
// variable when the value matches it, the runtime default (GOMAXPROCS from
// the cgroup CPU limit when that is what lowered it, Go 1.25+), or a change
// at run time otherwise.
func settings(getenv env, rv runtimeValues, cg *bundle.Cgroup) bundle.Settings {
	var s bundle.Settings
	s.GODEBUG, _ = getenv("GODEBUG")

	s.GOGC = bundle.Setting{Value: rv.gogc}
	if e, ok := getenv("GOGC"); ok && e != "" {
		s.GOGC.Env = e
		if v, ok := parseGOGC(e); ok && v == rv.gogc {
			s.GOGC.Source = bundle.SourceEnv
		} else {
			s.GOGC.Source = bundle.SourceRuntime
		}
	} else if rv.gogc == 100 {
		s.GOGC.Source = bundle.SourceDefault
	} else {
		s.GOGC.Source = bundle.SourceRuntime
	}

	s.GOMEMLIMIT = bundle.Setting{Value: rv.memLimit}
	if e, ok := getenv("GOMEMLIMIT"); ok && e != "" {
		s.GOMEMLIMIT.Env = e
		if v, ok := parseMemLimit(e); ok && v == rv.memLimit {
			s.GOMEMLIMIT.Source = bundle.SourceEnv
		} else {
			s.GOMEMLIMIT.Source = bundle.SourceRuntime
		}
	} else if rv.memLimit == math.MaxInt64 {
		s.GOMEMLIMIT.Source = bundle.SourceDefault
	} else {
		s.GOMEMLIMIT.Source = bundle.SourceRuntime
	}

	s.GOMAXPROCS = bundle.Setting{Value: rv.procs}
	if e, ok := getenv("GOMAXPROCS"); ok && e != "" {
		s.GOMAXPROCS.Env = e
		if v, err := strconv.ParseInt(e, 10, 64); err == nil && v > 0 && v == rv.procs {
			s.GOMAXPROCS.Source = bundle.SourceEnv
			return s
		}
		if v, err := strconv.ParseInt(e, 10, 64); err == nil && v > 0 {
			s.GOMAXPROCS.Source = bundle.SourceRuntime
			return s
		}
		// An invalid GOMAXPROCS is ignored by the runtime: fall through.
	}
	def, fromCgroup := defaultProcs(rv.numCPU, cpuLimit(cg), s.GODEBUG)
	switch {
	case rv.procs == def && fromCgroup:
		s.GOMAXPROCS.Source = bundle.SourceCgroup
	case rv.procs == def:
		s.GOMAXPROCS.Source = bundle.SourceDefault
	default:
		s.GOMAXPROCS.Source = bundle.SourceRuntime
	}
	return s
}

// defaultProcs mirrors the runtime's default GOMAXPROCS (Go 1.25+): the CPU
// count, lowered to the cgroup CPU limit rounded up (at least 2) unless
// GODEBUG=containermaxprocs=0.
func defaultProcs(numCPU int, limit float64, godebug string) (int64, bool) {
	procs := int64(numCPU)
	if limit <= 0 || godebugOff(godebug, "containermaxprocs") {
		return procs, false
	}
	l := max(int64(math.Ceil(limit)), 2)
	if l < procs {
		return l, true
	}
	return procs, false
}

func godebugOff(godebug, key string) bool {
	for _, kv := range strings.Split(godebug, ",") {
		if strings.TrimSpace(kv) == key+"=0" {
			return true
		}
	}
	return false
}

// parseGOGC parses GOGC as the runtime does: "off" or an integer.
func parseGOGC(s string) (int64, bool) {
	if s == "off" {
		return -1, true
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// parseMemLimit parses GOMEMLIMIT as the runtime does: "off" or bytes with
// an optional B, KiB, MiB, GiB or TiB suffix.
func parseMemLimit(s string) (int64, bool) {
	if s == "off" {
		return math.MaxInt64, true
	}
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || (mult > 1 && v > math.MaxInt64/mult) {
		return 0, false
	}
	return v * mult, true
}

// buildInfo returns debug.BuildInfo as text and the GOEXPERIMENT values it
// records.
func buildInfo() (string, []string) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", nil
	}
	var exps []string
	for _, s := range bi.Settings {
		if s.Key == "GOEXPERIMENT" && s.Value != "" {
			exps = append(exps, strings.Split(s.Value, ",")...)
		}
	}
	return bi.String(), exps
}

// currentRuntime reads the effective settings from a metrics sample.
func currentRuntime(s bundle.MetricsSample) runtimeValues {
	return runtimeValues{gogc: s.GOGC, memLimit: s.GOMEMLIMIT, procs: int64(runtime.GOMAXPROCS(0)), numCPU: runtime.NumCPU()}
}
