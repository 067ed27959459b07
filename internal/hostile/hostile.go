package hostile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Case is one hostile input and what gdiag analyze must do with it.
type Case struct {
	// Name names the case and its file in the corpus directory.
	Name string
	// What says what the input attacks.
	What string
	// Args are extra flags given before the file ("--max-input", …).
	Args []string
	// Exit is the exit code gdiag analyze must return.
	Exit int
	// Message is a substring stderr must contain ("" = no check).
	Message string
	// MaxRSS bounds the process's peak resident set, bytes.
	MaxRSS int64
	// MaxSeconds bounds its CPU time (user + system), which, unlike wall
	// time, other processes on a shared machine do not inflate.
	MaxSeconds float64
	// make writes the file.
	make func(path string) error
}

// The bounds the README states for `gdiag analyze` at its default limits.
const (
	// DefaultMaxRSS is the peak RSS bound of one input at default limits.
	DefaultMaxRSS = 2 << 30
	// DefaultMaxSeconds is the time bound of one input.
	DefaultMaxSeconds = 30
)

// Cases lists the corpus.
func Cases() []Case {
	const mib = 1 << 20
	return []Case{
		{Name: "gzip-gzip-zeros.pb.gz", What: "gzip of gzip of 1 GiB of zeros given as a pprof profile (pprof decompresses without a limit)",
			Exit: 2, Message: "exceeds 33554432 bytes (32 MiB), raise with --max-profile", MaxRSS: 400 * mib, MaxSeconds: 20,
			make: func(p string) error { return write(p, gz(zeroMembers(1<<30))) }},
		{Name: "deep-gzip.txt.gz", What: "five nested gzip layers",
			Exit: 2, Message: "more than 3 nested gzip layers", MaxRSS: 200 * mib, MaxSeconds: 10,
			make: func(p string) error { return write(p, gz(gz(gz(gz(gz([]byte("goroutine 1 [running]:\n"))))))) }},
		{Name: "heap-bomb.gdiag", What: "bundle whose heap.pb.gz is gzip of gzip of 1 GiB of zeros",
			Exit: 2, Message: "heap.pb.gz decompressed exceeds 33554432 bytes (32 MiB), raise with --max-profile", MaxRSS: 400 * mib, MaxSeconds: 20,
			make: func(p string) error {
				return write(p, bundleZip(map[string][]byte{"heap.pb.gz": gz(zeroMembers(1 << 30))}, manifest("heap.pb.gz", "heap", 1)))
			}},
		{Name: "tiny-goroutines.txt.gz", What: "gzip of 10 M tiny goroutines (529 MB of dump text)",
			Exit: 2, Message: "more than 1000000 goroutines, raise with --max-goroutines", MaxRSS: DefaultMaxRSS, MaxSeconds: DefaultMaxSeconds,
			make: func(p string) error {
				return write(p, repeatMembers([]byte("goroutine 1 [select]:\nmain.f()\n\t/a.go:1\n\n"), 10_000_000))
			}},
		{Name: "gctrace-bomb.txt.gz", What: "gzip of 64 MiB of gctrace lines (--max-input 32M: memory ≈ 4 × the limit)",
			Args: []string{"--max-input", "32M"}, Exit: 2, Message: "exceeds 33554432 bytes (32 MiB), raise with --max-input", MaxRSS: 300 * mib, MaxSeconds: 15,
			make: func(p string) error {
				line := "gc 1 @0.011s 2%: 0.010+0.40+0.003 ms clock, 0.080+0.12/0.31/0.15+0.024 ms cpu, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 8 P\n"
				return write(p, repeatMembers([]byte(line), (64<<20)/len(line)))
			}},
		{Name: "gctrace-small-limit.txt.gz", What: "the same with --max-input 8M: the flag raises and lowers the limit",
			Args: []string{"--max-input", "8M"}, Exit: 2, Message: "exceeds 8388608 bytes (8 MiB), raise with --max-input", MaxRSS: 200 * mib, MaxSeconds: 10,
			make: func(p string) error {
				line := "gc 1 @0.011s 2%: 0.010+0.40+0.003 ms clock, 0.080+0.12/0.31/0.15+0.024 ms cpu, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 8 P\n"
				return write(p, repeatMembers([]byte(line), (64<<20)/len(line)))
			}},
		{Name: "metrics-bomb.json.gz", What: "gzip of a 64 MiB metrics history (--max-input 32M)",
			Args: []string{"--max-input", "32M"}, Exit: 2, Message: "exceeds 33554432 bytes (32 MiB), raise with --max-input", MaxRSS: 300 * mib, MaxSeconds: 15,
			make: func(p string) error {
				var b bytes.Buffer
				b.Write(gzBytes([]byte(`{"interval_ns":1000000000,"samples":[`)))
				b.Write(repeatMembers([]byte(`{"goroutines":1},`), (64<<20)/17))
				return write(p, b.Bytes())
			}},
		{Name: "json-records-bomb.txt.gz", What: "gzip of 1 GiB of go test -json records without output after one with a dump line (the unwrapping layer drops what it reads)",
			Exit: 2, Message: "exceeds 268435456 bytes (256 MiB), raise with --max-input", MaxRSS: 400 * mib, MaxSeconds: 20,
			make: func(p string) error {
				var b bytes.Buffer
				b.Write(gzBytes([]byte(`{"Action":"output","Package":"p","Output":"goroutine 1 [running]:\nmain.main()\n\t/a.go:1\n"}` + "\n")))
				rec := []byte(`{"Action":"pass","Package":"p","Elapsed":0}` + "\n")
				b.Write(repeatMembers(rec, (1<<30)/len(rec)))
				return write(p, b.Bytes())
			}},
		{Name: "repeated-metrics.gdiag", What: "12 KB bundle whose manifest lists metrics.json 100,000 times (quadratic load before)",
			Exit: 0, Message: "lists 99999 entries twice or more", MaxRSS: 400 * mib, MaxSeconds: 10,
			make: func(p string) error {
				return write(p, bundleZip(map[string][]byte{"metrics.json": []byte(`{"interval_ns":1000000000,"samples":[]}`)},
					manifest("metrics.json", "metrics", 100_000)))
			}},
		{Name: "text-bomb.gdiag", What: "bundle whose goroutines.txt expands to 400,000 tiny goroutines (--max-goroutines 200000)",
			Args: []string{"--max-goroutines", "200000"}, Exit: 2, Message: "more than 200000 goroutines, raise with --max-goroutines", MaxRSS: 400 * mib, MaxSeconds: 15,
			make: func(p string) error {
				return write(p, deflateBomb("goroutines.txt", []byte("goroutine 1 [select]:\nmain.f()\n\t/a.go:1\n\n"), 16<<20))
			}},
		{Name: "nul-bomb.gdiag", What: "bundle whose goroutines.txt is 64 MiB of NUL bytes, one huge line (--max-input 32M)",
			Args: []string{"--max-input", "32M"}, Exit: 2, Message: "exceeds 33554432 bytes (32 MiB), raise with --max-input", MaxRSS: 300 * mib, MaxSeconds: 15,
			make: func(p string) error { return write(p, deflateBomb("goroutines.txt", make([]byte, 4096), 64<<20)) }},
		{Name: "huge-line.txt.gz", What: "a goroutine dump with a 24 MiB line: skipped, the rest parsed",
			Exit: 0, Message: "longer than", MaxRSS: 300 * mib, MaxSeconds: 15,
			make: func(p string) error {
				var b bytes.Buffer
				b.Write(gzBytes([]byte("goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n\ngoroutine 2 [select]:\nmain.f(")))
				b.Write(repeatMembers([]byte("AAAAAAAAAAAAAAAA"), 24*mib/16))
				b.Write(gzBytes([]byte(")\n\t/a.go:2\n\n")))
				return write(p, b.Bytes())
			}},
		{Name: "million-frames.txt.gz", What: "one goroutine with a million frames",
			Exit: 0, MaxRSS: 1 << 30, MaxSeconds: DefaultMaxSeconds,
			make: func(p string) error {
				var b bytes.Buffer
				b.Write(gzBytes([]byte("goroutine 7 [chan receive]:\n")))
				b.Write(repeatMembers([]byte("main.recurse(0x1)\n\t/src/a.go:12 +0x1d\n"), 1_000_000))
				b.Write(gzBytes([]byte("created by main.main in goroutine 1\n\t/src/a.go:3 +0x2\n\n")))
				return write(p, b.Bytes())
			}},
		{Name: "traversal.gdiag", What: "bundle with ../ and absolute entry names and an escape sequence in a name",
			Exit: 0, MaxRSS: 200 * mib, MaxSeconds: 10,
			make: func(p string) error {
				return write(p, bundleZip(map[string][]byte{"../../etc/passwd": []byte("x"), "/tmp/abs": []byte("y"), "evil\x1b]0;pwned\x07.txt": []byte("z"),
					"goroutines.txt": []byte("goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n")}, nil))
			}},
		{Name: "huge-directory.gdiag", What: "zip with 30,000 directory entries",
			Exit: 2, Message: "zip directory of", MaxRSS: 200 * mib, MaxSeconds: 10,
			make: func(p string) error {
				var b bytes.Buffer
				zw := zip.NewWriter(&b)
				for i := range 30_000 {
					if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("e%d", i), Method: zip.Store}); err != nil {
						return err
					}
				}
				if err := zw.Close(); err != nil {
					return err
				}
				return write(p, b.Bytes())
			}},
		{Name: "dangling.pb", What: "goroutine profile whose samples reference missing locations and functions",
			Exit: 2, Message: "dangling.pb", MaxRSS: 200 * mib, MaxSeconds: 10,
			make: func(p string) error { return write(p, danglingProfile()) }},
		{Name: "count-overflow.pb.gz", What: "goroutine profile whose counts sum past MaxInt64",
			Exit: 0, MaxRSS: 200 * mib, MaxSeconds: 10,
			make: func(p string) error { return write(p, gzBytes(overflowProfile())) }},
	}
}

