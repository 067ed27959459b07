package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gdiag/gdiag/internal/hostile"
)

// TestHostileCorpus runs `gdiag analyze` as a separate process on every
// case of the hostile-input corpus (internal/hostile, generated into a
// temporary directory) and checks its exit code, its message, and that its
// peak RSS (rusage ru_maxrss, the kernel's VmHWM) and CPU time (user +
// system) stay under the case's bounds. CPU time, not wall time: on a
// shared machine the wall time measures the other processes too (a
// 12 s run took 8 s of CPU beside a test loop). The process is killed
// after 4 × the bound of wall time. The table it logs is the one in
// docs/safety.md.
func TestHostileCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs gdiag on 17 hostile inputs (about 60 s)")
	}
	bin := gdiagBinary(t)
	dir := t.TempDir()
	cases := hostile.Cases()
	if err := hostile.Generate(dir, cases); err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n| case | exit | peak RSS | CPU time | bound (RSS, CPU time) |\n|---|---|---|---|---|\n")
	for _, c := range cases {
		ok := t.Run(c.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(4*c.MaxSeconds*float64(time.Second)))
			defer cancel()
			args := append([]string{"analyze"}, c.Args...)
			cmd := exec.CommandContext(ctx, bin, append(args, filepath.Join(dir, c.Name))...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			err := cmd.Run()
			took := time.Since(start)
			code := 0
			var ee *exec.ExitError
			switch {
			case errors.As(err, &ee):
				code = ee.ExitCode()
			case err != nil:
				t.Fatalf("%s: %v", c.Name, err)
			}
			var rss int64
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				rss = ru.Maxrss << 10 // KiB on Linux
			}
			cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			fmt.Fprintf(&table, "| %s | %d | %d MiB | %.1f s (%.1f s wall) | %d MiB, %.0f s |\n", c.Name, code, rss>>20, cpu.Seconds(), took.Seconds(), c.MaxRSS>>20, c.MaxSeconds)
			if ctx.Err() != nil {
				t.Fatalf("killed after %v (bound %v s)", took, c.MaxSeconds)
			}
			if code != c.Exit {
				t.Errorf("exit code %d, want %d\nstderr: %s", code, c.Exit, clip(stderr.String()))
			}
			if c.Message != "" && !strings.Contains(stderr.String(), c.Message) {
				t.Errorf("stderr lacks %q:\n%s", c.Message, clip(stderr.String()))
			}
			if bytes.ContainsRune(stderr.Bytes(), 0x1b) || bytes.ContainsRune(stdout.Bytes(), 0x1b) {
				t.Errorf("a raw escape sequence reached the terminal")
			}
			if strings.Contains(stderr.String(), "panic") {
				t.Errorf("panic:\n%s", clip(stderr.String()))
			}
			if rss > c.MaxRSS {
				t.Errorf("peak RSS %d MiB > bound %d MiB", rss>>20, c.MaxRSS>>20)
			}
			if cpu.Seconds() > c.MaxSeconds {
				t.Errorf("took %v of CPU > bound %v s (%v wall)", cpu, c.MaxSeconds, took)
			}
		})
		_ = ok
	}
	t.Log(table.String())
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}
