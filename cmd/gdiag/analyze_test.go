package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/report"
)

// runCLI runs the gdiag command line in-process.
func analyzeCLI(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, bytes.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

const (
	stackData  = "../../stack/testdata/"
	debug2Dump = stackData + "debug2.txt" // 35 goroutines, 3 mix.worker, nil-channel leaks
	bigSample  = stackData + "big_mix.txt.gz"
)

// section returns the report section with the given id.
func section(t *testing.T, r *report.Report, id string) report.Section {
	t.Helper()
	for _, s := range r.Sections {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no section %q in the report", id)
	return report.Section{}
}

func readJSON(t *testing.T, s string) *report.Report {
	t.Helper()
	r, err := report.ReadJSON(strings.NewReader(s))
	if err != nil {
		t.Fatalf("output is not the JSON report: %v\n%s", err, s)
	}
	return r
}

// TestAnalyzeFlags runs `gdiag analyze` on real dumps with each flag and
// checks the exit code and what the report says.
func TestAnalyzeFlags(t *testing.T) {
	for _, tt := range []struct {
		name     string
		args     []string
		stdin    []byte
		wantCode int
		check    func(t *testing.T, stdout, stderr string)
	}{
		{"text report", []string{"-v", debug2Dump}, nil, exitOK, func(t *testing.T, stdout, stderr string) {
			for _, s := range []string{"== Goroutines ==", "35 goroutines in a text dump", "By blocking operation", "By wait time", "== Top goroutine buckets ==", "created by"} {
				if !strings.Contains(stdout, s) {
					t.Errorf("text report lacks %q", s)
				}
			}
			if stderr != "" {
				t.Errorf("stderr %q", stderr)
			}
		}},
		{"json and top", []string{"--format", "json", "--top", "3", debug2Dump}, nil, exitOK, func(t *testing.T, stdout, _ string) {
			r := readJSON(t, stdout)
			if len(r.Inputs) != 1 || r.Inputs[0].Kind != "goroutine-text" {
				t.Errorf("inputs %+v", r.Inputs)
			}
			top := section(t, r, "top-buckets")
			if len(top.Tables) == 0 || len(top.Tables[0].Rows) != 3 {
				t.Errorf("--top 3 listed %+v", top.Tables)
			}
		}},
		{"flags after the file", []string{debug2Dump, "--top", "2", "--format", "json"}, nil, exitOK, func(t *testing.T, stdout, _ string) {
			if rows := section(t, readJSON(t, stdout), "top-buckets").Tables[0].Rows; len(rows) != 2 {
				t.Errorf("--top 2 after the file listed %d rows", len(rows))
			}
		}},
		{"filter", []string{"--filter", `mix\.worker`, debug2Dump}, nil, exitOK, func(t *testing.T, stdout, _ string) {
			if !strings.Contains(stdout, `35 goroutines in a text dump; 3 match the filter`) {
				t.Errorf("filter summary missing:\n%s", stdout)
			}
		}},
		{"filter on Go 1.27 labels", []string{"--filter", `^sku id=a"b$`, stackData + "labels_go127.txt"}, nil, exitOK, func(t *testing.T, stdout, _ string) {
			if !strings.Contains(stdout, `32 goroutines in a text dump; 1 match the filter`) {
				t.Errorf("filter summary missing:\n%s", stdout)
			}
		}},
		{"similarity", []string{"--similarity", "top", "--top-frames", "3", "--format", "json", bigSample}, nil, exitOK, func(t *testing.T, stdout, _ string) {
			exact := bucketCount(t, runJSON(t, bigSample))
			top := bucketCount(t, readJSON(t, stdout))
			fn := bucketCount(t, runJSON(t, bigSample, "--similarity", "func"))
			if top >= exact/2 || top == 0 || fn > exact {
				t.Errorf("%d buckets by top 3 frames, %d by function, %d exact: want far fewer by top frames", top, fn, exact)
			}
		}},
		{"html to a file", []string{"--format", "html", "-o", "OUT", debug2Dump}, nil, exitOK, func(t *testing.T, stdout, _ string) {
			if stdout != "" {
				t.Errorf("stdout %q, want the report in the -o file", stdout)
			}
		}},
		{"stdin", []string{"-v", "-"}, mustRead(t, stackData+"deadlock.txt"), exitOK, func(t *testing.T, stdout, _ string) {
			if !strings.Contains(stdout, "all goroutines are asleep - deadlock!") {
				t.Errorf("stdin crash report lacks the crash reason:\n%s", stdout)
			}
		}},
		{"fail-on met", []string{"--fail-on", "critical", debug2Dump}, nil, exitFindings, nil},
		{"fail-on not met", []string{"--fail-on", "critical", stackData + "synctest.txt"}, nil, exitOK, nil},
		{"partly readable", []string{stackData + "crash_noisy_midline.txt"}, nil, exitOK, func(t *testing.T, stdout, stderr string) {
			if !strings.Contains(stderr, "warning: analyzer: "+stackData+"crash_noisy_midline.txt: stack: line 92:") {
				t.Errorf("stderr does not warn with the file and line: %q", stderr)
			}
			if !strings.Contains(stdout, "24 goroutines in a crash dump") {
				t.Errorf("partial result not reported:\n%s", stdout)
			}
		}},
		{"no files", nil, nil, exitUsage, wantStderr("no input files")},
		{"unknown flag", []string{"--nope", debug2Dump}, nil, exitUsage, wantStderr("flag provided but not defined: -nope")},
		{"bad filter", []string{"--filter", "(", debug2Dump}, nil, exitUsage, wantStderr("--filter")},
		{"bad similarity", []string{"--similarity", "fuzzy", debug2Dump}, nil, exitUsage, wantStderr(`unknown similarity "fuzzy"`)},
		{"bad format", []string{"--format", "xml", debug2Dump}, nil, exitUsage, wantStderr(`unknown format "xml"`)},
		{"bad severity", []string{"--fail-on", "urgent", debug2Dump}, nil, exitUsage, wantStderr("--fail-on")},
		{"missing file", []string{"nope.txt"}, nil, exitUsage, wantStderr("nope.txt")},
		{"unrecognized file", []string{"../../go.mod"}, nil, exitUsage, wantStderr("go.mod: unrecognized input")},
		{"one good one missing", []string{debug2Dump, "nope.txt"}, nil, exitUsage, func(t *testing.T, stdout, stderr string) {
			if !strings.Contains(stderr, "nope.txt") || !strings.Contains(stdout, "35 goroutines") {
				t.Errorf("want the report of the readable file and an error naming the other; stdout %d bytes, stderr %q", len(stdout), stderr)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"analyze"}, tt.args...)
			out := filepath.Join(t.TempDir(), "report.html")
			for i, a := range args {
				if a == "OUT" {
					args[i] = out
				}
			}
			code, stdout, stderr := analyzeCLI(t, tt.stdin, args...)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d\nstderr: %s", code, tt.wantCode, stderr)
			}
			if tt.check != nil {
				tt.check(t, stdout, stderr)
			}
			if tt.name == "html to a file" {
				b, err := os.ReadFile(out)
				if err != nil || !bytes.Contains(b, []byte("<html")) || !bytes.Contains(b, []byte("35 goroutines")) {
					t.Errorf("-o file is not the HTML report (%v): %.200s", err, b)
				}
			}
		})
	}
}

