package stack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFormats checks, on the real dumps in testdata, the one thing each file
// is there for, so that a golden rewritten with -update cannot silently lose
// a format.
func TestFormats(t *testing.T) {
	type check func(s *Snapshot, err error) string
	some := func(desc string, pred func(g *Goroutine) bool) check {
		return func(s *Snapshot, _ error) string {
			for i := range s.Goroutines {
				if pred(&s.Goroutines[i]) {
					return ""
				}
			}
			return "no goroutine " + desc
		}
	}
	noErr := func(s *Snapshot, err error) string {
		if err != nil {
			return "error: " + err.Error()
		}
		return ""
	}
	format := func(f Format) check {
		return func(s *Snapshot, _ error) string {
			if s.Format != f {
				return "format " + s.Format.String() + ", want " + f.String()
			}
			return ""
		}
	}
	reason := func(want string) check {
		return func(s *Snapshot, _ error) string {
			if !strings.HasPrefix(s.Reason, want) {
				return "reason " + s.Reason + ", want prefix " + want
			}
			return ""
		}
	}
	total := func(want int) check {
		return func(s *Snapshot, _ error) string {
			if s.Total != want {
				return "total " + itoa(s.Total) + ", want " + itoa(want)
			}
			return ""
		}
	}
	frameIn := func(desc string, pred func(f Frame) bool) check {
		return some(desc, func(g *Goroutine) bool {
			for _, f := range g.Stack.Frames {
				if pred(f) {
					return true
				}
			}
			return false
		})
	}
	for _, tt := range []struct {
		name string
		give string
		want []check
	}{
		{"runtime.Stack", "runtime_stack.txt", []check{noErr, format(FormatText),
			some("locked to thread", func(g *Goroutine) bool { return g.Flags&FlagLockedToThread != 0 }),
			some("with 52 frames elided", func(g *Goroutine) bool { return g.Stack.Elided == 52 && len(g.Stack.Frames) == 100 }),
			some("created by … in goroutine 1", func(g *Goroutine) bool { return g.ParentID == 1 && g.CreatedBy.Line > 0 }),
			some("in select (no cases)", func(g *Goroutine) bool { return g.Op == OpSelectNoCases }),
			some("sending on a nil channel", func(g *Goroutine) bool { return g.Op == OpChanSendNil }),
		}},
		{"debug=2", "debug2.txt", []check{noErr, format(FormatText),
			some("in network IO", func(g *Goroutine) bool { return g.Op == OpNetIO })}},
		{"debug=1", "debug1.txt", []check{noErr, format(FormatDebug1),
			some("aggregated with a count", func(g *Goroutine) bool { return g.Count >= 5 && g.ID == 0 }),
			some("with labels", func(g *Goroutine) bool { return len(g.Labels) == 2 && g.Labels[0].Key == "handler" })}},
		{"tracebacklabels", "labels_tracebacklabels.txt", []check{noErr,
			some("with a quoted label value", func(g *Goroutine) bool {
				return len(g.Labels) == 1 && g.Labels[0] == Label{"query", "name=\"x\"\nlimit 1"}
			}),
			some("labelled and blocked", func(g *Goroutine) bool { return len(g.Labels) == 2 && g.Op == OpChanReceive })}},
		{"ancestors", "ancestors.txt", []check{format(FormatCrash), reason("all goroutines are asleep - deadlock!"),
			some("with two ancestors", func(g *Goroutine) bool { return len(g.Ancestors) >= 2 && len(g.Ancestors[0].Stack.Frames) > 0 })}},
		{"synctest", "synctest.txt", []check{noErr,
			some("durable in bubble 1", func(g *Goroutine) bool { return g.Flags&FlagDurable != 0 && g.Bubble == 1 })}},
		{"wait minutes", "waitminutes.txt", []check{noErr,
			some("waiting 2 minutes", func(g *Goroutine) bool { return g.Wait == 2*time.Minute && g.Op == OpChanSend }),
			some("waiting 2 minutes locked to thread", func(g *Goroutine) bool {
				return g.Wait == 2*time.Minute && g.Flags&FlagLockedToThread != 0
			})}},
		{"deadlock", "deadlock.txt", []check{noErr, format(FormatCrash), reason("all goroutines are asleep - deadlock!"), total(5),
			some("in Cond.Wait", func(g *Goroutine) bool { return g.Op == OpCond })}},
		{"panic", "crash_panic.txt", []check{noErr, format(FormatCrash), reason("order 7 has no items"),
			frameIn("main.die with {0x…?, 0x4?} arguments", func(f Frame) bool { return f.Func == "main.die" && f.Line == 119 })}},
		{"nested panic", "crash_nested.txt", []check{noErr, reason("connection reset by peer [recovered]")}},
		{"error panic", "crash_error.txt", []check{noErr, reason(`query "SELECT * FROM orders"`)}},
		{"noise between goroutines", "crash_noisy_between.txt", []check{noErr, total(24)}},
		{"noise inside a goroutine", "crash_noisy_inside.txt", []check{total(24), lineErrs(173)}},
		{"noise cutting lines", "crash_noisy_midline.txt", []check{total(24), lineErrs(92, 116),
			frameIn("cut after its arguments opened", func(f Frame) bool { return f.Func == "sync.runtime_SemacquireRWMutex" && f.Line == 105 }),
			frameIn("cut after its line number", func(f Frame) bool { return strings.HasSuffix(f.File, "/mix.go") && f.Line == 132 })}},
		{"GOTRACEBACK=system", "crash_gotraceback_system.txt", []check{noErr, reason("runtime error: invalid memory address"),
			some("with m=0", func(g *Goroutine) bool { return g.HasM && g.M == 0 && g.ID == 1 }),
			some("system goroutine", func(g *Goroutine) bool { return g.Flags&FlagSystem != 0 && g.Op == OpGC })}},
		{"GOTRACEBACK=crash", "crash_gotraceback_crash.txt", []check{noErr, reason("SIGQUIT: quit"), uniqueIDs,
			noSched, sched(5)}},
		{"Go 1.27 labels", "labels_go127.txt", []check{noErr,
			labelled("handler", "checkout", "sku id", `a"b`),
			labelled("empty", "", "query", "a, b: {c} [d]"),
			labelled("", "empty key", "café", "☕ \U0001F6D2", "raw", "\xff\tx\ny"),
			labelled("route", "/api/v1/items", "trace.id", "4bf92f3577b34da6"),
			labelled("query", "name=\"x\"\nlimit 1"),
			labelled("gdiag", "collector")}},
		{"Go 1.26 labels with quoting", "labels_tracebacklabels.txt", []check{noErr,
			labelled("handler", "checkout", "sku id", `a"b`),
			// Go 1.26 prints an invalid byte as \ufffd, Go 1.27 as \xff.
			labelled("", "empty key", "café", "☕ \U0001F6D2", "raw", "\ufffd\tx\ny")}},
		{"Go 1.27 debug=2", "debug2_go127.txt", []check{noErr, labelled("empty", "", "query", "a, b: {c} [d]")}},
		{"Go 1.27 debug=1", "debug1_go127.txt", []check{noErr, format(FormatDebug1), labelled("handler", "checkout", "sku id", `a"b`)}},
		{"Go 1.27 GOTRACEBACK=all", "crash_go127_all.txt", []check{noErr, format(FormatCrash), labelled("handler", "checkout", "sku id", `a"b`)}},
		{"Go 1.27 GOTRACEBACK=single", "crash_go127_single.txt", []check{noErr, format(FormatCrash), total(1)}},
		{"Go 1.27 GOTRACEBACK=system", "crash_go127_system.txt", []check{noErr, format(FormatCrash),
			some("labelled with gp= and m=", func(g *Goroutine) bool {
				return len(g.Labels) == 2 && g.gp != 0 && g.HasM || len(g.Labels) == 2 && g.gp != 0
			})}},
		{"Go 1.27 GOTRACEBACK=crash", "crash_go127_crash.txt", []check{noErr, reason("SIGQUIT: quit"), uniqueIDs, noSched,
			labelled("request", "r-1", "step", "die now")}},
		{"Go 1.27 GOTRACEBACK=crash, printed twice", "crash_go127_crash_busy.txt", []check{noErr, uniqueIDs, noSched}},
		{"Go 1.27 wait minutes with labels", "waitminutes_go127.txt", []check{noErr,
			some("waiting 2 minutes, labelled", func(g *Goroutine) bool { return g.Wait == 2*time.Minute && len(g.Labels) == 2 }),
			some("waiting 2 minutes locked to thread", func(g *Goroutine) bool {
				return g.Wait == 2*time.Minute && g.Flags&FlagLockedToThread != 0
			})}},
		{"Go 1.27 crash, GOTRACEBACK=system, wait minutes", "crash_go127_waitminutes_system.txt", []check{noErr, format(FormatCrash),
			some("gp=, m=, 2 minutes, labelled", func(g *Goroutine) bool {
				return g.gp != 0 && g.Wait == 2*time.Minute && len(g.Labels) == 2 && g.Labels[1].Key == "sku id"
			}),
			some("gp=, 2 minutes, locked to thread", func(g *Goroutine) bool {
				return g.gp != 0 && g.Wait == 2*time.Minute && g.Flags&FlagLockedToThread != 0
			})}},
		{"Go 1.26 GOTRACEBACK=system with labels", "crash_go126_labels_system.txt", []check{noErr, format(FormatCrash),
			labelled("", "empty key", "café", "☕ \U0001F6D2", "raw", "\ufffd\tx\ny"),
			some("gp= with labels", func(g *Goroutine) bool { return g.gp != 0 && len(g.Labels) == 2 })}},
		{"Go 1.26 goroutineleak debug=2 with labels", "goroutineleak_go126_labels_debug2.txt", []check{noErr,
			some("leaked and labelled", func(g *Goroutine) bool {
				return g.Flags&FlagLeaked != 0 && len(g.Labels) == 1 && g.Labels[0] == Label{"handler", "/search"}
			})}},
		{"Go 1.27 goroutineleak debug=2", "goroutineleak_go127_debug2.txt", []check{noErr,
			some("leaked and labelled", func(g *Goroutine) bool {
				return g.Flags&FlagLeaked != 0 && len(g.Labels) == 1 && g.Labels[0] == Label{"handler", "/search"}
			})}},
		{"Go 1.27 goroutineleak debug=1", "goroutineleak_go127_debug1.txt", []check{noErr, format(FormatDebug1),
			labelled("handler", "/search")}},
		{"cgo", "cgo_crash.txt", []check{noErr, uniqueIDs,
			frameIn("_Cfunc_ in _cgo_gotypes.go", func(f Frame) bool { return f.Func == "main._Cfunc_spin" && f.File == "_cgo_gotypes.go" }),
			some("in C, locked", func(g *Goroutine) bool { return g.Op == OpSyscall && g.Flags&FlagLockedToThread != 0 })}},
		{"goroutineleak debug=2", "goroutineleak_debug2.txt", []check{noErr,
			some("leaked on chan send", func(g *Goroutine) bool {
				return g.Flags&FlagLeaked != 0 && g.State == "chan send" && g.Op == OpChanSend
			}),
			some("leaked in WaitGroup.Wait", func(g *Goroutine) bool { return g.Flags&FlagLeaked != 0 && g.Op == OpWaitGroup }),
			some("blocked but not leaked", func(g *Goroutine) bool { return g.Flags&FlagLeaked == 0 && g.Op == OpChanReceive })}},
		{"goroutineleak debug=1", "goroutineleak_debug1.txt", []check{noErr, format(FormatDebug1), total(8)}},
		{"windows paths", "windows_derived.txt", []check{noErr,
			frameIn(`C:\ path`, func(f Frame) bool { return strings.HasPrefix(f.File, `C:\Users\dev\`) && f.Line == 150 }),
			frameIn("C:/Program Files path", func(f Frame) bool {
				return strings.HasPrefix(f.File, "C:/Program Files/Go/src/") && f.IsStdlib()
			})}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.give))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			s, err := Parse(f, ParseOptions{Workers: 1})
			for _, c := range tt.want {
				if msg := c(s, err); msg != "" {
					t.Errorf("%s: %s", tt.give, msg)
				}
			}
		})
	}
}

// lineErrs checks that Parse kept every goroutine and reported exactly
// these lines.
func lineErrs(lines ...int) func(*Snapshot, error) string {
	return func(_ *Snapshot, err error) string {
		var pe *ParseError
		if !errors.As(err, &pe) {
			return "no *ParseError"
		}
		if pe.Skipped != 0 {
			return itoa(pe.Skipped) + " goroutines skipped"
		}
		var got []int
		for _, e := range pe.Errs {
			got = append(got, e.Line)
		}
		if len(got) != len(lines) {
			return "errors at lines " + fmtInts(got) + ", want " + fmtInts(lines)
		}
		for i := range got {
			if got[i] != lines[i] {
				return "errors at lines " + fmtInts(got) + ", want " + fmtInts(lines)
			}
		}
		return ""
	}
}

func fmtInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = itoa(n)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// labelled checks that some goroutine has exactly the labels kv (key,
// value, …; sorted by key).
func labelled(kv ...string) func(*Snapshot, error) string {
	return func(s *Snapshot, _ error) string {
		for _, g := range s.Goroutines {
			if len(g.Labels)*2 != len(kv) {
				continue
			}
			ok := true
			for i, l := range g.Labels {
				ok = ok && l.Key == kv[2*i] && l.Value == kv[2*i+1]
			}
			if ok {
				return ""
			}
		}
		return fmt.Sprintf("no goroutine labelled %q", kv)
	}
}

// noSched checks that no "goroutine 0" is counted as a goroutine.
func noSched(s *Snapshot, _ error) string {
	for _, g := range s.Goroutines {
		if g.ID == 0 {
			return "goroutine 0 (a scheduler stack) among the goroutines"
		}
	}
	return ""
}

// sched checks the number of scheduler stacks kept apart.
func sched(n int) func(*Snapshot, error) string {
	return func(s *Snapshot, _ error) string {
		if len(s.SchedulerStacks) != n {
			return fmt.Sprintf("%d scheduler stacks, want %d", len(s.SchedulerStacks), n)
		}
		for _, g := range s.SchedulerStacks {
			if g.ID != 0 || !g.HasM || len(g.Stack.Frames) == 0 {
				return fmt.Sprintf("scheduler stack %+v", g)
			}
		}
		return ""
	}
}

// uniqueIDs checks that no goroutine but the threads' goroutine 0 appears
// twice.
func uniqueIDs(s *Snapshot, _ error) string {
	seen := map[int64]bool{}
	for _, g := range s.Goroutines {
		if g.ID != 0 && seen[g.ID] {
			return "goroutine " + itoa(int(g.ID)) + " listed twice"
		}
		seen[g.ID] = true
	}
	return ""
}
