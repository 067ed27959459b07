package contention

import (
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/report"
)

// loc makes a location with one line.
func loc(id uint64, name, file string, line int64) *profile.Location {
	return &profile.Location{ID: id, Line: []profile.Line{{Function: &profile.Function{ID: id, Name: name, Filename: file}, Line: line}}}
}

var (
	unlock   = loc(1, "sync.(*Mutex).Unlock", "sync/mutex.go", 100)
	internal = loc(2, "internal/sync.(*Mutex).Unlock", "internal/sync/mutex.go", 50)
	lock     = loc(3, "sync.(*Mutex).Lock", "sync/mutex.go", 40)
	selectgo = loc(4, "runtime.selectgo", "runtime/select.go", 300)
	hot      = loc(5, "example.com/shop.(*Store).reserve", "/src/shop/store.go", 42)
	cold     = loc(6, "example.com/shop.(*Store).list", "/src/shop/store.go", 80)
	idle     = loc(7, "example.com/shop.worker", "/src/shop/worker.go", 12)
	handler  = loc(8, "example.com/shop.handle", "/src/shop/http.go", 9)
)

// lockProfile builds a profile with the runtime's mutex/block sample types.
func lockProfile(samples ...*profile.Sample) *profile.Profile {
	return &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "contentions", Unit: "count"}, {Type: "delay", Unit: "nanoseconds"}},
		Sample:     samples,
	}
}

func sample(n, delay int64, locs ...*profile.Location) *profile.Sample {
	return &profile.Sample{Value: []int64{n, delay}, Location: locs}
}

func TestAnalyzeAndFindings(t *testing.T) {
	sec := int64(time.Second)
	tests := []struct {
		name    string
		kind    Kind
		give    *profile.Profile
		seconds float64
		// want: the top site's function and op, and the findings' checks and severities
		wantTop      string
		wantOp       string
		wantShare    float64
		wantFindings []report.Severity
		wantCheck    string
	}{
		{
			name: "convoy: one critical section holds most of the delay", kind: KindMutex, seconds: 2,
			give: lockProfile(
				sample(300, 6*sec, internal, unlock, hot, handler),
				sample(100, 2*sec, internal, unlock, hot), // same site, other path
				sample(50, sec/2, unlock, cold, handler),
				sample(5, sec/100, unlock, idle),
			),
			wantTop: "example.com/shop.(*Store).reserve", wantOp: "sync.(*Mutex).Unlock", wantShare: 8.0 / 8.51,
			wantCheck: CheckMutexHot, wantFindings: []report.Severity{report.SeverityHigh},
		},
		{
			name: "large share but a trickle: no finding", kind: KindMutex, seconds: 3600,
			give:    lockProfile(sample(10, sec, unlock, hot), sample(1, sec/10, unlock, cold)),
			wantTop: "example.com/shop.(*Store).reserve", wantOp: "sync.(*Mutex).Unlock", wantShare: 1 / 1.1,
		},
		{
			name: "medium rate: medium severity, second site too small a share", kind: KindMutex, seconds: 2,
			give:    lockProfile(sample(10, 2*sec, unlock, hot), sample(1, sec/10, unlock, cold)),
			wantTop: "example.com/shop.(*Store).reserve", wantOp: "sync.(*Mutex).Unlock", wantShare: 2 / 2.1,
			wantCheck: CheckMutexHot, wantFindings: []report.Severity{report.SeverityMedium},
		},
		{
			name: "unknown window: info only", kind: KindMutex,
			give:    lockProfile(sample(10, 20*sec, unlock, hot)),
			wantTop: "example.com/shop.(*Store).reserve", wantOp: "sync.(*Mutex).Unlock", wantShare: 1,
			wantCheck: CheckMutexHot, wantFindings: []report.Severity{report.SeverityInfo},
		},
		{
			name: "block: idle select waits dominate, the lock wait is still found", kind: KindBlock, seconds: 2,
			give: lockProfile(
				sample(1000, 100*sec, selectgo, idle),
				sample(40, 3*sec, lock, hot, handler),
			),
			wantTop: "example.com/shop.worker", wantOp: "runtime.selectgo", wantShare: 100.0 / 103,
			wantCheck: CheckLockWait, wantFindings: []report.Severity{report.SeverityLow},
		},
		{
			name: "all frames internal: the top frame is the site", kind: KindMutex, seconds: 1,
			give:    lockProfile(sample(1, 1000, loc(9, "runtime.unlock", "runtime/lock.go", 5))),
			wantTop: "runtime.unlock", wantOp: "runtime.unlock", wantShare: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := AnalyzeProfile(tt.give, tt.kind, tt.seconds)
			if err != nil {
				t.Fatal(err)
			}
			top := r.Sites[0]
			if top.Frame.Func != tt.wantTop || top.Op != tt.wantOp || abs(top.Share-tt.wantShare) > 1e-9 {
				t.Errorf("top site %s op %s share %.4f, want %s %s %.4f", top.Frame.Func, top.Op, top.Share, tt.wantTop, tt.wantOp, tt.wantShare)
			}
			if tt.seconds > 0 && abs(top.DelayPerSec-top.Delay.Seconds()/tt.seconds) > 1e-9 {
				t.Errorf("delay/s %v", top.DelayPerSec)
			}
			fs := findings([]*Report{r}, Options{})
			if len(fs) != len(tt.wantFindings) {
				t.Fatalf("%d findings, want %d: %+v", len(fs), len(tt.wantFindings), fs)
			}
			for i, f := range fs {
				if f.Check != tt.wantCheck || f.Severity != tt.wantFindings[i] || f.Suggestion == "" || f.Location == "" {
					t.Errorf("finding %d: %s %s at %q, want %s %s with a suggestion", i, f.Check, f.Severity, f.Location, tt.wantCheck, tt.wantFindings[i])
				}
			}
			if secs := sections([]*Report{r}); len(secs) != 1 || len(secs[0].Tables[0].Rows) != len(r.Sites) {
				t.Errorf("sections %+v", secs)
			}
		})
	}
}