// Generate writes every case's file into dir.
func Generate(dir string, cases []Case) error {
	for _, c := range cases {
		if err := c.make(filepath.Join(dir, c.Name)); err != nil {
			return fmt.Errorf("hostile: %s: %w", c.Name, err)
		}
	}
	return nil
}

func write(path string, data []byte) error { return os.WriteFile(path, data, 0o644) }

func gzBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func gz(b []byte) []byte { return gzBytes(b) }

// repeatMembers is a multi-member gzip stream of unit repeated n times:
// one member of unit×k (k so a member holds ~1 MiB) repeated, so a 1 GiB
// expansion is made from one 1 MiB compression.
func repeatMembers(unit []byte, n int) []byte {
	k := max(1, (1<<20)/len(unit))
	k = min(k, n)
	member := gzBytes(bytes.Repeat(unit, k))
	var b bytes.Buffer
	for done := 0; done < n; done += k {
		if n-done < k {
			member = gzBytes(bytes.Repeat(unit, n-done))
		}
		b.Write(member)
	}
	return b.Bytes()
}

func zeroMembers(n int) []byte { return repeatMembers(make([]byte, 4096), n/4096) }

// deflateBomb is a bundle whose entry name holds unit repeated to total
// bytes, deflated for real (zip entries are one deflate stream), at the
// fastest level: about a second per 300 MiB.
func deflateBomb(name string, unit []byte, total int) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) { return flate.NewWriter(out, flate.BestSpeed) })
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	chunk := bytes.Repeat(unit, max(1, (1<<20)/len(unit)))
	for done := 0; done < total; done += len(chunk) {
		w.Write(chunk)
	}
	zw.Close()
	return b.Bytes()
}

