package bundle

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the bundles in testdata/")

// realEntries captures a real goroutine dump, a real heap profile and a real
// runtime/metrics reading from this test process.
type realEntries struct {
	stacks, heap, metrics []byte
}

func capture(t testing.TB) realEntries {
	t.Helper()
	done := make(chan struct{})
	defer close(done)
	go func() { <-done }() // a blocked goroutine so the dump has more than one
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]

	runtime.GC()
	var heap bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&heap, 0); err != nil {
		t.Fatal(err)
	}

	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/sched/goroutines:goroutines"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(samples)
	h := MetricsHistory{Interval: time.Second, Samples: []MetricsSample{{
		Time:          time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC),
		HeapLiveBytes: samples[0].Value.Uint64(),
		Goroutines:    samples[1].Value.Uint64(),
		GCCycles:      samples[2].Value.Uint64(),
	}}}
	var mj bytes.Buffer
	if err := json.NewEncoder(&mj).Encode(h); err != nil {
		t.Fatal(err)
	}
	return realEntries{stacks: buf, heap: heap.Bytes(), metrics: mj.Bytes()}
}

func testManifest() Manifest {
	return Manifest{
		CapturedAt: time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC),
		Duration:   1500 * time.Millisecond,
		PID:        4242,
		GoVersion:  runtime.Version(),
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
		NumCPU:     runtime.NumCPU(),
		Settings: Settings{
			GOGC:       Setting{Value: 100, Source: SourceDefault},
			GOMEMLIMIT: Setting{Value: 1 << 30, Env: "1GiB", Source: SourceEnv},
			GOMAXPROCS: Setting{Value: 2, Source: SourceCgroup},
		},
		Goroutines: 12,
	}
}

// writeBundle writes a bundle with the real entries, a failed CPU capture and
// timing info, and returns its bytes.
func writeBundle(t testing.TB, e realEntries) []byte {
	t.Helper()
	var out bytes.Buffer
	w := NewWriter(&out)
	gw, err := w.Create("", KindGoroutineText)
	if err != nil {
		t.Fatal(err)
	}
	// Stream in two pieces, as a capture would.
	half := len(e.stacks) / 2
	if _, err := gw.Write(e.stacks[:half]); err != nil {
		t.Fatal(err)
	}
	if _, err := gw.Write(e.stacks[half:]); err != nil {
		t.Fatal(err)
	}
	w.SetEntryInfo("goroutines.txt", 0, 3*time.Millisecond)
	if err := w.Add("", KindHeap, e.heap); err != nil {
		t.Fatal(err)
	}
	w.Fail("", KindCPU, errors.New("cpu profiling already in use"))
	w.SetEntryInfo("cpu.pb.gz", 10, 2*time.Millisecond)
	if err := w.Add("", KindMetrics, e.metrics); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(testManifest()); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestRoundTrip(t *testing.T) {
	e := capture(t)
	data := writeBundle(t, e)
	b, err := Read(bytes.NewReader(data), int64(len(data)), "rt.gdiag")
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	want := testManifest()
	want.Schema = SchemaVersion
	want.Entries = []Entry{
		{Name: "goroutines.txt", Kind: KindGoroutineText, Bytes: int64(len(e.stacks)), Took: 3 * time.Millisecond},
		{Name: "heap.pb.gz", Kind: KindHeap, Bytes: int64(len(e.heap))},
		{Name: "cpu.pb.gz", Kind: KindCPU, Seconds: 10, Took: 2 * time.Millisecond, Error: "cpu profiling already in use"},
		{Name: "metrics.json", Kind: KindMetrics, Bytes: int64(len(e.metrics))},
	}
	if !reflect.DeepEqual(b.Manifest, want) {
		t.Errorf("manifest:\n got %+v\nwant %+v", b.Manifest, want)
	}
	if got := b.Entries(); !reflect.DeepEqual(got, want.Entries) {
		t.Errorf("Entries() = %+v, want %+v", got, want.Entries)
	}
	for _, tt := range []struct {
		name string
		want []byte
	}{{"goroutines.txt", e.stacks}, {"heap.pb.gz", e.heap}, {"metrics.json", e.metrics}} {
		got, err := b.ReadFile(tt.name, 0)
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("ReadFile(%s) = %d bytes, %v; want the %d bytes written", tt.name, len(got), err, len(tt.want))
		}
	}
	// The heap entry is the runtime's gzip, byte for byte.
	heap, _ := b.ReadFile("heap.pb.gz", 0)
	zr, err := gzip.NewReader(bytes.NewReader(heap))
	if err != nil {
		t.Fatalf("heap.pb.gz is not gzip: %v", err)
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		t.Fatalf("heap.pb.gz: %v", err)
	}
	if !strings.Contains(string(e.stacks), "goroutine ") || !strings.Contains(string(e.stacks), "TestRoundTrip") {
		t.Fatalf("goroutine dump does not look real:\n%.300s", e.stacks)
	}
	if got, ok := b.Lookup(KindHeap); !ok || got.Name != "heap.pb.gz" {
		t.Errorf("Lookup(heap) = %+v, %v", got, ok)
	}
	if got, ok := b.Lookup(KindCPU); ok {
		t.Errorf("Lookup(cpu) = %+v, true; want false for a failed capture", got)
	}
	if _, err := b.ReadFile("cpu.pb.gz", 0); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(cpu.pb.gz) error = %v, want fs.ErrNotExist", err)
	}
	h, err := b.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Samples) != 1 || h.Samples[0].HeapLiveBytes == 0 || h.Samples[0].Goroutines == 0 || h.Interval != time.Second {
		t.Errorf("Metrics() = %+v", h)
	}
	if err := b.Verify(); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// TestZipLayout checks the bundle with archive/zip alone, as `unzip -l` would
