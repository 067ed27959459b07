package term

import "testing"

func TestSanitize(t *testing.T) {
	for _, tc := range []struct{ give, want, wantLines string }{
		{"heap.pb.gz", "heap.pb.gz", "heap.pb.gz"},
		{"naïve 日本\tx", "naïve 日本\tx", "naïve 日本\tx"},
		{"\x1b]0;pwned\x07x", `\x1b]0;pwned\ax`, `\x1b]0;pwned\ax`},
		{"a\nb\r", `a\nb\r`, "a\nb\\r"},
		{"evil\u202egpj.exe", `evil\u202egpj.exe`, `evil\u202egpj.exe`},
		{"\x9b31m", `\x9b31m`, `\x9b31m`}, // a lone C1 byte is invalid UTF-8
		{"\u009b31m", `\u009b31m`, `\u009b31m`},
		{"\x7f", `\x7f`, `\x7f`},
	} {
		if got := Sanitize(tc.give); got != tc.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tc.give, got, tc.want)
		}
		if got := SanitizeLines(tc.give); got != tc.wantLines {
			t.Errorf("SanitizeLines(%q) = %q, want %q", tc.give, got, tc.wantLines)
		}
	}
	if n := testing.AllocsPerRun(10, func() { Sanitize("clean text") }); n != 0 {
		t.Errorf("clean text allocates %v times", n)
	}
}
