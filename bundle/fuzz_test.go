package bundle

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read and every accessor. Seeds are the
// real bundles in testdata/. Invariants: no panic; a nil Reader comes with an
// error; every error names the bundle; ReadFile never returns more than the
// limit.
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.gdiag"))
	if len(seeds) == 0 {
		f.Fatal("no seed bundles in testdata/; run go test -run TestWriteTestdata -update")
	}
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	const limit = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Read(bytes.NewReader(data), int64(len(data)), "fuzz.gdiag")
		if b == nil {
			if err == nil {
				t.Fatal("nil bundle without error")
			}
			return
		}
		named := func(err error) {
			if err != nil && !strings.Contains(err.Error(), "fuzz.gdiag") {
				t.Fatalf("error does not name the bundle: %v", err)
			}
		}
		named(err)
		for _, e := range b.Entries() {
			got, err := b.ReadFile(e.Name, limit)
			named(err)
			if len(got) > limit {
				t.Fatalf("ReadFile(%s) returned %d bytes > limit", e.Name, len(got))
			}
			b.Lookup(e.Kind)
		}
		_, err = b.Metrics()
		named(err)
		named(b.Verify())
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	})
}