// see it: entry order, manifest last, compression methods, raw bytes.
func TestZipLayout(t *testing.T) {
	e := capture(t)
	data := writeBundle(t, e)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		method uint16
	}{
		{"goroutines.txt", zip.Deflate},
		{"heap.pb.gz", zip.Store},
		{"metrics.json", zip.Deflate},
		{"manifest.json", zip.Deflate},
	}
	if len(zr.File) != len(tests) {
		t.Fatalf("zip has %d files, want %d", len(zr.File), len(tests))
	}
	for i, tt := range tests {
		f := zr.File[i]
		if f.Name != tt.name || f.Method != tt.method {
			t.Errorf("file %d = %s method %d, want %s method %d", i, f.Name, f.Method, tt.name, tt.method)
		}
	}
	// Stored means the raw zip bytes are the runtime's gzip stream, so
	// unzip + go tool pprof see exactly what the runtime wrote.
	raw, err := zr.File[1].OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(raw)
	if !bytes.Equal(got, e.heap) {
		t.Error("heap.pb.gz raw bytes differ from the profile written")
	}
	if zr.File[0].CompressedSize64 >= zr.File[0].UncompressedSize64 {
		t.Errorf("goroutines.txt not compressed: %d >= %d", zr.File[0].CompressedSize64, zr.File[0].UncompressedSize64)
	}
}

// rezip copies data's zip, transforming or dropping files (edit returns false).
func rezip(t *testing.T, data []byte, keep func(name string) bool) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if keep(f.Name) {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// flip inverts a few bytes in the middle of an entry's stored data.
func flip(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Clone(data)
	for _, f := range zr.File {
		if f.Name == name {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			mid := off + int64(f.CompressedSize64)/2
			for i := mid; i < mid+8; i++ {
				out[i] ^= 0xff
			}
			return out
		}
	}
	t.Fatalf("no entry %s", name)
	return nil
}

// cutInside returns data cut in the middle of entry name's data, as a
// capture killed while writing that entry leaves it.
func cutInside(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			return data[:off+int64(f.CompressedSize64)/2]
		}
	}
	t.Fatalf("no entry %s", name)
	return nil
}

