package benchmarks

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

var big = flag.Bool("gdiag.big", false, "also benchmark (and generate if absent) the 100k and 1M goroutine dumps; or set GDIAG_BIG=1")

// size is one dump size of the sweep.
type size struct {
	label string
	n     int  // workload goroutines started by gendump
	big   bool // only with -gdiag.big or GDIAG_BIG=1
}

var sizes = []size{
	{"1k", 1_000, false},
	{"10k", 10_000, false},
	{"100k", 100_000, true},
	{"1M", 1_000_000, true},
}

func bigEnabled() bool {
	v, _ := strconv.ParseBool(os.Getenv("GDIAG_BIG"))
	return *big || v
}

// generatedDir is where dumps are generated; it is git-ignored.
const generatedDir = "testdata/generated"

var gendump struct {
	once sync.Once
	path string
	err  error
}

// buildGendump builds cmd/gendump once per test process.
func buildGendump(tb testing.TB) string {
	gendump.once.Do(func() {
		dir, err := os.MkdirTemp("", "gendump")
		if err != nil {
			gendump.err = err
			return
		}
		gendump.path = filepath.Join(dir, "gendump")
		cmd := exec.Command(goTool(), "build", "-o", gendump.path, "./cmd/gendump")
		if out, err := cmd.CombinedOutput(); err != nil {
			gendump.err = fmt.Errorf("go build ./cmd/gendump: %w\n%s", err, out)
		}
	})
	if gendump.err != nil {
		tb.Fatal(gendump.err)
	}
	return gendump.path
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// dumpFile returns the dump of sz goroutines, generating it with gendump
// (seed 1, the defaults) when it is absent.
func dumpFile(tb testing.TB, sz size) string {
	tb.Helper()
	path := filepath.Join(generatedDir, sz.label+".txt")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if sz.big && !bigEnabled() {
		tb.Skipf("%s is absent; generate it with -gdiag.big or GDIAG_BIG=1 (or go run ./cmd/gendump -n %d -o %s)", path, sz.n, path)
	}
	tmp := path + ".tmp"
	runGendump(tb, "-n", strconv.Itoa(sz.n), "-o", tmp)
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	return path
}

// runGendump runs gendump with args and logs what it reports.
func runGendump(tb testing.TB, args ...string) {
	tb.Helper()
	cmd := exec.Command(buildGendump(tb), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("gendump %v: %v\n%s", args, err, stderr.String())
	}
	tb.Logf("%s", bytes.TrimSpace(stderr.Bytes()))
}

// headerCount counts the goroutine header lines of a text dump: the ground
// truth every parser must reach.
func headerCount(data []byte) int {
	n := 0
	for line := range bytes.Lines(data) {
		// Go 1.27 prints labels after the bracket: "... [chan receive] {k: v}:".
		l := bytes.TrimRight(line, "\n")
		if bytes.HasPrefix(l, []byte("goroutine ")) && (bytes.HasSuffix(l, []byte("]:")) || bytes.Contains(l, []byte("] {")) && bytes.HasSuffix(l, []byte("}:"))) {
			n++
		}
	}
	return n
}
