package analyzer_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/bundle"
	"github.com/gdiag/gdiag/stack"
)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gunzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// zipEntry returns one entry of a zip file as written.
func zipEntry(t testing.TB, path, name string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLoadSniffsContent loads real inputs of every supported kind under a
// misleading file name: Load must recognise them by content alone.
func TestLoadSniffsContent(t *testing.T) {
	dir := t.TempDir()
	textDump := readFile(t, "../stack/testdata/runtime_stack.txt")
	goroutineProto := readFile(t, "testdata/goroutine.pb.gz")
	for _, tt := range []struct {
		name string
		give []byte
		want analyzer.Kind
		// check looks at the loaded input.
		check func(in *analyzer.Input) string
	}{
		{"text dump", textDump, analyzer.KindGoroutineText, goroutines(stack.FormatText, 24)},
		{"gzipped text dump", gzipBytes(t, textDump), analyzer.KindGoroutineText, goroutines(stack.FormatText, 24)},
		{"crash log", readFile(t, "../stack/testdata/crash_gotraceback_system.txt"), analyzer.KindGoroutineText, goroutines(stack.FormatCrash, 30)},
		{"debug=1", readFile(t, "../stack/testdata/debug1.txt"), analyzer.KindGoroutineDebug1, goroutines(stack.FormatDebug1, 31)},
		{"goroutineleak debug=1", readFile(t, "../stack/testdata/goroutineleak_debug1.txt"), analyzer.KindGoroutineLeak, leaked(8)},
		{"goroutineleak debug=2", readFile(t, "../stack/testdata/goroutineleak_debug2.txt"), analyzer.KindGoroutineText, leakedFlags(8)},
		{"goroutine proto gzipped", goroutineProto, analyzer.KindGoroutineProfile, goroutines(stack.FormatProto, -1)},
		{"goroutine proto raw", gunzipBytes(t, goroutineProto), analyzer.KindGoroutineProfile, goroutines(stack.FormatProto, -1)},
		{"labelled goroutine proto", readFile(t, "testdata/goroutine_labels.pb.gz"), analyzer.KindGoroutineProfile, labelled},
		{"goroutineleak proto", readFile(t, "testdata/goroutineleak.pb.gz"), analyzer.KindGoroutineLeak, leaked(8)},
		{"heap proto", readFile(t, "testdata/heap.pb.gz"), analyzer.KindHeapProfile, profile(bundle.KindHeap)},
		{"bundle", readFile(t, "../bundle/testdata/small.gdiag"), analyzer.KindBundle, bundleLoaded},
		{"gctrace", readFile(t, "../gctune/testdata/gogc100.txt"), analyzer.KindGCTrace, func(in *analyzer.Input) string {
			if !bytes.HasPrefix(in.GCTrace, []byte("gc 1 @")) {
				return "GCTrace not kept"
			}
			return ""
		}},
		// kubectl logs / CRI output: every gctrace line carries a prefix
		// (the review's §0 defect: a line-anchored sniff rejected it).
		{"gctrace with container log prefixes", readFile(t, "../gctune/testdata/mixed-cri.txt"), analyzer.KindGCTrace, func(in *analyzer.Input) string {
			if !bytes.Contains(in.GCTrace, []byte("stderr F gc 1 @0.001s")) {
				return "GCTrace not kept"
			}
			return ""
		}},
		{"metrics history", zipEntry(t, "../bundle/testdata/small.gdiag", "metrics.json"), analyzer.KindMetrics, func(in *analyzer.Input) string {
			if in.Metrics == nil || len(in.Metrics.Samples) == 0 {
				return "no metrics samples"
			}
			return ""
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The name says nothing true about the content.
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".json")
			if err := os.WriteFile(path, tt.give, 0o644); err != nil {
				t.Fatal(err)
			}
			in, err := analyzer.Load(path, analyzer.LoadOptions{Workers: 2})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if in.Kind != tt.want {
				t.Fatalf("Kind %q, want %q", in.Kind, tt.want)
			}
			if in.Name != path {
				t.Errorf("Name %q, want %q", in.Name, path)
			}
			if msg := tt.check(in); msg != "" {
				t.Error(msg)
			}
			// The same bytes from standard input.
			in2, err := analyzer.Load("-", analyzer.LoadOptions{Stdin: bytes.NewReader(tt.give)})
			if err != nil {
				t.Fatalf("Load(-): %v", err)
			}
			if in2.Kind != tt.want || in2.Name != "-" {
				t.Fatalf("Load(-): Kind %q name %q, want %q", in2.Kind, in2.Name, tt.want)
			}
			if msg := tt.check(in2); msg != "" {
				t.Errorf("Load(-): %s", msg)
			}
		})
	}
}

