package analyzer_test

import (
	"bytes"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/gdiag/gdiag/analyzer"
	"github.com/gdiag/gdiag/bundle"
)

// parkedForProtoTest blocks until stop is closed; its name shows in the
// goroutine profile.
func parkedForProtoTest(stop chan struct{}) { <-stop }

// TestBundleGoroutineProfileFallback loads a bundle whose stop-the-world
// guard skipped the text dump: the goroutines come from goroutine.pb.gz, a
// real profile of this process.
func TestBundleGoroutineProfileFallback(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	for range 5 {
		go parkedForProtoTest(stop)
	}
	time.Sleep(10 * time.Millisecond)
	var prof bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&prof, 0); err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	w := bundle.NewWriter(&zb)
	if err := w.Add(bundle.DefaultName(bundle.KindGoroutineProfile), bundle.KindGoroutineProfile, prof.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(bundle.Manifest{Schema: bundle.SchemaVersion, CapturedAt: time.Now(),
		StackDump: &bundle.StackDump{Reason: "estimated pause exceeds budget"}}); err != nil {
		t.Fatal(err)
	}
	in, err := analyzer.LoadReader("b.gdiag", bytes.NewReader(zb.Bytes()), int64(zb.Len()), analyzer.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if in.Goroutines == nil || in.Goroutines.Total < 5 {
		t.Fatalf("goroutines from the profile: %+v", in.Goroutines)
	}
	if _, ok := in.Profiles[bundle.KindGoroutineProfile]; !ok {
		t.Error("goroutine profile not in Profiles")
	}
	found := 0
	for _, g := range in.Goroutines.Goroutines {
		if g.Stack == nil {
			continue
		}
		for _, f := range g.Stack.Frames {
			if strings.HasSuffix(f.Func, "parkedForProtoTest") {
				found += g.Count
			}
		}
	}
	if found != 5 {
		t.Errorf("%d parkedForProtoTest goroutines, want 5", found)
	}
}
