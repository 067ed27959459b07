package leaks_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/leaks"
	"github.com/gdiag/gdiag/stack"
)

// byFunc returns the findings whose blocking frame is in fn.
func byFunc(fs []leaks.Finding, fn string) []leaks.Finding {
	var out []leaks.Finding
	for _, f := range fs {
		if f.Blocking.Func == fn {
			out = append(out, f)
		}
	}
	return out
}

// TestPatterns checks the verdict on each pattern of the patterns generator
// (real dumps in testdata), with and without the goroutineleak profile.
func TestPatterns(t *testing.T) {
	snap := load(t, "patterns.txt").Goroutines
	leaked := load(t, "patterns.goroutineleak.pb.gz").Leaked
	waited := load(t, "patterns-waited.txt").Goroutines
	handler := load(t, "handlerleak.txt").Goroutines
	deadlock := load(t, filepath.Join("..", "..", "stack", "testdata", "deadlock.txt")).Goroutines
	tests := []struct {
		name  string
		give  *stack.Snapshot
		opts  leaks.Options
		fn    string
		check string
		want  leaks.Verdict
	}{
		{"nil channel is proven", snap, leaks.Options{}, "main.receiveNilChannel.func1", leaks.CheckNilChan, leaks.Proven},
		{"select {} is proven", snap, leaks.Options{}, "main.selectNoCases.func1", leaks.CheckSelectNoCases, leaks.Proven},
		{"senders piled up after their creator returned are likely", snap, leaks.Options{}, "main.sendAfterTimeout.func1", leaks.CheckChanSend, leaks.Likely},
		{"few senders after their creator returned are suspect", snap, leaks.Options{PileUp: 13}, "main.sendAfterTimeout.func1", leaks.CheckChanSend, leaks.Suspect},
		{"pile-up of receivers is suspect", snap, leaks.Options{}, "main.rangeNeverClosed.func1", leaks.CheckChanReceive, leaks.Suspect},
		{"lower PileUpLarge makes it likely", snap, leaks.Options{PileUpLarge: 12}, "main.rangeNeverClosed.func1", leaks.CheckChanReceive, leaks.Likely},
		{"few mutex waiters without evidence are benign", snap, leaks.Options{}, "main.lockNeverUnlocked.func2", leaks.CheckMutex, leaks.Benign},
		{"profile proves the senders", snap, leaks.Options{Leaked: leaked}, "main.sendAfterTimeout.func1", leaks.CheckChanSend, leaks.Proven},
		{"profile proves the mutex waiters", snap, leaks.Options{Leaked: leaked}, "main.lockNeverUnlocked.func2", leaks.CheckMutex, leaks.Proven},
		{"profile proves the WaitGroup", snap, leaks.Options{Leaked: leaked}, "main.waitGroupMismatch.func1", leaks.CheckWaitGroup, leaks.Proven},
		{"profile proves the Cond", snap, leaks.Options{Leaked: leaked}, "main.condWithoutSignal.func1", leaks.CheckCond, leaks.Proven},
		{"profile proves the RWMutex writer", snap, leaks.Options{Leaked: leaked}, "main.recursiveReadLock.func2", leaks.CheckRWMutex, leaks.Proven},
		{"profile cannot prove a running ticker", snap, leaks.Options{Leaked: leaked}, "main.pollTickerNeverStopped.func1", leaks.CheckChanReceive, leaks.Suspect},
		{"(leaked) flag proves", waited, leaks.Options{}, "main.rangeNeverClosed.func1", leaks.CheckChanReceive, leaks.Proven},
		{"wait plus pile-up is likely", waited, leaks.Options{}, "main.pollTickerNeverStopped.func1", leaks.CheckChanReceive, leaks.Likely},
		{"quiescent makes a single waiter likely", snap, leaks.Options{Quiescent: true}, "main.waitGroupMismatch.func1", leaks.CheckWaitGroup, leaks.Likely},
		{"ignore by creator", snap, leaks.Options{Ignore: []leaks.Rule{mustRule(t, `creator=^main\.sendAfterTimeout$`)}}, "main.sendAfterTimeout.func1", leaks.CheckChanSend, leaks.Benign},
		{"ignore by func beats proof", snap, leaks.Options{Leaked: leaked, Ignore: []leaks.Rule{mustRule(t, `func=^main\.rangeNeverClosed`)}}, "main.rangeNeverClosed.func1", leaks.CheckChanReceive, leaks.Benign},
		{"idle keep-alive server connections are benign", snap, leaks.Options{}, "net.(*netFD).Read", leaks.CheckIOWait, leaks.Benign},
		{"unread bodies of an idle client are suspect", snap, leaks.Options{}, "net/http.(*persistConn).readLoop", leaks.CheckHTTPBodyNotClosed, leaks.Suspect},
		{"unread bodies of an idle client piled up are likely", snap, leaks.Options{PileUp: 5}, "net/http.(*persistConn).readLoop", leaks.CheckHTTPBodyNotClosed, leaks.Likely},
		{"unread bodies at quiescence are likely", snap, leaks.Options{Quiescent: true}, "net/http.(*persistConn).readLoop", leaks.CheckHTTPBodyNotClosed, leaks.Likely},
		{"writers mixed with idle keep-alive writers stay benign", snap, leaks.Options{}, "net/http.(*persistConn).writeLoop", leaks.CheckSelect, leaks.Benign},
		{"bodies being read are requests in flight", handler, leaks.Options{}, "net/http.(*persistConn).readLoop", leaks.CheckHTTPBodyNotClosed, leaks.Benign},
		{"even at quiescence", handler, leaks.Options{Quiescent: true}, "net/http.(*persistConn).readLoop", leaks.CheckHTTPBodyNotClosed, leaks.Benign},
		{"writers of connections in flight are benign", handler, leaks.Options{}, "net/http.(*persistConn).writeLoop", leaks.CheckSelect, leaks.Benign},
		{"small idle worker pool is benign", snap, leaks.Options{}, "main.worker", leaks.CheckChanReceive, leaks.Benign},
		{"per-request senders orphaned by exited connections are likely", handler, leaks.Options{}, "main.quote.func1", leaks.CheckChanSend, leaks.Likely},
		{"a pool started by one goroutine is not orphaned", handler, leaks.Options{}, "main.worker", leaks.CheckChanReceive, leaks.Suspect},
		{"a runtime deadlock crash proves the blocked", deadlock, leaks.Options{}, "main.deadlock.func3", leaks.CheckMutex, leaks.Proven},
		{"even the main goroutine's wait", deadlock, leaks.Options{}, "main.deadlock", leaks.CheckWaitGroup, leaks.Proven},
		{"a writer owned by its running handler stays suspect", handler, leaks.Options{PileUpLarge: 10}, "main.writer", leaks.CheckChanReceive, leaks.Suspect},
		{"the same pile-up without an owner is likely", handler, leaks.Options{PileUpLarge: 10}, "main.worker", leaks.CheckChanReceive, leaks.Likely},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := byFunc(leaks.Find(tt.give, tt.opts), tt.fn)
			if len(fs) == 0 {
				t.Fatalf("no finding blocks in %s", tt.fn)
			}
			f := fs[0]
			if f.Verdict != tt.want || f.Check != tt.check {
				t.Errorf("got %s %s, want %s %s; evidence %v", f.Verdict, f.Check, tt.want, tt.check, f.Evidence)
			}
			if f.Suggestion == "" || f.Count == 0 || len(f.IDs) != f.Count {
				t.Errorf("finding lacks suggestion, count or ids: %+v", f)
			}
			if f.Verdict == leaks.Benign && strings.Contains(tt.name, "ignore") && !f.Ignored {
				t.Errorf("not marked Ignored")
			}
		})
	}
}