func wantStderr(s string) func(t *testing.T, stdout, stderr string) {
	return func(t *testing.T, _, stderr string) {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr %q does not contain %q", stderr, s)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func runJSON(t *testing.T, file string, flags ...string) *report.Report {
	t.Helper()
	code, stdout, stderr := analyzeCLI(t, nil, append(append([]string{"analyze", "--format", "json"}, flags...), file)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	return readJSON(t, stdout)
}

// bucketCount reads "N buckets at similarity …" from the top-buckets notes.
func bucketCount(t *testing.T, r *report.Report) int {
	t.Helper()
	for _, n := range section(t, r, "top-buckets").Notes {
		if f := strings.Fields(n); len(f) > 2 && f[1] == "buckets" {
			v, err := strconv.Atoi(strings.ReplaceAll(f[0], ",", ""))
			if err == nil {
				return v
			}
		}
	}
	t.Fatalf("no bucket count in %+v", section(t, r, "top-buckets").Notes)
	return 0
}

// TestAnalyzeShippedSample runs the README's command on the sample dump in
// the repository: a real 3,259-goroutine dump blocked for over a minute.
func TestAnalyzeShippedSample(t *testing.T) {
	r := runJSON(t, bigSample)
	if len(r.Inputs) != 1 || r.Inputs[0].Detail != "3,259 goroutines (text)" {
		t.Fatalf("inputs %+v", r.Inputs)
	}
	if len(r.Findings) == 0 || r.Findings[0].Severity != report.SeverityCritical {
		t.Errorf("no critical finding first in the sample: %d findings", len(r.Findings))
	}
	waits := section(t, r, "goroutine-summary")
	found := false
	for _, tab := range waits.Tables {
		for _, row := range tab.Rows {
			if len(row) > 1 && row[0] == "1–5 min" && row[1] == "3,256" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("wait-time table lacks the 3,256 goroutines blocked 1–5 min: %+v", waits.Tables)
	}
	// The same bytes uncompressed from stdin give the same report.
	zr, err := gzip.NewReader(bytes.NewReader(mustRead(t, bigSample)))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := analyzeCLI(t, raw, "analyze", "--format", "json", "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r2 := readJSON(t, stdout)
	if len(r2.Findings) != len(r.Findings) || bucketCount(t, r2) != bucketCount(t, r) {
		t.Errorf("stdin: %d findings, %d buckets; file: %d findings, %d buckets", len(r2.Findings), bucketCount(t, r2), len(r.Findings), bucketCount(t, r))
	}
}
