package stack

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// wrappedDumps lists the real wrapped dumps in testdata/wrapped.
func wrappedDumps(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "wrapped", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/wrapped/*.txt (%v)", err)
	}
	return files
}

// unwrapIndependently takes the dump out of a wrapped file with the
// standard library, line by line, without package stack's unwrapping: the
// JSON fields a record carries the dump in, or the timestamp before the
// first space.
func unwrapIndependently(t *testing.T, name string, data []byte) []byte {
	if name == "gotest_tlog.txt" {
		// The generator wrote the dump it logged to testlog.raw.
		raw, err := os.ReadFile(filepath.Join("testdata", "wrapped", "testlog.raw"))
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if strings.HasPrefix(name, "slogtext") {
			// log/slog's TextHandler: the dump is the last attribute
			// (stack=) or the message (msg=, then nothing).
			for _, key := range []string{" stack=", " msg="} {
				_, v, ok := bytes.Cut(line, []byte(key))
				if !ok || name == "slogtextline.txt" && key == " stack=" {
					continue
				}
				s := string(v)
				if strings.HasPrefix(s, `"`) {
					q, err := strconv.QuotedPrefix(s)
					if err == nil {
						s, err = strconv.Unquote(q)
					}
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
				} else if i := strings.IndexByte(s, ' '); i >= 0 {
					s = s[:i]
				}
				out.WriteString(s + "\n")
				break
			}
			continue
		}
		if name == "kubectl.txt" {
			_, rest, _ := bytes.Cut(line, []byte(" "))
			out.Write(rest)
			out.WriteByte('\n')
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range []string{"Output", "log", "stack", "msg"} {
			if s, ok := rec[f].(string); ok {
				out.WriteString(s)
				if f != "Output" && !strings.HasSuffix(s, "\n") {
					out.WriteByte('\n')
				}
				break
			}
		}
	}
	return out.Bytes()
}

// TestWrapped parses each real wrapped dump (go test -json, slog JSON
// records, Docker's json-file log, kubectl timestamps) and requires what
// the same dump unwrapped by other means reads as: every goroutine, state,
// wait, frame, creator and label.
func TestWrapped(t *testing.T) {
	for _, file := range wrappedDumps(t) {
		name := filepath.Base(file)
		if name == "goleak.txt" {
			continue // not a dump: TestGoleakMessage
		}
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			raw := unwrapIndependently(t, name, data)
			want, werr := Parse(bytes.NewReader(raw), ParseOptions{Workers: 1})
			if want.Total < 5 {
				t.Fatalf("the independently unwrapped dump has %d goroutines (%v)", want.Total, werr)
			}
			got, gerr := Parse(bytes.NewReader(data), ParseOptions{Workers: 2})
			if g, w := pastedView(got, gerr), pastedView(want, werr); !reflect.DeepEqual(g, w) {
				t.Errorf("reads differently:\n got %+v\nwant %+v\n(error %v, unwrapped error %v)", brief(g), brief(w), gerr, werr)
			}
			if gerr != nil {
				t.Errorf("error %v", gerr)
			}
			labelled := 0
			for _, g := range got.Goroutines {
				if len(g.Labels) > 0 {
					labelled++
				}
			}
			if !strings.HasPrefix(name, "gotest") && labelled < 5 {
				t.Errorf("%d labelled goroutines", labelled)
			}
		})
	}
}

// TestWrappedTestJSON: the go test -json stream of a test binary that
// timed out yields the binary's goroutines, with the hung test's blocked
// goroutines and the panic reason.
func TestWrappedTestJSON(t *testing.T) {
	f, err := os.Open("testdata/wrapped/gotest_json.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := Parse(f, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Reason, "test timed out after 3s") || s.Format != FormatCrash {
		t.Errorf("reason %q, format %s", s.Reason, s.Format)
	}
	ops := map[Op]int{}
	for _, g := range s.Goroutines {
		ops[g.Op]++
	}
	if ops[OpChanReceive] < 4 || ops[OpMutex] != 1 {
		t.Errorf("operations %v, want ≥ 4 chan receive (3 + the hung test) and 1 mutex", ops)
	}
}

// TestParseLogfmt reads the records log/slog's TextHandler and logrus
// write, and refuses lines that are not key=value pairs: a goroutine
// header, a frame, a gctrace line.
func TestParseLogfmt(t *testing.T) {
	for _, tt := range []struct {
		line string
		want map[string]string
	}{
		{`time=2026-12-06T03:21:21.5Z level=ERROR msg="goroutine 1 [running]:"`,
			map[string]string{"time": "2026-12-06T03:21:21.5Z", "level": "ERROR", "msg": "goroutine 1 [running]:"}},
		{`level=error msg="a \"q\" b\tc\n" stack= k=v`,
			map[string]string{"level": "error", "msg": "a \"q\" b\tc\n", "stack": "", "k": "v"}},
		{`msg=main.main()`, map[string]string{"msg": "main.main()"}},
		{`goroutine 1 [running]:`, nil},
		{"\t/app/main.go:12 +0x1d", nil},
		{`gc 1 @0.012s 2%: 0.009+0.23+0.003 ms clock, 4->4->0 MB, 4 MB goal, 8 P`, nil},
		{`msg="unterminated`, nil},
		{`msg="a"b`, nil},
	} {
		got, ok := parseLogfmt([]byte(tt.line))
		if ok != (tt.want != nil) || !reflect.DeepEqual(got, tt.want) && tt.want != nil {
			t.Errorf("parseLogfmt(%q) = %v, %v; want %v", tt.line, got, ok, tt.want)
		}
	}
}

// TestGoleakMessage reads goleak's real failure message (go test -v
// output, goleak 1.3 on Go 1.27 with labels in the headers, which goleak
// keeps in the state): every goroutine it lists, with its state, top
// frame, creator and labels, and the snapshot says it came from goleak.
func TestGoleakMessage(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "wrapped", "goleak.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("found unexpected goroutines:")) {
		t.Fatal("goleak.txt holds no goleak failure")
	}
	var want []string // "id state top"
	for _, m := range regexp.MustCompile(`Goroutine (\d+) in state ([a-z ]+)\] \{handler: leaky\}, with (\S+) on top`).FindAllSubmatch(data, -1) {
		want = append(want, fmt.Sprintf("%s %s %s", m[1], m[2], m[3]))
	}
	if len(want) != 8 {
		t.Fatalf("goleak.txt lists %d goroutines, the generator leaks 8", len(want))
	}
	snap, err := Parse(bytes.NewReader(data), ParseOptions{})
	if err != nil {
		t.Errorf("error %v", err)
	}
	if !snap.Goleak {
		t.Error("Snapshot.Goleak not set")
	}
	var got []string
	for _, g := range snap.Goroutines {
		got = append(got, fmt.Sprintf("%d %s %s", g.ID, g.State, g.Stack.Frames[0].Func))
		if g.CreatedBy.Func != "example.com/testlog.start.func1" || len(g.Labels) != 1 || g.Labels[0] != (Label{"handler", "leaky"}) {
			t.Errorf("goroutine %d: created by %q, labels %v", g.ID, g.CreatedBy.Func, g.Labels)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read\n%q\nwant\n%q", got, want)
	}
}