type entry struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

func manifest(name, kind string, n int) []byte {
	m := struct {
		Schema  int     `json:"schema"`
		Entries []entry `json:"entries"`
	}{Schema: 1}
	for range n {
		m.Entries = append(m.Entries, entry{name, kind})
	}
	b, _ := json.Marshal(m)
	return b
}

func bundleZip(files map[string][]byte, manifestJSON []byte) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	for _, n := range sortStrings(names) {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		w.Write(files[n])
	}
	if manifestJSON != nil {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate})
		w.Write(manifestJSON)
	}
	zw.Close()
	return b.Bytes()
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// Protobuf encoding, just what profile.proto needs (field numbers from
// github.com/google/pprof/proto/profile.proto).
func key(field, wire int) []byte { return binary.AppendUvarint(nil, uint64(field<<3|wire)) }

func varintField(field int, v uint64) []byte {
	return append(key(field, 0), binary.AppendUvarint(nil, v)...)
}

func bytesField(field int, b []byte) []byte {
	out := append(key(field, 2), binary.AppendUvarint(nil, uint64(len(b)))...)
	return append(out, b...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// goroutineProfile is a goroutine profile with the given samples (each
// already encoded) and strings table.
func goroutineProfile(samples [][]byte, extra ...[]byte) []byte {
	strs := []string{"", "goroutine", "count", "main.f", "/a.go"}
	var out []byte
	out = append(out, bytesField(1, cat(varintField(1, 1), varintField(2, 2)))...) // sample_type goroutine/count
	for _, s := range samples {
		out = append(out, bytesField(2, s)...)
	}
	for _, e := range extra {
		out = append(out, e...)
	}
	for _, s := range strs {
		out = append(out, bytesField(6, []byte(s))...)
	}
	out = append(out, bytesField(11, cat(varintField(1, 1), varintField(2, 2)))...) // period_type
	out = append(out, varintField(12, 1)...)                                        // period
	return out
}

func danglingProfile() []byte {
	// Sample → location 99 (absent); location 1 → function 77 (absent).
	sample := cat(varintField(1, 99), varintField(2, 5))
	loc := bytesField(4, cat(varintField(1, 1), bytesField(4, cat(varintField(1, 77), varintField(2, 3)))))
	return goroutineProfile([][]byte{sample}, loc)
}

func overflowProfile() []byte {
	fn := bytesField(5, cat(varintField(1, 1), varintField(2, 3), varintField(3, 3), varintField(4, 4)))
	loc := bytesField(4, cat(varintField(1, 1), bytesField(4, cat(varintField(1, 1), varintField(2, 3)))))
	var samples [][]byte
	for range 4 {
		samples = append(samples, cat(varintField(1, 1), varintField(2, math.MaxInt64)))
	}
	return goroutineProfile(samples, loc, fn)
}

// Names returns the case names, for messages.
func Names(cases []Case) string {
	var n []string
	for _, c := range cases {
		n = append(n, c.Name)
	}
	return strings.Join(n, ", ")
}
