package stack

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"testing"
	"testing/iotest"
)

// FuzzParse feeds arbitrary input to Parse and checks its invariants, which
// hold whether or not an error is returned: no panic, a non-nil Snapshot,
// counts that add up, every goroutine header either parsed or counted as
// skipped, line numbers that point into the input at the right lines, the
// same result on one worker and on two, and groups that partition the
// goroutines. Seeded with every real dump in testdata and pasted forms of some.
func FuzzParse(f *testing.F) {
	for _, file := range append(testdataDumps(f), wrappedDumps(f)...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	// The same dumps as people paste them (see pastes in pasted_test.go):
	// indented, stamped, escaped.
	for _, file := range testdataDumps(f)[:3] {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range pastes {
			f.Add(p.fn(data))
		}
	}
	for _, s := range []string{
		"goroutine 1 [running]:\n",
		"goroutine 1 [running]:\nmain.main()\n",
		"goroutine 1 [chan receive, 3 minutes, locked to thread]:\nmain.f(...)\n\t/a.go:1\n\ngoroutine 2 [x]:\n",
		"goroutine profile: total 2\n2 @ 0x1 0x2\n#\t0x1\tmain.f+0x1\t/a.go:3\n",
		"goroutine 7 gp=0x1 m=2 mp=0x3 [select (no cases) (leaked), synctest bubble 4 labels:{\"a\": \"b\"}]:\n",
		"panic: x\n\ngoroutine 1 [running]:\nmain.f({0x1?, 0x2})\n\tC:\\a\\b.go:5 +0x1\ncreated by main.g in goroutine 9\n\t/b.go:2 +0x3\n",
		"goroutine 1 [running]:\nnet.(*conn).Read(0x1, {0x2?, noise\n\t/a.go:12 +0x1\n",
		"goroutine 7 [chan send] {handler: checkout, \"sku id\": \"a\\\"b\", empty: , \"\\u00e9\": \"]}{,:\"}:\nmain.f()\n\t/a.go:1 +0x1\n",
		"goroutine 0 gp=0x1 m=1 mp=0x2 [idle]:\nruntime.futex()\n\t/a.s:1 +0x1\n",
		"goroutine 3 gp=0x5 m=2 mp=0x3 [running]:\n\tgoroutine running on other thread; stack unavailable\n\ngoroutine 3 gp=0x5 m=2 mp=0x3 [running]:\nmain.f()\n\t/a.go:1 +0x1\n",
		"{\"Action\":\"output\",\"Package\":\"p\",\"Output\":\"goroutine 1 [running]:\\n\"}\n{\"Action\":\"output\",\"Package\":\"p\",\"Output\":\"main.f()\\n\\t/a.go:1\"}\n",
		"\xff\xfeg\x00o\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxErrs = 5
		s1, err1 := Parse(bytes.NewReader(data), ParseOptions{Workers: 1, MaxErrors: maxErrs})
		checkSnapshot(t, data, s1, err1, maxErrs)
		s2, err2 := Parse(bytes.NewReader(data), ParseOptions{Workers: 2, MaxErrors: maxErrs})
		j1, _ := json.Marshal(summarize(s1, err1))
		j2, _ := json.Marshal(summarize(s2, err2))
		if !bytes.Equal(j1, j2) {
			t.Fatalf("one worker and two workers disagree:\n%s\n%s", j1, j2)
		}
	})
}

