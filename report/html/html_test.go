package html_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/report"
	"github.com/gdiag/gdiag/report/html"
	"github.com/gdiag/gdiag/report/internal/sample"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; rerun with -update if the change is intended.\n--- got ---\n%s", name, got)
	}
}

func TestGolden(t *testing.T) {
	r := sample.Report()
	r.Sort()
	var b bytes.Buffer
	if err := html.Write(&b, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "sample.html", b.Bytes())
}

var (
	externalRef = regexp.MustCompile(`(?i)<[^>]*\s(src|href|action|poster|data|srcset)\s*=\s*["']?\s*(https?:)?//`)
	cssURL      = regexp.MustCompile(`(?i)url\(|@import`)
)

func TestHTMLSelfContained(t *testing.T) {
	for _, r := range []*report.Report{sample.Report(), sample.Hostile(), {}} {
		var b bytes.Buffer
		if err := html.Write(&b, r); err != nil {
			t.Fatal(err)
		}
		page := b.String()
		if m := externalRef.FindString(page); m != "" {
			t.Errorf("external reference %q in HTML", m)
		}
		if m := cssURL.FindString(page); m != "" {
			t.Errorf("CSS fetch %q in HTML", m)
		}
		if strings.Contains(strings.ToLower(page), "<script") || strings.Contains(strings.ToLower(page), "<link") {
			t.Error("HTML contains a <script> or <link> element")
		}
		if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.HasSuffix(page, "</html>\n") {
			t.Error("HTML is not one complete document")
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := html.Write(&b, sample.Hostile()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script>", "<img", "<iframe", "<b>bold", "<style>body", `href="javascript:`, "<th><th>", "onerror=alert(1)>"} {
		if strings.Contains(page, bad) {
			t.Errorf("HTML contains unescaped %q", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;b&gt;bold&lt;/b&gt;"} {
		if !strings.Contains(page, good) {
			t.Errorf("HTML lacks the escaped text %q", good)
		}
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriteError(t *testing.T) {
	err := html.Write(errWriter{}, sample.Report())
	if want := "report: writing html: "; err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("error = %v, want prefix %q and the cause", err, want)
	}
}
