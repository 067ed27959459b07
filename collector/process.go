package collector

import (
	"context"
	"fmt"
	"os"

	"github.com/shirou/gopsutil/v4/process"

	"github.com/gdiag/gdiag/bundle"
)

// readProcess reads operating-system statistics of this process with
// gopsutil. Each statistic that cannot be read is recorded in Errors; ctx
// bounds the whole read (counting connections walks every open file).
func readProcess(ctx context.Context) *bundle.Process {
	out := &bundle.Process{}
	p, err := process.NewProcessWithContext(ctx, int32(os.Getpid()))
	if err != nil {
		out.Errors = append(out.Errors, fmt.Sprintf("process: %v", err))
		return out
	}
	fail := func(what string, err error) {
		out.Errors = append(out.Errors, fmt.Sprintf("%s: %v", what, err))
	}
	if mi, err := p.MemoryInfoWithContext(ctx); err != nil {
		fail("memory", err)
	} else {
		out.RSSBytes, out.VMSBytes = mi.RSS, mi.VMS
	}
	if t, err := p.TimesWithContext(ctx); err != nil {
		fail("cpu times", err)
	} else {
		out.UserSeconds, out.SysSeconds = t.User, t.System
	}
	if pct, err := p.CPUPercentWithContext(ctx); err != nil {
		fail("cpu percent", err)
	} else {
		out.CPUPercent = pct
	}
	if n, err := p.NumThreadsWithContext(ctx); err != nil {
		fail("threads", err)
	} else {
		out.Threads = n
	}
	if n, err := p.NumFDsWithContext(ctx); err != nil {
		fail("fds", err)
	} else {
		out.FDs = n
	}
	if err := ctx.Err(); err != nil {
		fail("connections", err)
		return out
	}
	if cs, err := p.ConnectionsWithContext(ctx); err != nil {
		fail("connections", err)
	} else {
		out.Connections = len(cs)
	}
	return out
}

// readRSS reads only the resident set size; the watcher calls it every
// interval when an RSS threshold is set.
func readRSS(ctx context.Context) (uint64, error) {
	p, err := process.NewProcessWithContext(ctx, int32(os.Getpid()))
	if err != nil {
		return 0, fmt.Errorf("collector: rss: %w", err)
	}
	mi, err := p.MemoryInfoWithContext(ctx)
	if err != nil {
		return 0, fmt.Errorf("collector: rss: %w", err)
	}
	return mi.RSS, nil
}
