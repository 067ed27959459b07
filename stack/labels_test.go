package stack

import (
	"bytes"
	"reflect"
	"testing"
)

// TestHeaderLabels reads label sets as the runtimes print them in goroutine
// headers: Go 1.27 after the bracket (bare or quoted with printquoted's
// escapes), Go 1.26 inside it (always quoted).
func TestHeaderLabels(t *testing.T) {
	tests := []struct {
		give  string
		state string
		want  []Label
	}{
		{`goroutine 7 [chan send] {handler: checkout, "sku id": "a\"b"}:`, "chan send",
			[]Label{{"handler", "checkout"}, {"sku id", `a"b`}}},
		{`goroutine 7 [select, 3 minutes, locked to thread] {empty: , query: "a, b: {c} [d]"}:`, "select",
			[]Label{{"empty", ""}, {"query", "a, b: {c} [d]"}}},
		{`goroutine 7 [chan receive] {: "empty key", "caf\u00e9": "\u2615 \U0001f6d2", raw: "\xff\tx\ny"}:`, "chan receive",
			[]Label{{"", "empty key"}, {"café", "☕ \U0001F6D2"}, {"raw", "\xff\tx\ny"}}},
		{`goroutine 9 gp=0x1 m=nil [chan send (leaked)] {a: "}:"}:`, "chan send", []Label{{"a", "}:"}}},
		{`goroutine 9 [running labels:{"a": "]x", "b": "c"}]:`, "running", []Label{{"a", "]x"}, {"b", "c"}}},
		{`goroutine 9 [running]:`, "running", nil},
	}
	for _, tt := range tests {
		s, err := Parse(bytes.NewReader([]byte(tt.give+"\nmain.f()\n\t/a.go:1 +0x1\n")), ParseOptions{Workers: 1})
		if err != nil || len(s.Goroutines) != 1 {
			t.Errorf("%s: %d goroutines, err %v", tt.give, len(s.Goroutines), err)
			continue
		}
		g := s.Goroutines[0]
		if g.State != tt.state || !reflect.DeepEqual(g.Labels, tt.want) {
			t.Errorf("%s:\n got state %q labels %q\nwant state %q labels %q", tt.give, g.State, g.Labels, tt.state, tt.want)
		}
	}
}

// TestDuplicatePrints: GOTRACEBACK=crash prints a goroutine running on
// another thread as "stack unavailable", then in full from its thread; the
// full print is kept, once, at the place of the first. Separate crashes
// in one log (different g addresses) are not merged.
func TestDuplicatePrints(t *testing.T) {
	const in = "SIGQUIT: quit\n\n" +
		"goroutine 1 gp=0xa m=0 mp=0xb [running]:\n\tgoroutine running on other thread; stack unavailable\n\n" +
		"goroutine 2 gp=0xc m=nil [chan receive]:\nmain.g()\n\t/a.go:2 +0x1\n\n" +
		"goroutine 0 gp=0xd m=1 mp=0xe [idle]:\nruntime.futex()\n\t/f.s:1 +0x1\n\n" +
		"goroutine 1 gp=0xa m=0 mp=0xb [running]:\nmain.spin()\n\t/a.go:9 +0x1\nmain.main()\n\t/a.go:3 +0x1\n\n" +
		"goroutine 2 gp=0xf m=nil [chan receive]:\nmain.g()\n\t/a.go:2 +0x1\n"
	s, err := Parse(bytes.NewReader([]byte(in)), ParseOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != 3 || len(s.Goroutines) != 3 || len(s.SchedulerStacks) != 1 {
		t.Fatalf("total %d, %d records, %d scheduler stacks; want 3, 3, 1", s.Total, len(s.Goroutines), len(s.SchedulerStacks))
	}
	g := s.Goroutines[0]
	if g.ID != 1 || len(g.Stack.Frames) != 2 || g.Line != 3 {
		t.Errorf("goroutine 1: %d frames, line %d; want the full print at the first's line 3", len(g.Stack.Frames), g.Line)
	}
}
