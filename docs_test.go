package gdiag_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// mdLink matches an inline Markdown link or image: [text](target).
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// mdDoc is what the link check needs of one Markdown file.
type mdDoc struct {
	links   []mdRef         // outside code fences and code spans
	anchors map[string]bool // GitHub's heading anchors
}

type mdRef struct {
	line   int
	target string
}

// readMarkdown collects the links and heading anchors of a Markdown file.
func readMarkdown(t *testing.T, path string) mdDoc {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc := mdDoc{anchors: map[string]bool{}}
	seen := map[string]int{}
	fence := false
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			continue
		}
		if fence {
			continue
		}
		if h, ok := strings.CutPrefix(line, "#"); ok {
			a := anchor(strings.TrimLeft(h, "#"))
			if k := seen[a]; k > 0 {
				doc.anchors[a+"-"+strconv.Itoa(k)] = true
			} else {
				doc.anchors[a] = true
			}
			seen[a]++
		}
		for _, m := range mdLink.FindAllStringSubmatchIndex(stripCodeSpans(line), -1) {
			doc.links = append(doc.links, mdRef{n, stripCodeSpans(line)[m[2]:m[3]]})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

// stripCodeSpans blanks `code spans`, where brackets are not links.
func stripCodeSpans(line string) string {
	b := []byte(line)
	in := false
	for i, c := range b {
		if c == '`' {
			in = !in
			continue
		}
		if in {
			b[i] = ' '
		}
	}
	return string(b)
}

// anchor is GitHub's anchor for a heading: lower case, spaces to hyphens,
// punctuation other than hyphens and underscores dropped.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestDocLinks fails on a relative link in README.md or docs/*.md whose
// file does not exist, or whose #anchor names no heading of its target.
func TestDocLinks(t *testing.T) {
	files, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{"README.md"}, files...)
	docs := map[string]mdDoc{}
	load := func(path string) mdDoc {
		d, ok := docs[path]
		if !ok {
			d = readMarkdown(t, path)
			docs[path] = d
		}
		return d
	}
	checked := 0
	for _, file := range files {
		for _, l := range load(file).links {
			if strings.Contains(l.target, "://") || strings.HasPrefix(l.target, "mailto:") {
				continue
			}
			checked++
			target, frag, _ := strings.Cut(l.target, "#")
			path := file
			if target != "" {
				path = filepath.Join(filepath.Dir(file), filepath.FromSlash(target))
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s:%d: link %s: %v", file, l.line, l.target, err)
					continue
				}
			}
			if frag != "" && strings.HasSuffix(path, ".md") && !load(path).anchors[frag] {
				t.Errorf("%s:%d: link %s: %s has no heading with anchor #%s", file, l.line, l.target, path, frag)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d relative links checked in %d files: the link parser is broken", checked, len(files))
	}
}

func TestAnchor(t *testing.T) {
	tests := []struct{ give, want string }{
		{"Limits on hostile input", "limits-on-hostile-input"},
		{"Tests: `leaks/leaktest`", "tests-leaksleaktest"},
		{"Validation: predictions against the real runtime", "validation-predictions-against-the-real-runtime"},
		{"`pool.Pool[T]`: a typed, instrumented `sync.Pool`", "poolpoolt-a-typed-instrumented-syncpool"},
		{"Pool and heap findings", "pool-and-heap-findings"},
	}
	for _, tt := range tests {
		if got := anchor(tt.give); got != tt.want {
			t.Errorf("anchor(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}
