package stack

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"
)

// pastes are the ways a dump reaches gdiag after people and log pipelines
// have handled it: pasted into an issue or a chat (tabs turned into spaces,
// the whole dump indented as a quote or code block), collected by a log
// shipper (every line stamped with a time that changes, or a journald
// prefix), or written as one escaped log field (Docker's SIGUSR1 dump).
// Each turns the runtime's own output into what the pasted form looks like.
//
// skip names the dumps a paste does not apply to: Docker escapes debug=2
// text, never a debug=1 profile; and a crash log whose frames other output
// cut in two is read by its tab-indented file lines, which tabs turned into
// spaces no longer tell from the noise.
var pastes = []struct {
	name string
	fn   func(data []byte) []byte
	skip func(file string, data []byte) bool
}{
	{name: "tabs-as-spaces", fn: func(d []byte) []byte { return bytes.ReplaceAll(d, []byte("\t"), []byte("    ")) },
		skip: func(file string, _ []byte) bool { return strings.Contains(file, "noisy") }},
	{name: "quoted-indented", fn: func(d []byte) []byte { return prefixLines(d, func(int) string { return "    " }) }},
	{name: "ci-timestamps", fn: func(d []byte) []byte {
		return prefixLines(d, func(i int) string {
			return fmt.Sprintf("2026-11-30T06:%02d:%02d.%07dZ ", 17+i/3600%40, i/60%60, 1234567+i*7919%8765432)
		})
	}},
	{name: "journald", fn: func(d []byte) []byte {
		return prefixLines(d, func(i int) string { return fmt.Sprintf("Nov 30 06:17:%02d web-7 checkout[4242]: ", i%60) })
	}},
	{name: "escaped-log-field", fn: func(d []byte) []byte {
		esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`).Replace(string(d))
		return []byte(`time="2026-11-30T06:17:33Z" level=info msg="=== BEGIN goroutine stack dump ===\n` + esc + `\n=== END goroutine stack dump ==="` + "\n")
	}, skip: func(_ string, d []byte) bool { return bytes.Contains(d[:min(len(d), 64)], []byte(" profile: total ")) }},
	// Encodings and bytes that editors, terminals and log pipelines add.
	{name: "utf8-bom", fn: func(d []byte) []byte { return append([]byte("\xef\xbb\xbf"), d...) }},
	{name: "utf16le-bom", fn: func(d []byte) []byte { return utf16Bytes(d, binary.LittleEndian, true) }},
	{name: "utf16be-bom", fn: func(d []byte) []byte { return utf16Bytes(d, binary.BigEndian, true) }},
	{name: "utf16le", fn: func(d []byte) []byte { return utf16Bytes(d, binary.LittleEndian, false) }},
	{name: "crlf", fn: func(d []byte) []byte { return bytes.ReplaceAll(d, []byte("\n"), []byte("\r\n")) }, skip: hasCR},
	{name: "cr-only", fn: func(d []byte) []byte { return bytes.ReplaceAll(d, []byte("\n"), []byte("\r")) }, skip: hasCR},
	{name: "ansi-colour", fn: colourLines},
	{name: "nul-bytes", fn: func(d []byte) []byte {
		// A log file truncated in place by logrotate's copytruncate starts
		// with a block of NULs; stray NULs follow where writers raced.
		var b bytes.Buffer
		b.Write(make([]byte, 4096))
		for i := 0; i < len(d); i += 997 {
			b.Write(d[i:min(i+997, len(d))])
			b.WriteByte(0)
		}
		return b.Bytes()
	}},
	{name: "no-final-newline", fn: func(d []byte) []byte { return bytes.TrimRight(d, "\r\n") }},
	{name: "stray-lines", fn: strayLines, skip: func(file string, _ []byte) bool { return strings.Contains(file, "debug1") }},
}

// hasCR skips inputs that already have CR line ends.
func hasCR(_ string, d []byte) bool { return bytes.IndexByte(d, '\r') >= 0 }

// utf16Bytes encodes d as UTF-16, as PowerShell's redirection writes it
// (with a byte order mark) or without one.
func utf16Bytes(d []byte, order binary.AppendByteOrder, bom bool) []byte {
	var b []byte
	if bom {
		b = order.AppendUint16(b, 0xfeff)
	}
	for _, u := range utf16.Encode([]rune(string(d))) {
		b = order.AppendUint16(b, u)
	}
	return b
}

// colourLines colours goroutine headers and "created by" lines with ANSI
// escapes, as a terminal log viewer or a CI log does.
func colourLines(d []byte) []byte {
	var b bytes.Buffer
	for _, line := range bytes.SplitAfter(d, []byte("\n")) {
		switch {
		case bytes.HasPrefix(line, []byte("goroutine ")):
			b.WriteString("\x1b[1;31m")
			b.Write(bytes.TrimRight(line, "\n"))
			b.WriteString("\x1b[0m\n")
		case bytes.HasPrefix(line, []byte("created by ")):
			b.WriteString("\x1b[2m\x1b]8;;https://example.com\x07")
			b.Write(line)
		default:
			b.Write(line)
		}
	}
	return b.Bytes()
}

// strayLines writes a log line from another writer between the function
// line and the file line of every 7th frame, and a tab-indented one after
// some goroutines' last frame.
func strayLines(d []byte) []byte {
	var b bytes.Buffer
	lines := bytes.SplitAfter(d, []byte("\n"))
	n := 0
	for i, line := range lines {
		b.Write(line)
		if i+1 < len(lines) && len(line) > 1 && line[0] != '\t' && line[0] != ' ' && bytes.HasPrefix(lines[i+1], []byte("\t/")) {
			if n++; n%7 == 0 {
				fmt.Fprintf(&b, "2026/12/05 16:37:%02d worker %d: retrying batch\n", n%60, n)
			}
		}
	}
	return b.Bytes()
}

// prefixLines puts pre(i) before every non-empty line i of d.
func prefixLines(d []byte, pre func(i int) string) []byte {
	var b bytes.Buffer
	for i, line := range bytes.SplitAfter(d, []byte("\n")) {
		if len(bytes.TrimRight(line, "\n")) > 0 {
			b.WriteString(pre(i))
		}
		b.Write(line)
	}
	return b.Bytes()
}

// pastedView is what must survive a paste: everything the golden summary
// holds except line numbers (an escaped dump gains a line before the first
// header) and the error text (it quotes them).
func pastedView(s *Snapshot, err error) goldenSnapshot {
	v := summarize(s, err)
	v.Error = ""
	for i := range v.Goroutines {
		v.Goroutines[i].Line = 0
	}
	return v
}

// TestPasted parses every real dump in testdata in each pasted form and
// requires the same goroutines, states, waits, operations, frames,
// creators and labels as the runtime's own output.
func TestPasted(t *testing.T) {
	for _, file := range testdataDumps(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		orig, operr := Parse(bytes.NewReader(data), ParseOptions{Workers: 1})
		want := pastedView(orig, operr)
		for _, p := range pastes {
			if p.skip != nil && p.skip(file, data) {
				continue
			}
			t.Run(filepath.Base(file)+"/"+p.name, func(t *testing.T) {
				s, perr := Parse(bytes.NewReader(p.fn(data)), ParseOptions{Workers: 2})
				if got := pastedView(s, perr); !reflect.DeepEqual(got, want) {
					t.Errorf("pasted as %s, the dump reads differently:\n got %+v\nwant %+v\n(error %v, unpasted error %v)",
						p.name, brief(got), brief(want), perr, operr)
				}
			})
		}
	}
}

// TestPastedDebug1: a pprof debug=1 profile pasted into Markdown loses the
// '#' that starts its frame lines (it would make them headings) and its
// tabs; the records and frames read the same.
func TestPastedDebug1(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "debug1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	orig, operr := Parse(bytes.NewReader(data), ParseOptions{})
	want := pastedView(orig, operr)
	tests := []struct {
		name string
		give []byte
	}{
		{"no-hash", bytes.ReplaceAll(data, []byte("\n#\t"), []byte("\n\t"))},
		{"spaces", bytes.ReplaceAll(data, []byte("\t"), []byte("    "))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, perr := Parse(bytes.NewReader(tt.give), ParseOptions{})
			if got := pastedView(s, perr); !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v\nwant %+v\n(error %v)", brief(got), brief(want), perr)
			}
		})
	}
}

// brief keeps a failure message readable: the counts and the first
// goroutine.
func brief(v goldenSnapshot) string {
	s := fmt.Sprintf("total %d records %d stacks %d skipped %d truncated %v", v.Total, v.Records, v.Stacks, v.Skipped, v.Truncated)
	if len(v.Goroutines) > 0 {
		s += fmt.Sprintf(" first %+v", v.Goroutines[0])
	}
	return s
}
