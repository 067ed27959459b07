package bundle

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// repeatedManifestBundle is a bundle whose manifest lists the metrics entry
// n times: the input that made loading quadratic (issue 14).
func repeatedManifestBundle(t testing.TB, n int) []byte {
	t.Helper()
	m := Manifest{Schema: SchemaVersion}
	for range n {
		m.Entries = append(m.Entries, Entry{Name: "metrics.json", Kind: KindMetrics})
	}
	mb, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range []struct {
		name string
		data []byte
	}{{"metrics.json", []byte(`{"interval_ns":1000000000,"samples":[]}`)}, {ManifestName, mb}} {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestRepeatedManifestEntriesAreLinear: Entries lists every listing once and
// Lookup costs O(1) however often the manifest repeats a kind. Before the
// fix Lookup rebuilt the whole entry list (an allocation of n entries) on
// every call, so loading each listed entry was O(n²).
func TestRepeatedManifestEntriesAreLinear(t *testing.T) {
	const n = 20000
	data := repeatedManifestBundle(t, n)
	b, err := Read(bytes.NewReader(data), int64(len(data)), "rep.gdiag")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(b.Entries()); got != n {
		t.Fatalf("Entries() = %d, want %d", got, n)
	}
	if allocs := testing.AllocsPerRun(100, func() { b.Lookup(KindMetrics) }); allocs != 0 {
		t.Fatalf("Lookup allocates %v times per call; want 0 (O(1) whatever the manifest size)", allocs)
	}
	if _, err := b.Metrics(); err != nil {
		t.Fatal(err)
	}
}

// TestReaderLimit: Reader.Limit applies to ReadFile(name, 0) and Metrics and
// the error wraps ErrTooLarge.
func TestReaderLimit(t *testing.T) {
	data := repeatedManifestBundle(t, 1)
	b, _ := Read(bytes.NewReader(data), int64(len(data)), "lim.gdiag")
	b.Limit = 10
	if _, err := b.Metrics(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Metrics over Limit: %v", err)
	}
	if _, err := b.ReadFile("metrics.json", 0); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ReadFile over Limit: %v", err)
	}
}

// TestLyingHeaderCostsWhatIsRead: a central directory that claims a huge
// size for a tiny entry must not make ReadFile allocate the claimed size.
func TestLyingHeaderCostsWhatIsRead(t *testing.T) {
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	w, _ := zw.Create("goroutines.txt")
	w.Write([]byte("goroutine 1 [running]:\n"))
	zw.Close()
	data := out.Bytes()
	cd := bytes.LastIndex(data, []byte("PK\x01\x02"))
	copy(data[cd+24:cd+28], []byte{0, 0, 0, 0x0f}) // claims 240 MiB
	b, _ := Read(bytes.NewReader(data), int64(len(data)), "lie.gdiag")
	before := heapAlloc()
	got, err := b.ReadFile("goroutines.txt", 0)
	after := heapAlloc()
	// The CRC/size check may reject the lie; either way the read must not
	// have allocated anything near the claimed 240 MiB.
	if err == nil && string(got) != "goroutine 1 [running]:\n" {
		t.Fatalf("ReadFile = %q", got)
	}
	if d := after - before; d > 8<<20 {
		t.Fatalf("ReadFile allocated %d bytes for a 23-byte entry whose header claims 240 MiB", d)
	}
}

func heapAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// TestHugeDirectoryRefused: a zip whose central directory lists more
// entries than a bundle can have is refused before archive/zip allocates a
// record for each.
func TestHugeDirectoryRefused(t *testing.T) {
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for i := range 30000 {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("e%06d", i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	data := out.Bytes()
	b, err := Read(bytes.NewReader(data), int64(len(data)), "many.gdiag")
	if b != nil || err == nil || !strings.Contains(err.Error(), "bundle: many.gdiag: zip directory of") {
		t.Fatalf("Read = %v, %v; want a refusal naming the bundle", b, err)
	}
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r *bytes.Reader
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

// TestSalvageFalseDescriptorsLinear: a cut bundle whose stored entry is
// full of data-descriptor signatures with matching lengths and wrong CRCs
// is scanned in linear time. Before, each candidate re-hashed the entry from
// its start: O(size²) reads.
func TestSalvageFalseDescriptorsLinear(t *testing.T) {
	var data bytes.Buffer
	// Local header: signature, version, flags (descriptor), method store.
	hdr := make([]byte, localHeaderLen)
	copy(hdr, localHeaderSig)
	hdr[6] = flagDescriptor
	hdr[26] = 1 // name length
	data.Write(hdr)
	data.WriteString("x")
	start := data.Len()
	for range 20000 {
		cs := uint32(data.Len() - start)
		d := []byte(descriptorSig + "\xde\xad\xbe\xef")
		d = append(d, byte(cs), byte(cs>>8), byte(cs>>16), byte(cs>>24))
		d = append(d, byte(cs), byte(cs>>8), byte(cs>>16), byte(cs>>24))
		data.Write(d)
	}
	cr := &countingReaderAt{r: bytes.NewReader(data.Bytes())}
	size := int64(data.Len())
	b, err := Read(cr, size, "false.gdiag")
	if b != nil || err == nil {
		t.Fatalf("Read = %v, %v; want nothing recovered", b, err)
	}
	if cr.n > 8*size+1<<20 {
		t.Fatalf("read %d bytes of a %d-byte file: the scan is not linear", cr.n, size)
	}
}
