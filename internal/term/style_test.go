package term

import (
	"strings"
	"testing"
)

func env(kv ...string) func(string) string {
	return func(k string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == k {
				return kv[i+1]
			}
		}
		return ""
	}
}

func TestWidth(t *testing.T) {
	for _, tc := range []struct {
		name string
		tty  int
		env  func(string) string
		want int
	}{
		{"terminal wins", 132, env("COLUMNS", "80"), 132},
		{"COLUMNS", 0, env("COLUMNS", "80"), 80},
		{"COLUMNS padded", 0, env("COLUMNS", " 90\n"), 90},
		{"COLUMNS bad", 0, env("COLUMNS", "wide"), DefaultWidth},
		{"COLUMNS zero", 0, env("COLUMNS", "0"), DefaultWidth},
		{"nothing", 0, env(), DefaultWidth},
		{"nil getenv", 0, nil, DefaultWidth},
	} {
		if got := Width(tc.tty, tc.env); got != tc.want {
			t.Errorf("%s: Width = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestUseColor(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode string
		tty  bool
		env  func(string) string
		want bool
	}{
		{"auto tty", "auto", true, env("TERM", "xterm-256color"), true},
		{"auto pipe", "auto", false, env("TERM", "xterm"), false},
		{"auto NO_COLOR", "auto", true, env("NO_COLOR", "1"), false},
		{"auto empty NO_COLOR", "auto", true, env("NO_COLOR", ""), true},
		{"auto dumb", "auto", true, env("TERM", "dumb"), false},
		{"always pipe", "always", false, env("NO_COLOR", "1"), true},
		{"never tty", "never", true, env(), false},
		{"upper case", "NEVER", true, env(), false},
	} {
		var m ColorMode
		if err := m.Set(tc.mode); err != nil {
			t.Fatal(err)
		}
		if got := UseColor(m, tc.tty, tc.env); got != tc.want {
			t.Errorf("%s: UseColor = %v, want %v", tc.name, got, tc.want)
		}
	}
	var m ColorMode
	if err := m.Set("sometimes"); err == nil || !strings.Contains(err.Error(), "auto, always or never") {
		t.Errorf("Set(sometimes) = %v, want an error listing the modes", err)
	}
}

func TestPaint(t *testing.T) {
	on, off := Painter{On: true}, Painter{}
	if got := off.Paint(Red, "x"); got != "x" {
		t.Errorf("off: %q", got)
	}
	got := on.Paint(BoldRed, "CRITICAL")
	if got != "\x1b[1;31mCRITICAL\x1b[0m" {
		t.Errorf("on: %q", got)
	}
	if v := Visible("a " + got + " b"); v != "a CRITICAL b" {
		t.Errorf("Visible = %q", v)
	}
	if on.Paint(Red, "") != "" {
		t.Error("painting nothing wrote escapes")
	}
}