// replaceManifest rewrites the bundle with manifest.json set to content.
func replaceManifest(t *testing.T, data []byte, content string) []byte {
	t.Helper()
	noManifest := rezip(t, data, func(n string) bool { return n != ManifestName })
	zr, err := zip.NewReader(bytes.NewReader(noManifest), int64(len(noManifest)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, _ := zw.Create(ManifestName)
	io.WriteString(w, content)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestCorruption(t *testing.T) {
	e := capture(t)
	good := writeBundle(t, e)
	tests := []struct {
		name string
		give []byte
		// wantReadErr is a substring of Read's error, "" for none.
		wantReadErr string
		wantNil     bool
		// wantKinds are the kinds of Entries(), in order.
		wantKinds []Kind
		// bad is the entry whose ReadFile must fail naming it; the other
		// present entries must read back intact.
		bad string
	}{
		{
			// A capture cut short: the complete entries before the cut are
			// recovered from their local headers, the cut one is named.
			name: "truncated", give: cutInside(t, good, "heap.pb.gz"),
			wantReadErr: "bundle: b.gdiag: entry heap.pb.gz: truncated (capture cut short), not recovered",
			wantKinds:   []Kind{KindGoroutineText},
		},
		{
			name: "empty file", give: nil,
			wantReadErr: "bundle: b.gdiag: not a bundle", wantNil: true,
		},
		{
			name: "garbage", give: []byte("this is not a zip file at all\n"),
			wantReadErr: "bundle: b.gdiag: not a bundle", wantNil: true,
		},
		{
			name: "stored entry corrupt", give: flip(t, good, "heap.pb.gz"),
			wantKinds: []Kind{KindGoroutineText, KindHeap, KindCPU, KindMetrics},
			bad:       "heap.pb.gz",
		},
		{
			name: "deflated entry corrupt", give: flip(t, good, "goroutines.txt"),
			wantKinds: []Kind{KindGoroutineText, KindHeap, KindCPU, KindMetrics},
			bad:       "goroutines.txt",
		},
		{
			name: "manifest missing", give: rezip(t, good, func(n string) bool { return n != ManifestName }),
			wantReadErr: "bundle: b.gdiag: no manifest.json",
			wantKinds:   []Kind{KindGoroutineText, KindHeap, KindMetrics},
		},
		{
			name: "manifest corrupt", give: replaceManifest(t, good, `{"schema": 1, "entries": [`),
			wantReadErr: "bundle: b.gdiag: entry manifest.json: unexpected end of JSON input",
			wantKinds:   []Kind{KindGoroutineText, KindHeap, KindMetrics},
		},
		{
			name: "manifest from the future", give: replaceManifest(t, good, `{"schema": 99, "entries": [{"name":"heap.pb.gz","kind":"heap"}]}`),
			wantReadErr: "schema 99 is newer than the supported 1",
			wantKinds:   []Kind{KindHeap, KindGoroutineText, KindMetrics},
		},
		{
			name: "unknown extra file", give: func() []byte {
				var out bytes.Buffer
				zw := zip.NewWriter(&out)
				w, _ := zw.Create("notes/readme.txt")
				io.WriteString(w, "hello")
				zw.Close()
				return out.Bytes()
			}(),
			wantReadErr: "no manifest.json",
			wantKinds:   []Kind{KindOther},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Read(bytes.NewReader(tt.give), int64(len(tt.give)), "b.gdiag")
			if tt.wantReadErr == "" && err != nil {
				t.Fatalf("Read error: %v", err)
			}
			if tt.wantReadErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantReadErr)) {
				t.Fatalf("Read error = %v, want it to contain %q", err, tt.wantReadErr)
			}
			if (b == nil) != tt.wantNil {
				t.Fatalf("Read bundle = %v, want nil: %v", b, tt.wantNil)
			}
			if b == nil {
				return
			}
			var kinds []Kind
			for _, en := range b.Entries() {
				kinds = append(kinds, en.Kind)
			}
			if !reflect.DeepEqual(kinds, tt.wantKinds) {
				t.Errorf("entry kinds = %v, want %v", kinds, tt.wantKinds)
			}
			originals := map[string][]byte{"goroutines.txt": e.stacks, "heap.pb.gz": e.heap, "metrics.json": e.metrics}
			for _, en := range b.Entries() {
				want, ok := originals[en.Name]
				if !ok || en.Error != "" {
					continue
				}
				got, err := b.ReadFile(en.Name, 0)
				if en.Name == tt.bad {
					wantPrefix := "bundle: b.gdiag: entry " + tt.bad + ": "
					if err == nil || !strings.HasPrefix(err.Error(), wantPrefix) {
						t.Errorf("ReadFile(%s) error = %v, want prefix %q", en.Name, err, wantPrefix)
					}
					continue
				}
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("ReadFile(%s) = %d bytes, %v; want intact", en.Name, len(got), err)
				}
			}
			verr := b.Verify()
			if tt.bad == "" && verr != nil {
				t.Errorf("Verify: %v", verr)
			}
			if tt.bad != "" && (verr == nil || !strings.Contains(verr.Error(), "entry "+tt.bad+":") || strings.Count(verr.Error(), "\n") != 0) {
				t.Errorf("Verify error = %v, want exactly one error naming %s", verr, tt.bad)
			}
		})
	}
}

