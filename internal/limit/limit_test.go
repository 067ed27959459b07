package limit

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func gz(t *testing.T, b []byte) []byte {
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

func TestReader(t *testing.T) {
	for _, tc := range []struct {
		size, limit int64
		wantErr     bool
	}{
		{0, 0, false}, {10, 10, false}, {11, 10, true}, {1 << 20, 1000, true}, {5, 1 << 40, false},
	} {
		b, err := ReadAll(bytes.NewReader(make([]byte, tc.size)), tc.limit, "x.txt", "--max-input")
		if (err != nil) != tc.wantErr {
			t.Fatalf("size %d limit %d: err = %v", tc.size, tc.limit, err)
		}
		if int64(len(b)) > tc.limit {
			t.Fatalf("size %d limit %d: read %d bytes", tc.size, tc.limit, len(b))
		}
		if tc.wantErr {
			if !errors.Is(err, ErrExceeded) {
				t.Fatalf("error does not wrap ErrExceeded: %v", err)
			}
			if want := "x.txt exceeds " + Size(tc.limit) + ", raise with --max-input"; err.Error() != want {
				t.Fatalf("error %q, want %q", err, want)
			}
		}
	}
}

func TestReaderCostIsWhatWasRead(t *testing.T) {
	// A huge limit must not pre-allocate: reading 1 KiB under a 1 TiB
	// limit allocates about 1 KiB.
	allocs := testing.AllocsPerRun(10, func() {
		_, _ = ReadAll(bytes.NewReader(make([]byte, 1024)), 1<<40, "x", "")
	})
	if allocs > 10 {
		t.Fatalf("%v allocations for a 1 KiB read", allocs)
	}
}

func TestGunzipNested(t *testing.T) {
	zeros := make([]byte, 1<<20)
	bomb := gz(t, gz(t, zeros)) // gzip of gzip of 1 MiB of zeros
	_, err := Gunzip(bomb, 64<<10, "heap.pb.gz", "--max-profile")
	if !errors.Is(err, ErrExceeded) || !strings.Contains(err.Error(), "heap.pb.gz decompressed exceeds 65536 bytes (64 KiB), raise with --max-profile") {
		t.Fatalf("nested bomb: %v", err)
	}
	got, err := Gunzip(bomb, 2<<20, "heap.pb.gz", "")
	if err != nil || !bytes.Equal(got, zeros) {
		t.Fatalf("nested within limit: %d bytes, %v", len(got), err)
	}
	deep := []byte("x")
	for range MaxGzipLayers + 1 {
		deep = gz(t, deep)
	}
	if _, err := Gunzip(deep, 1<<20, "d", ""); err == nil || !strings.Contains(err.Error(), "nested gzip layers") {
		t.Fatalf("too deep: %v", err)
	}
	if got, err := Gunzip([]byte("plain"), 3, "p", ""); err != nil || string(got) != "plain" {
		t.Fatalf("plain data is returned as is: %q %v", got, err)
	}
}

func TestGunzipReader(t *testing.T) {
	text := bytes.Repeat([]byte("goroutine 1 [running]:\n"), 1000)
	r, head, err := GunzipReader(bytes.NewReader(gz(t, gz(t, text))), int64(len(text)), 64, "dump.gz", "--max-input")
	if err != nil || !bytes.HasPrefix(head, []byte("goroutine 1")) {
		t.Fatalf("head %q, %v", head, err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, text) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	r, _, _ = GunzipReader(bytes.NewReader(gz(t, gz(t, text))), 100, 64, "dump.gz", "--max-input")
	if _, err := io.ReadAll(r); !errors.Is(err, ErrExceeded) {
		t.Fatalf("over the limit: %v", err)
	}
}

func TestAddSat(t *testing.T) {
	const maxInt = int(^uint(0) >> 1)
	for _, tc := range []struct{ a, b, want int }{
		{1, 2, 3}, {maxInt, 1, maxInt}, {maxInt - 1, 1, maxInt}, {maxInt / 2, maxInt/2 + 5, maxInt}, {-5, 3, 3},
	} {
		if got := AddSat(tc.a, tc.b); got != tc.want {
			t.Errorf("AddSat(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if Count(-1) != 0 || Count(1<<62) != 1<<62 || Count(7) != 7 {
		t.Error("Count")
	}
}

// TestReadAllNamesReadErrors: a stream cut short (a truncated gzip member)
// is an error that names the input, so the user learns which file.
func TestReadAllNamesReadErrors(t *testing.T) {
	_, err := ReadAll(iotest.ErrReader(io.ErrUnexpectedEOF), 1<<20, "leak.pb.gz", "--max-input")
	if err == nil || !strings.Contains(err.Error(), "leak.pb.gz") || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want it to name leak.pb.gz and wrap io.ErrUnexpectedEOF", err)
	}
	_, err = ReadAll(strings.NewReader("12345"), 4, "big.txt", "--max-input")
	if !errors.Is(err, ErrExceeded) || strings.Count(err.Error(), "big.txt") != 1 {
		t.Fatalf("err = %v, want ErrExceeded naming big.txt once", err)
	}
}
