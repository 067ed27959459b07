package analyzer_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/stack"
)

// FuzzLoadReader feeds arbitrary bytes to the content sniffing and every
// loader behind it. Seeds are real inputs of every kind (text and crash
// dumps, debug=1, protos gzipped and not, bundles, gctrace, metrics).
// Invariants, whether or not an error is returned: no panic; a nil Input
// comes with an error; every error and warning names the input; a loaded
// Input has a Kind and its goroutine counts add up.
func FuzzLoadReader(f *testing.F) {
	var seeds []string
	for _, g := range []string{"testdata/*.pb.gz", "../stack/testdata/*.txt", "../stack/testdata/wrapped/*.txt", "../bundle/testdata/*.gdiag", "../gctune/testdata/gogc100.txt"} {
		m, err := filepath.Glob(g)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, m...)
	}
	for _, p := range seeds {
		b := readFile(f, p)
		f.Add(b)
		if strings.HasSuffix(p, ".pb.gz") {
			f.Add(gunzipBytes(f, b))
		}
	}
	f.Add(gzipBytes(f, readFile(f, "../stack/testdata/deadlock.txt")))
	f.Add(zipEntry(f, "../bundle/testdata/small.gdiag", "metrics.json"))
	const name = "fuzz-input"
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := analyzer.LoadReader(name, bytes.NewReader(data), int64(len(data)),
			analyzer.LoadOptions{Workers: 1, MaxProfileBytes: 4 << 20})
		if in == nil {
			if err == nil {
				t.Fatal("nil Input without an error")
			}
		} else if in.Kind == "" {
			t.Fatalf("Input without a Kind (err %v)", err)
		}
		if err != nil && !strings.Contains(err.Error(), name) {
			t.Fatalf("error does not name the input: %v", err)
		}
		if in == nil {
			return
		}
		for _, w := range in.Warnings {
			if !strings.Contains(w.Error(), name) {
				t.Fatalf("warning does not name the input: %v", w)
			}
		}
		for _, snap := range [...]*snapshotView{view(in.Goroutines), view(in.Leaked)} {
			if snap == nil {
				continue
			}
			if snap.sum != snap.total || snap.nilStack {
				t.Fatalf("goroutines: Total %d, sum of counts %d, nil stack %v", snap.total, snap.sum, snap.nilStack)
			}
		}
	})
}

// snapshotView is what the fuzz test checks of a goroutine snapshot.
type snapshotView struct {
	total, sum int
	nilStack   bool
}

func view(s *stack.Snapshot) *snapshotView {
	if s == nil {
		return nil
	}
	v := &snapshotView{total: s.Total}
	for _, g := range s.Goroutines {
		v.sum += g.Count
		v.nilStack = v.nilStack || g.Stack == nil
	}
	return v
}