func TestReadFileLimit(t *testing.T) {
	e := capture(t)
	data := writeBundle(t, e)
	b, err := Read(bytes.NewReader(data), int64(len(data)), "b.gdiag")
	if err != nil {
		t.Fatal(err)
	}
	n := int64(len(e.stacks))
	tests := []struct {
		name    string
		give    int64
		wantErr string
	}{
		{"exact size", n, ""},
		{"default", 0, ""},
		{"one byte short", n - 1, "bundle: b.gdiag: entry goroutines.txt: "},
		{"tiny", 1, "exceeds the limit of 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.ReadFile("goroutines.txt", tt.give)
			if tt.wantErr == "" {
				if err != nil || int64(len(got)) != n {
					t.Errorf("ReadFile = %d bytes, %v", len(got), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ReadFile error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestZipBomb checks that a zip header understating an entry's size cannot
// make ReadFile return more than the limit.
func TestZipBomb(t *testing.T) {
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	w, _ := zw.Create("goroutines.txt")
	w.Write(bytes.Repeat([]byte("goroutine 1 [running]:\n"), 100000)) // 2.3 MB, compresses to KiBs
	zw.Close()
	data := out.Bytes()
	// Lie about the uncompressed size in the central directory (offset 24 of
	// the central header) so the header check passes.
	cd := bytes.LastIndex(data, []byte("PK\x01\x02"))
	copy(data[cd+24:cd+28], []byte{0x10, 0, 0, 0})
	b, _ := Read(bytes.NewReader(data), int64(len(data)), "bomb.gdiag")
	if b == nil {
		t.Fatal("Read returned no bundle")
	}
	got, err := b.ReadFile("goroutines.txt", 1<<20)
	if err == nil || len(got) > 1<<20 {
		t.Fatalf("ReadFile = %d bytes, %v; want an error and no data", len(got), err)
	}
	if !strings.HasPrefix(err.Error(), "bundle: bomb.gdiag: entry goroutines.txt: ") {
		t.Errorf("error = %v", err)
	}
}

type failingWriter struct{ after int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.after < len(p) {
		return 0, errors.New("disk full")
	}
	f.after -= len(p)
	return len(p), nil
}

func TestWriterErrors(t *testing.T) {
	tests := []struct {
		name    string
		give    func(w *Writer) error
		wantErr string
	}{
		{"duplicate", func(w *Writer) error {
			w.Add("", KindHeap, []byte("x"))
			return w.Add("heap.pb.gz", KindHeap, []byte("y"))
		}, "bundle: entry heap.pb.gz: duplicate name"},
		{"reserved", func(w *Writer) error { return w.Add(ManifestName, KindOther, nil) }, "reserved"},
		{"other without name", func(w *Writer) error { return w.Add("", KindOther, nil) }, "needs a name"},
		{"absolute path", func(w *Writer) error { return w.Add("/etc/passwd", KindOther, nil) }, "not a valid relative"},
		{"dot dot", func(w *Writer) error { return w.Add("../x", KindOther, nil) }, "not a valid relative"},
		{"write after next create", func(w *Writer) error {
			ew, _ := w.Create("a.txt", KindOther)
			w.Create("b.txt", KindOther)
			_, err := ew.Write([]byte("late"))
			return err
		}, "bundle: entry a.txt: write after the entry was closed"},
		{"create after close", func(w *Writer) error {
			w.Finish(Manifest{})
			return w.Add("a.txt", KindOther, nil)
		}, "bundle: create after close"},
		{"close twice", func(w *Writer) error {
			w.Finish(Manifest{})
			return w.Finish(Manifest{})
		}, "already closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.give(NewWriter(io.Discard))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestWriterStickyError(t *testing.T) {
	w := NewWriter(&failingWriter{after: 100})
	err := w.Add("", KindGoroutineText, bytes.Repeat([]byte("goroutine 1 [running]:\n"), 10000))
	if err == nil {
		// Deflate may buffer; the error must surface by Close at the latest.
		err = w.Finish(Manifest{})
	} else if cerr := w.Finish(Manifest{}); !errors.Is(cerr, err) && cerr.Error() != err.Error() {
		t.Errorf("Close error = %v, want the first error %v", cerr, err)
	}
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("error = %v, want disk full", err)
	}
}

func TestEmptyBundle(t *testing.T) {
	var out bytes.Buffer
	if err := NewWriter(&out).Finish(Manifest{Host: "h"}); err != nil {
		t.Fatal(err)
	}
	b, err := Read(bytes.NewReader(out.Bytes()), int64(out.Len()), "empty.gdiag")
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Host != "h" || b.Manifest.Schema != SchemaVersion || len(b.Entries()) != 0 {
		t.Errorf("manifest = %+v", b.Manifest)
	}
	if _, err := b.Metrics(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Metrics error = %v, want fs.ErrNotExist", err)
	}
}

func TestOpenFile(t *testing.T) {
	data := writeBundle(t, capture(t))
	path := filepath.Join(t.TempDir(), "x.gdiag")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ReadFile("heap.pb.gz", 0); err != nil {
		t.Error(err)
	}
	if err := b.Close(); err != nil {
		t.Error(err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.gdiag")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing) error = %v, want fs.ErrNotExist", err)
	}
}

func TestIsBundle(t *testing.T) {
	tests := []struct {
		name string
		give []byte
		want bool
	}{
		{"zip", []byte("PK\x03\x04\x14\x00"), true},
		{"empty zip", []byte("PK\x05\x06"), true},
		{"gzip", []byte{0x1f, 0x8b, 8, 0}, false},
		{"text dump", []byte("goroutine 1 [running]:\n"), false},
		{"short", []byte("PK"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsBundle(tt.give); got != tt.want {
				t.Errorf("IsBundle(%q) = %v, want %v", tt.give, got, tt.want)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		give string
		want Kind
	}{
		{"goroutines.txt", KindGoroutineText},
		{"heap.pb.gz", KindHeap},
		{"goroutineleak.pb.gz", KindGoroutineLeak},
		{"trace.out", KindTrace},
		{"metrics.json", KindMetrics},
		{"extra/heap.pb.gz", KindOther},
		{"", KindOther},
	}
	for _, tt := range tests {
		if got := KindOf(tt.give); got != tt.want {
			t.Errorf("KindOf(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

// TestWriteTestdata regenerates the fuzz seed bundles with -update.
func TestWriteTestdata(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/")
	}
	e := capture(t)
	if len(e.stacks) > 8<<10 {
		e.stacks = e.stacks[:bytes.LastIndex(e.stacks[:8<<10], []byte("\n\n"))+1] // whole goroutines, small seed
	}
	good := writeBundle(t, e)
	files := map[string][]byte{
		"small.gdiag":       good,
		"nomanifest.gdiag":  rezip(t, good, func(n string) bool { return n != ManifestName }),
		"corruptheap.gdiag": flip(t, good, "heap.pb.gz"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
