package gctune

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gdiag/gdiag/internal/units"
)

// DefaultCPUPerByte is the GC cost per byte of live heap + roots per cycle
// WhatIf uses when no calibrated model is given: 0.4 ns/byte, the order of
// what CalibrateTrace measures on testdata/gogc100.txt (pointer-dense 1 KiB
// objects, 2 P, including idle-worker time). Calibrate from the service's own
// data whenever possible; this default only sets the scale of the table.
const DefaultCPUPerByte = 0.4e-9

// WhatIfParams describe a steady load for WhatIf, as given on the command
// line (gdiag gctune --live-heap 2GiB --alloc-rate 800MiB/s ...).
type WhatIfParams struct {
	LiveHeapBytes    int64
	AllocBytesPerSec float64
	// RootsBytes is scannable stacks + globals (default 0).
	RootsBytes int64
	// MemoryLimitBytes is the GOMEMLIMIT to combine with each GOGC (0 = none).
	MemoryLimitBytes int64
	// GOGC lists the values to tabulate (Off for GOGC=off); empty means
	// DefaultWhatIfGOGC.
	GOGC []int
	// GOMAXPROCS bounds the limiter (50% of it); 0 means no limiter.
	GOMAXPROCS int
	// MutatorCores is non-GC CPU, for the GC share of busy CPU; 0 reports
	// the share of GOMAXPROCS instead.
	MutatorCores float64
	// CPUPerByte is the GC CPU seconds per byte of live heap + roots per
	// cycle of the default model (0 = DefaultCPUPerByte); ignored with Model.
	CPUPerByte float64
	// Model overrides the cost model; nil uses CPUPerByte, the default
	// runway ratio and no non-heap memory.
	Model *Model
}

// DefaultWhatIfGOGC returns the GOGC values WhatIf tabulates by default,
// a new slice on each call.
func DefaultWhatIfGOGC() []int { return []int{50, 100, 200, 400} }

// WhatIf predicts each GOGC value (with the memory limit, if any) for a
// steady load, without a bundle. It returns one Prediction per GOGC value in
// order, or an error when the load is not positive. Pure and cheap.
func WhatIf(p WhatIfParams) ([]Prediction, error) {
	if p.LiveHeapBytes <= 0 {
		return nil, errors.New("gctune: what-if: live heap must be positive")
	}
	if p.AllocBytesPerSec <= 0 {
		return nil, errors.New("gctune: what-if: allocation rate must be positive")
	}
	m := Model{CPUPerByte: DefaultCPUPerByte, RunwayRatio: defaultRunwayRatio}
	if p.CPUPerByte > 0 {
		m.CPUPerByte = p.CPUPerByte
	}
	if p.Model != nil {
		m = *p.Model
	}
	gogcs := p.GOGC
	if len(gogcs) == 0 {
		gogcs = DefaultWhatIfGOGC()
	}
	w := Workload{GOMAXPROCS: p.GOMAXPROCS, Segments: []Segment{{
		Duration:         time.Second,
		AllocBytesPerSec: p.AllocBytesPerSec,
		LiveHeapBytes:    p.LiveHeapBytes,
		RootsBytes:       p.RootsBytes,
		MutatorCores:     p.MutatorCores,
	}}}
	out := make([]Prediction, 0, len(gogcs))
	for _, g := range gogcs {
		if g < Off {
			return nil, fmt.Errorf("gctune: what-if: GOGC %d: must be off or ≥ 0", g)
		}
		out = append(out, Simulate(m, Candidate{GOGC: g, MemoryLimitBytes: p.MemoryLimitBytes}, w))
	}
	return out, nil
}

// humanBytes renders a size for people ("1.5 GiB"); math.MaxInt64, the
// runtime's "no memory limit", is "unbounded".
func humanBytes(n int64) string {
	if n == math.MaxInt64 {
		return "unbounded"
	}
	return units.Bytes(float64(n))
}