func TestAnalyzeMergesSitesAndKeepsHeaviestPath(t *testing.T) {
	r, err := AnalyzeProfile(lockProfile(
		sample(1, 10, unlock, hot, idle),
		sample(2, 30, unlock, hot, handler),
	), KindMutex, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sites) != 1 || r.Sites[0].Contentions != 3 || r.Sites[0].Delay != 40 || r.Contentions != 3 {
		t.Fatalf("sites %+v", r.Sites)
	}
	if p := r.Sites[0].Path; len(p) != 2 || p[1].Func != "example.com/shop.handle" {
		t.Errorf("path %+v, want the heaviest sample's", p)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	if _, err := AnalyzeProfile(nil, KindMutex, 0); err == nil {
		t.Error("nil profile: no error")
	}
	cpu := &profile.Profile{SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}}}
	if _, err := AnalyzeProfile(cpu, KindMutex, 0); err == nil {
		t.Error("cpu profile: no error")
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestStdlibOwnLockIsInfo: a lock whose critical section is the standard
// library's (net/http's connection-state hook in httptest, its Transport's
// idle pool: seen in a healthy service's profiles under -race on a starved
// machine) is reported at info, not as the service's problem; the same
// delay in the service's code stays medium.
func TestStdlibOwnLockIsInfo(t *testing.T) {
	sec := int64(time.Second)
	wrap := loc(20, "net/http/httptest.(*Server).wrap.func1", "/usr/local/go/src/net/http/httptest/server.go", 330)
	setState := loc(21, "net/http.(*conn).setState", "/usr/local/go/src/net/http/server.go", 1900)
	serve := loc(22, "net/http.(*conn).serve", "/usr/local/go/src/net/http/server.go", 2100)
	tests := []struct {
		name       string
		give       *profile.Profile
		want       report.Severity
		wantCaller string
	}{
		{"standard library only", lockProfile(sample(400, 8*sec, unlock, wrap, setState, serve)), report.SeverityInfo, ""},
		{"service code", lockProfile(sample(400, 8*sec, unlock, hot, handler, serve)), report.SeverityMedium, "example.com/shop.(*Store).reserve"},
		{"standard library's lock reached from the service", lockProfile(sample(400, 8*sec, unlock, setState, handler)), report.SeverityInfo, "example.com/shop.handle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := AnalyzeProfile(tt.give, KindMutex, 10)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Sites[0].Caller.Func; got != tt.wantCaller {
				t.Errorf("caller = %q, want %q", got, tt.wantCaller)
			}
			fs := findings([]*Report{r}, Options{})
			if len(fs) != 1 {
				t.Fatalf("%d findings, want 1", len(fs))
			}
			if fs[0].Severity != tt.want {
				t.Errorf("severity %s, want %s: %s", fs[0].Severity, tt.want, fs[0].Evidence)
			}
		})
	}
}