func goroutines(f stack.Format, total int) func(*analyzer.Input) string {
	return func(in *analyzer.Input) string {
		s := in.Goroutines
		switch {
		case s == nil:
			return "no goroutines"
		case s.Format != f:
			return "format " + s.Format.String() + ", want " + f.String()
		case total >= 0 && s.Total != total:
			return "total " + itoa(s.Total) + ", want " + itoa(total)
		case s.Total == 0:
			return "no goroutine"
		}
		return ""
	}
}

func leaked(total int) func(*analyzer.Input) string {
	return func(in *analyzer.Input) string {
		if in.Leaked == nil || in.Leaked.Total != total {
			return "Leaked is not the " + itoa(total) + " leaked goroutines"
		}
		for _, g := range in.Leaked.Goroutines {
			if f, ok := g.Stack.FirstUser(); ok && strings.HasPrefix(f.Func, "main.") {
				return ""
			}
		}
		return "no leaked goroutine in package main"
	}
}

func leakedFlags(n int) func(*analyzer.Input) string {
	return func(in *analyzer.Input) string {
		got := 0
		for _, g := range in.Goroutines.Goroutines {
			if g.Flags&stack.FlagLeaked != 0 {
				got++
			}
		}
		if got != n {
			return itoa(got) + " goroutines flagged leaked, want " + itoa(n)
		}
		return ""
	}
}

func labelled(in *analyzer.Input) string {
	if msg := goroutines(stack.FormatProto, -1)(in); msg != "" {
		return msg
	}
	for _, g := range in.Goroutines.Goroutines {
		if len(g.Labels) > 0 && g.Labels[0].Key == "handler" {
			return ""
		}
	}
	return "labels of the proto samples lost"
}

func profile(k bundle.Kind) func(*analyzer.Input) string {
	return func(in *analyzer.Input) string {
		if in.Profiles[k] == nil {
			return "no " + string(k) + " profile"
		}
		return ""
	}
}

func bundleLoaded(in *analyzer.Input) string {
	switch {
	case in.Manifest == nil:
		return "no manifest"
	case in.Goroutines == nil || in.Goroutines.Total == 0:
		return "no goroutines from goroutines.txt"
	case in.Profiles[bundle.KindHeap] == nil:
		return "no heap profile"
	case in.Metrics == nil:
		return "no metrics"
	}
	return ""
}

func itoa(n int) string { return fmtInt(n) }