// checkSnapshot checks what Parse returned for data.
func checkSnapshot(t *testing.T, data []byte, s *Snapshot, err error, maxErrs int) {
	t.Helper()
	if s == nil {
		t.Fatalf("nil Snapshot (err %v)", err)
	}
	// Parse reads the input as Unwrap hands it on (decoded, cleaned, taken
	// out of JSON records, a line prefix removed, an escaped dump
	// unescaped); the line checks apply to that text.
	if view, err := io.ReadAll(Unwrap(bytes.NewReader(data))); err == nil {
		data = view
	}
	lines := bytes.Split(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] == '\n' {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = bytes.TrimSuffix(l, []byte("\r"))
	}
	debug1 := isDebug1(data)
	total := 0
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		if g.Count < 1 {
			t.Fatalf("goroutine %d (record %d): Count %d", g.ID, i, g.Count)
		}
		total += g.Count
		if g.Stack == nil {
			t.Fatalf("goroutine %d (record %d): nil Stack", g.ID, i)
		}
		if len(g.Stack.Frames) > maxFrames {
			t.Fatalf("goroutine %d: %d frames", g.ID, len(g.Stack.Frames))
		}
		for _, a := range g.Ancestors {
			if a.Stack == nil {
				t.Fatalf("goroutine %d: ancestor %d has a nil Stack", g.ID, a.ID)
			}
		}
		if g.Op >= numOps {
			t.Fatalf("goroutine %d: Op %d", g.ID, g.Op)
		}
		if g.Line < 1 || g.Line > len(lines) {
			t.Fatalf("goroutine %d: Line %d outside the input's %d lines", g.ID, g.Line, len(lines))
		}
		hdr := lines[g.Line-1]
		if debug1 && (len(hdr) == 0 || !isDigit(hdr[0])) || !debug1 && !isHeader(hdr) {
			t.Fatalf("goroutine %d: Line %d is %q, not its header", g.ID, g.Line, hdr)
		}
	}
	if total != s.Total {
		t.Fatalf("Total %d, sum of Count %d", s.Total, total)
	}
	var pe *ParseError
	skipped := 0
	if errors.As(err, &pe) {
		skipped = pe.Skipped
		if len(pe.Errs) > maxErrs {
			t.Fatalf("%d line errors, MaxErrors %d", len(pe.Errs), maxErrs)
		}
		if len(pe.Errs) == 0 && pe.Skipped == 0 && !pe.Truncated && pe.Dropped == 0 {
			t.Fatal("empty *ParseError")
		}
		prev := 0
		for _, e := range pe.Errs {
			if e.Line < 1 || e.Line > len(lines) {
				t.Fatalf("error %q at line %d outside the input's %d lines", e.Msg, e.Line, len(lines))
			}
			if e.Line < prev {
				t.Fatalf("errors out of input order: line %d after %d", e.Line, prev)
			}
			prev = e.Line
		}
	}
	// Every block start is parsed (as a goroutine or a scheduler stack) or
	// counted as skipped. Crash output may print a goroutine twice; it is
	// kept once.
	starts := 0
	for _, l := range lines {
		if len(l) > maxLineLen {
			continue
		}
		if debug1 && len(l) > 0 && isDigit(l[0]) || !debug1 && isHeader(l) {
			starts++
		}
	}
	got := len(s.Goroutines) + len(s.SchedulerStacks) + skipped
	if got > starts || s.Format != FormatCrash && got != starts {
		t.Fatalf("%d block starts in the input, %d goroutine records + %d skipped (format %s, err %v)",
			starts, len(s.Goroutines), skipped, s.Format, err)
	}
	if starts == 0 && !errors.Is(err, ErrNoGoroutine) {
		t.Fatalf("no goroutine in the input, err %v", err)
	}
	for _, sim := range []Similarity{SimilarityExact, SimilarityFunc, SimilarityTop} {
		checkGroups(t, s, sim)
	}
}

// checkGroups checks that Group puts every goroutine in exactly one bucket
// with the counts adding up.
func checkGroups(t *testing.T, s *Snapshot, sim Similarity) {
	t.Helper()
	seen := make([]bool, len(s.Goroutines))
	total := 0
	for _, b := range Group(s.Goroutines, GroupOptions{Similarity: sim, TopFrames: 2}) {
		n := 0
		for _, i := range b.Goroutines {
			if seen[i] {
				t.Fatalf("%s: goroutine record %d in two buckets", sim, i)
			}
			seen[i] = true
			n += s.Goroutines[i].Count
		}
		if n != b.Count || len(b.Signature) != 16 {
			t.Fatalf("%s: bucket count %d, its goroutines %d, signature %q", sim, b.Count, n, b.Signature)
		}
		total += n
	}
	if total != s.Total {
		t.Fatalf("%s: buckets hold %d goroutines, Total %d", sim, total, s.Total)
	}
}

// TestParseInvariants runs the fuzz checks on every testdata dump, read one
// byte at a time.
func TestParseInvariants(t *testing.T) {
	for _, file := range testdataDumps(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(iotest.OneByteReader(bytes.NewReader(data)), ParseOptions{Workers: 1, MaxErrors: 5})
		checkSnapshot(t, data, s, err, 5)
	}
}

// TestParseLarge parses an input of several chunks (the real dumps of
// testdata repeated) on one and on three workers: both must find every
// goroutine, in input order, with the same stacks and errors.
func TestParseLarge(t *testing.T) {
	var buf bytes.Buffer
	for buf.Len() < 5*chunkSize {
		for _, file := range []string{"runtime_stack.txt", "labels_tracebacklabels.txt", "waitminutes.txt", "ancestors.txt", "synctest.txt"} {
			data, err := os.ReadFile("testdata/" + file)
			if err != nil {
				t.Fatal(err)
			}
			buf.Write(data)
			buf.WriteString("\n")
		}
	}
	data := buf.Bytes()
	s1, err1 := Parse(bytes.NewReader(data), ParseOptions{Workers: 1})
	checkSnapshot(t, data, s1, err1, 100)
	if want := bytes.Count(data, []byte("\ngoroutine ")) + 1; s1.Total != want || err1 != nil {
		t.Fatalf("found %d goroutines, want %d; err %v", s1.Total, want, err1)
	}
	s3, err3 := Parse(iotest.HalfReader(bytes.NewReader(data)), ParseOptions{Workers: 3})
	checkSnapshot(t, data, s3, err3, 100)
	j1, _ := json.Marshal(summarize(s1, err1))
	j3, _ := json.Marshal(summarize(s3, err3))
	if !bytes.Equal(j1, j3) {
		t.Fatal("one worker and three workers disagree")
	}
	// Identical stacks are shared across chunks and workers.
	stacks := map[*Stack]bool{}
	for _, g := range s3.Goroutines {
		stacks[g.Stack] = true
	}
	if len(stacks) > 200 {
		t.Errorf("%d distinct *Stack for %d goroutines of a few repeated dumps: stacks not interned across workers", len(stacks), s3.Total)
	}
}
