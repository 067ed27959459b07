package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/internal/limit"
)

// loadFlags are the flags of the commands that load inputs (analyze, diff,
// recommend): parser workers and the limits that bound memory and time on
// any input.
type loadFlags struct {
	workers       *int
	maxInput      *sizeFlag
	maxProfile    *sizeFlag
	maxGoroutines *int
}

func addLoadFlags(fs *flag.FlagSet) *loadFlags {
	l := &loadFlags{
		workers:    fs.Int("workers", 0, "parser goroutines (0 = all cores)"),
		maxInput:   &sizeFlag{n: analyzer.DefaultMaxInputBytes},
		maxProfile: &sizeFlag{n: analyzer.DefaultMaxProfileBytes},
	}
	fs.Var(l.maxInput, strings.TrimPrefix(analyzer.FlagMaxInput, "--"),
		"largest input or bundle entry read, after decompression (bytes; K, M, G suffixes are powers of 1024)")
	fs.Var(l.maxProfile, strings.TrimPrefix(analyzer.FlagMaxProfile, "--"),
		"largest pprof profile decoded, after decompression (decoding costs about 30 bytes of memory per byte)")
	l.maxGoroutines = fs.Int(strings.TrimPrefix(analyzer.FlagMaxGoroutines, "--"), analyzer.DefaultMaxGoroutines,
		"most goroutines read from one text dump (about 500 bytes of memory each)")
	return l
}

func (l *loadFlags) options(stdin io.Reader) (analyzer.LoadOptions, error) {
	if *l.maxGoroutines <= 0 {
		return analyzer.LoadOptions{}, fmt.Errorf("%s: want a number > 0", analyzer.FlagMaxGoroutines)
	}
	return analyzer.LoadOptions{Stdin: stdin, Workers: *l.workers, MaxInputBytes: l.maxInput.n,
		MaxProfileBytes: l.maxProfile.n, MaxGoroutines: *l.maxGoroutines}, nil
}

// sizeFlag is a byte count given as 1048576, 1024K, 1M or 1G (also KiB,
// MiB, GiB, KB, MB, GB; all powers of 1024).
type sizeFlag struct{ n int64 }

func (s *sizeFlag) String() string {
	if s == nil {
		return ""
	}
	return strconv.FormatInt(s.n, 10)
}

func (s *sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	s.n = n
	return nil
}

func parseSize(v string) (int64, error) {
	num := strings.TrimSpace(v)
	shift := 0
	upper := strings.ToUpper(num)
	for _, u := range []struct {
		suffix string
		shift  int
	}{{"KIB", 10}, {"MIB", 20}, {"GIB", 30}, {"KB", 10}, {"MB", 20}, {"GB", 30}, {"K", 10}, {"M", 20}, {"G", 30}, {"B", 0}} {
		if strings.HasSuffix(upper, u.suffix) {
			num, shift = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)>>shift {
		return 0, errors.New("want a size > 0 such as 268435456, 256M or 1G")
	}
	return n << shift, nil
}

// isLimit reports whether err or one of the warnings says an input stopped
// at a limit: the analysis is then incomplete and the exit code says so.
func isLimit(err error, warnings []error) bool {
	if errors.Is(err, limit.ErrExceeded) {
		return true
	}
	for _, w := range warnings {
		if errors.Is(w, limit.ErrExceeded) {
			return true
		}
	}
	return false
}
