package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gdiag/gdiag/gctune"
	"github.com/gdiag/gdiag/internal/units"
	"github.com/gdiag/gdiag/report"
)

// runGCTune prints the what-if table for a load given on the command line,
// without a bundle: each GOGC value (with the memory limit, if any) and the
// model's cycles, GC CPU and peak memory.
func runGCTune(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("gctune", "", stderr)
	var live, roots, limit byteFlag
	fs.Var(&live, "live-heap", "live heap after a GC, e.g. 2GiB (required)")
	rate := fs.String("alloc-rate", "", "heap allocation rate, e.g. 800MiB/s (required)")
	fs.Var(&limit, "memory-limit", "GOMEMLIMIT to combine with every GOGC, e.g. 4GiB (default none)")
	fs.Var(&roots, "roots", "scannable stacks + globals (default 0)")
	gogcs := fs.String("gogc", joinInts(gctune.DefaultWhatIfGOGC()), "GOGC values to tabulate, comma-separated; off for GOGC=off")
	procs := fs.Int("gomaxprocs", 0, "GOMAXPROCS, which bounds GC CPU through the 50% limiter (0 = no limiter)")
	mutator := fs.Float64("mutator-cores", 0, "non-GC CPU in cores, to express GC CPU as a share of busy CPU (0 = share of GOMAXPROCS)")
	perByte := fs.Float64("cpu-ns-per-byte", gctune.DefaultCPUPerByte*1e9, "GC CPU per byte of live heap + roots per cycle, in ns (calibrate with gdiag recommend on a bundle)")
	out := outputFlags(fs)
	if rest, err := parseFlags(fs, args); err != nil {
		return exitUsage
	} else if len(rest) > 0 {
		fmt.Fprintf(stderr, "gdiag gctune: unexpected arguments %q\n", rest)
		return exitUsage
	}
	if err := out.validate(); err != nil {
		fmt.Fprintf(stderr, "gdiag gctune: %v\n", err)
		return exitUsage
	}
	p := gctune.WhatIfParams{LiveHeapBytes: live.v, RootsBytes: roots.v, MemoryLimitBytes: limit.v, GOMAXPROCS: *procs, MutatorCores: *mutator}
	if *rate == "" || live.v == 0 {
		fmt.Fprintln(stderr, "gdiag gctune: --live-heap and --alloc-rate are required")
		fs.Usage()
		return exitUsage
	}
	var err error
	if p.AllocBytesPerSec, err = units.ParseRate(*rate); err != nil {
		fmt.Fprintf(stderr, "gdiag gctune: --alloc-rate: %v\n", err)
		return exitUsage
	}
	for _, g := range strings.Split(*gogcs, ",") {
		g = strings.TrimSpace(g)
		if strings.EqualFold(g, "off") {
			p.GOGC = append(p.GOGC, gctune.Off)
			continue
		}
		v, err := strconv.Atoi(g)
		if err != nil || v < 0 {
			fmt.Fprintf(stderr, "gdiag gctune: --gogc %q: want numbers ≥ 0 or off\n", g)
			return exitUsage
		}
		p.GOGC = append(p.GOGC, v)
	}
	if *perByte <= 0 || *procs < 0 || *mutator < 0 {
		fmt.Fprintln(stderr, "gdiag gctune: --cpu-ns-per-byte must be positive, --gomaxprocs and --mutator-cores not negative")
		return exitUsage
	}
	p.CPUPerByte = *perByte / 1e9
	preds, err := gctune.WhatIf(p)
	if err != nil {
		fmt.Fprintf(stderr, "gdiag gctune: %v\n", err)
		return exitUsage
	}
	sec := gctune.WhatIfSection(preds)
	lim := "no GOMEMLIMIT"
	if limit.v > 0 {
		lim = "GOMEMLIMIT=" + units.MemLimit(limit.v)
	}
	sec.Notes = append(sec.Notes,
		fmt.Sprintf("Steady load: live heap %s, roots %s, allocation %s/s, %s, GOMAXPROCS %d.", units.MemLimit(live.v), units.MemLimit(roots.v), units.Bytes(p.AllocBytesPerSec), lim, *procs),
		fmt.Sprintf("Cost model: %.2f ns of GC CPU per byte of live heap + roots per cycle, runway ratio 0.9 (uncalibrated; gdiag recommend BUNDLE calibrates both from the service's own cycles).", *perByte))
	rep := &report.Report{Schema: report.SchemaVersion, Title: "gdiag gctune what-if", Sections: []report.Section{sec}}
	if err := out.write(rep, stdout); err != nil {
		fmt.Fprintf(stderr, "gdiag gctune: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// joinInts writes vs comma-separated, for a flag default.
func joinInts(vs []int) string {
	ss := make([]string, len(vs))
	for i, v := range vs {
		ss[i] = strconv.Itoa(v)
	}
	return strings.Join(ss, ",")
}