func fmtInt(n int) string {
	if n < 0 {
		return "-" + fmtInt(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return fmtInt(n/10) + string(rune('0'+n%10))
}

// TestLoadErrors checks that unusable and partly usable inputs give errors
// that name the file (and the line or entry), with partial results kept.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	text := readFile(t, "../stack/testdata/runtime_stack.txt")
	cut := bytes.Index(text, []byte("\ngoroutine 30 "))
	cut += bytes.Index(text[cut:], []byte("\t/")) + 8 // inside goroutine 30's first file line
	truncatedLine := bytes.Count(text[:cut], []byte("\n")) + 1
	randomBytes := make([]byte, 4096)
	for i := range randomBytes {
		randomBytes[i] = byte(i*7919 + i/3)
	}
	for _, tt := range []struct {
		name     string
		path     string
		wantErr  []string // substrings of the error
		wantIs   error
		partial  int // goroutines kept, -1 when no Input
		warnings []string
	}{
		{name: "missing file", path: filepath.Join(dir, "nope.txt"), wantErr: []string{"nope.txt"}, wantIs: os.ErrNotExist, partial: -1},
		{name: "directory", path: dir, wantErr: []string{dir, "is a directory"}, partial: -1},
		{name: "empty file", path: write("empty.txt", nil), wantErr: []string{"empty.txt", "empty input"}, partial: -1},
		{name: "binary garbage", path: write("garbage.bin", randomBytes), wantErr: []string{"garbage.bin", "not a bundle"}, wantIs: analyzer.ErrUnrecognized, partial: -1},
		{name: "text without goroutines", path: write("notes.txt", []byte("hello\nworld\n")), wantErr: []string{"notes.txt", "no goroutine header"}, wantIs: stack.ErrNoGoroutine, partial: -1},
		{name: "truncated dump", path: write("cut.txt", text[:cut]), wantErr: []string{"cut.txt", "line " + itoa(truncatedLine), "input ends in the middle of goroutine 30"}, partial: 11},
		{name: "truncated gzip", path: write("cut.txt.gz", gzipBytes(t, text)[:1000]), wantErr: []string{"cut.txt.gz", "unexpected EOF"}, wantIs: io.ErrUnexpectedEOF, partial: 0},
		{name: "corrupt bundle entry", path: "../bundle/testdata/corruptheap.gdiag", partial: 1, warnings: []string{"corruptheap.gdiag", "heap.pb.gz"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in, err := analyzer.Load(tt.path, analyzer.LoadOptions{})
			if len(tt.wantErr) == 0 && err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(tt.wantErr) > 0 && err == nil {
				t.Fatal("Load: no error")
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
			switch {
			case tt.partial < 0:
				if in != nil {
					t.Errorf("Input %+v, want nil", in)
				}
			case in == nil:
				t.Fatalf("no Input, want partial results")
			case tt.partial > 0 && (in.Goroutines == nil || in.Goroutines.Total < tt.partial):
				t.Errorf("partial result %+v, want ≥ %d goroutines", in.Goroutines, tt.partial)
			}
			if len(tt.warnings) > 0 {
				if in == nil || len(in.Warnings) == 0 {
					t.Fatal("no warnings")
				}
				w := errors.Join(in.Warnings...).Error()
				for _, s := range tt.warnings {
					if !strings.Contains(w, s) {
						t.Errorf("warnings %q do not contain %q", w, s)
					}
				}
			}
		})
	}
}

// TestLoadWrapped: dumps wrapped by encodings and log pipelines load as
// goroutine dumps with the goroutines of the runtime's own output, gzipped
// or not: real go test -json, slog, Docker and kubectl files, and a real
// crash encoded as UTF-16 (PowerShell's redirection) or with NUL bytes.
func TestLoadWrapped(t *testing.T) {
	plain := readFile(t, "../stack/testdata/crash_go127_all.txt")
	want, err := stack.Parse(bytes.NewReader(plain), stack.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	utf16le := []byte{0xff, 0xfe}
	for _, r := range string(plain) {
		utf16le = append(utf16le, byte(r), byte(r>>8)) // the dump is ASCII
	}
	tests := []struct {
		name  string
		give  []byte
		total int
	}{
		{"utf16le", utf16le, want.Total},
		{"utf16le.gz", gzipBytes(t, utf16le), want.Total},
		{"nul", append(make([]byte, 4096), plain...), want.Total},
		{"bom", append([]byte("\xef\xbb\xbf"), plain...), want.Total},
	}
	files, _ := filepath.Glob("../stack/testdata/wrapped/*.txt")
	if len(files) < 5 {
		t.Fatalf("%d wrapped testdata files", len(files))
	}
	for _, f := range files {
		tests = append(tests, struct {
			name  string
			give  []byte
			total int
		}{filepath.Base(f), readFile(t, f), -1})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := analyzer.LoadReader(tt.name, bytes.NewReader(tt.give), int64(len(tt.give)), analyzer.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if in.Kind != analyzer.KindGoroutineText || in.Goroutines == nil {
				t.Fatalf("kind %s", in.Kind)
			}
			if tt.total >= 0 && in.Goroutines.Total != tt.total || in.Goroutines.Total < 5 {
				t.Errorf("%d goroutines, want %d", in.Goroutines.Total, tt.total)
			}
		})
	}
}

// TestLoadProtoLabelsGo127: a Go 1.27.3 goroutine profile (debug=0) keeps
// every label set on its goroutines, including keys and values that the
// text formats have to quote. A label whose value is "" is not in it: the
// runtime writes it with neither a string nor a number, which the proto
// decoder (google/pprof) drops.
func TestLoadProtoLabelsGo127(t *testing.T) {
	in, err := analyzer.Load("testdata/goroutine_labels_go127.pb.gz", analyzer.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{`handler=checkout,sku id=a"b`: false, "query=a, b: {c} [d]": false,
		"=empty key,café=☕ \U0001F6D2,raw=\xff\tx\ny": false, "handler=/cart,tenant=acme": false}
	for _, g := range in.Goroutines.Goroutines {
		var kv []string
		for _, l := range g.Labels {
			kv = append(kv, l.Key+"="+l.Value)
		}
		if _, ok := want[strings.Join(kv, ",")]; ok {
			want[strings.Join(kv, ",")] = true
		}
	}
	for k, found := range want {
		if !found {
			t.Errorf("no goroutine labelled %q", k)
		}
	}
}

// TestGoleakMessageVerdicts: goleak's failure message lists goroutines
// that outlived a test, so gdiag judges them as at a quiescent point
// without --quiescent: the 8 blocked goroutines of the real message are
// likely leaks, and the evidence says goleak found them.
func TestGoleakMessageVerdicts(t *testing.T) {
	const file = "../stack/testdata/wrapped/goleak.txt"
	in, err := analyzer.Load(file, analyzer.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := analyzer.Analyze([]*analyzer.Input{in}, analyzer.Options{})
	n := 0
	for _, f := range r.Findings {
		if !strings.HasPrefix(f.Check, "leaks/") {
			continue
		}
		if f.Verdict != "likely-leak" || !slices.ContainsFunc(f.Evidence, func(e string) bool { return strings.Contains(e, "goleak still found them") }) {
			t.Errorf("%s: %s, evidence %q", f.Title, f.Verdict, f.Evidence)
		}
		n += f.Count
	}
	if n != 8 {
		t.Errorf("%d goroutines in leak findings, want the 8 goleak lists", n)
	}
}

// TestHeapLeavesOutTheCollector: the flash-sale bundle was captured while
// the live leak watch ran its dump parser, in goroutines whose call paths
// hold no collector frame; no heap site or pool finding is in one of the
// gdiag packages the collector runs (stack, bundle, leaks, internal, …).
func TestHeapLeavesOutTheCollector(t *testing.T) {
	in, err := analyzer.Load("../cmd/gdiag/testdata/flashsale.gdiag", analyzer.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := analyzer.Analyze([]*analyzer.Input{in}, analyzer.Options{})
	own := regexp.MustCompile(`^(stack|bundle|leaks|leakwatch|collector|pprofconv|limit)\.`)
	sites := 0
	for _, s := range r.Sections {
		if s.ID != "heap-sites" {
			continue
		}
		for _, tb := range s.Tables {
			for _, row := range tb.Rows {
				for _, cell := range row {
					sites++
					if own.MatchString(cell) {
						t.Errorf("heap site %q is gdiag's own (row %q)", cell, row)
					}
				}
			}
		}
	}
	if sites == 0 {
		t.Fatal("no heap-sites table in the report")
	}
	for _, f := range r.Findings {
		if strings.HasPrefix(f.Check, "pool/") && strings.HasPrefix(f.Function, "github.com/gdiag/gdiag/") &&
			!strings.HasPrefix(f.Function, "github.com/gdiag/gdiag/fixtures/") {
			t.Errorf("pool finding on gdiag's own code: %s", f.Title)
		}
	}
}