// TestHealthyDumpsHaveNoLeak: a net/http service under load and idle, with
// keep-alive connections, a worker pool, os/signal and a ticker loop.
func TestHealthyDumpsHaveNoLeak(t *testing.T) {
	for _, name := range []string{"healthy-load.txt", "healthy-idle.txt"} {
		t.Run(name, func(t *testing.T) {
			for _, f := range leaks.Find(load(t, name).Goroutines, leaks.Options{}) {
				if f.Verdict >= leaks.Suspect {
					t.Errorf("%s %s ×%d in %s: %v", f.Verdict, f.Check, f.Count, f.Blocking.Func, f.Evidence)
				}
			}
		})
	}
}

func mustRule(t *testing.T, s string) leaks.Rule {
	t.Helper()
	r, err := leaks.ParseRule(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseRule(t *testing.T) {
	tests := []struct {
		name, give string
		wantErr    bool
	}{
		{"func", `func=^main\.`, false},
		{"top", `top=net/http`, false},
		{"entry", `entry=main.worker`, false},
		{"creator", `creator=x`, false},
		{"label", `label=^gdiag=collector$`, false},
		{"kind case-insensitive", `FUNC=x`, false},
		{"unknown kind", `file=x`, true},
		{"no regex", `func=`, true},
		{"no equals", `main.worker`, true},
		{"bad regex", `func=(`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := leaks.ParseRule(tt.give)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && r.Name != tt.give {
				t.Errorf("Name = %q", r.Name)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "leaks: ") {
				t.Errorf("error %q does not say where", err)
			}
		})
	}
}

func TestRuleMatch(t *testing.T) {
	snap := load(t, "patterns.txt").Goroutines
	var g *stack.Goroutine
	for i := range snap.Goroutines {
		if snap.Goroutines[i].Stack.Frames[0].Func == "main.sendAfterTimeout.func1" {
			g = &snap.Goroutines[i]
			break
		}
	}
	if g == nil {
		t.Fatal("no sender in patterns.txt")
	}
	tests := []struct {
		name string
		give string
		want bool
	}{
		{"top on blocking path", `top=^main\.sendAfterTimeout\.func1$`, true},
		{"func anywhere", `func=sendAfterTimeout`, true},
		{"entry", `entry=^main\.sendAfterTimeout\.func1$`, true},
		{"creator", `creator=^main\.sendAfterTimeout$`, true},
		{"creator mismatch", `creator=^main\.other$`, false},
		{"label absent", `label=x`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRule(t, tt.give)
			if got := r.Match(g.Stack, g.CreatedBy, g.Labels, g.Op); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
	if (&leaks.Rule{}).Match(g.Stack, g.CreatedBy, g.Labels, g.Op) {
		t.Error("empty rule matched")
	}
}

func TestVerdictNames(t *testing.T) {
	for v := leaks.Active; v <= leaks.Proven; v++ {
		got, err := leaks.ParseVerdict(v.String())
		if err != nil || got != v {
			t.Errorf("ParseVerdict(%q) = %v, %v", v.String(), got, err)
		}
	}
	if _, err := leaks.ParseVerdict("leak"); err == nil {
		t.Error("ParseVerdict accepted an unknown name")
	}
}

func TestChecksTable(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range leaks.Checks() {
		if seen[c.ID] || !strings.HasPrefix(c.ID, "leaks/") || c.Title == "" || c.Doc == "" || strings.ToLower(c.ID) != c.ID {
			t.Errorf("bad or duplicate check %+v", c)
		}
		seen[c.ID] = true
	}
	// Every check a finding can carry is documented.
	for _, name := range []string{"patterns.txt", "patterns-waited.txt", "healthy-load.txt"} {
		for _, f := range leaks.Find(load(t, name).Goroutines, leaks.Options{}) {
			if !seen[f.Check] {
				t.Errorf("finding carries undocumented check %s", f.Check)
			}
		}
	}
}

// TestOnceCycle: goroutines waiting for a sync.Once are stuck when every
// goroutine inside an init function waits for a Once too (an init calling
// its own Do), and fine while an init runs (real corpus dumps).
func TestOnceCycle(t *testing.T) {
	tests := []struct {
		name string
		give string
		want leaks.Verdict // of every bucket waiting in sync.(*Once).doSlow
	}{
		{name: "init calls Do of its own Once", give: "once_recursive.txt", want: leaks.Likely},
		{name: "slow inits, one waiting for another", give: "healthy_once_slow_init.txt", want: leaks.Benign},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			for _, f := range leaks.Find(load(t, filepath.Join("corpus", tt.give)).Goroutines, leaks.Options{}) {
				if f.Op != stack.OpMutex {
					continue
				}
				n++
				cycle := false
				for _, e := range f.Evidence {
					cycle = cycle || e.Kind == leaks.EvidenceOnceCycle
				}
				if f.Verdict != tt.want || cycle != (tt.want == leaks.Likely) || f.Check != leaks.CheckMutex {
					t.Errorf("%s ×%d: got %s %s, want %s; evidence %v", f.Blocking.Func, f.Count, f.Check, f.Verdict, tt.want, f.Evidence)
				}
			}
			if n == 0 {
				t.Fatal("no goroutine waits for a sync.Once")
			}
		})
	}
}
