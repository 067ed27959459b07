package contention_test

import (
	"fmt"

	"github.com/google/pprof/profile"

	"github.com/gdiag/gdiag/contention"
)

// A mutex profile as runtime/pprof writes it: the delay is charged to the
// stack of the goroutine that released the lock.
func ExampleAnalyze() {
	fn := func(id uint64, name, file string, line int64) *profile.Location {
		return &profile.Location{ID: id, Line: []profile.Line{{Function: &profile.Function{ID: id, Name: name, Filename: file}, Line: line}}}
	}
	unlock := fn(1, "sync.(*Mutex).Unlock", "sync/mutex.go", 100)
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "contentions", Unit: "count"}, {Type: "delay", Unit: "nanoseconds"}},
		Sample: []*profile.Sample{
			{Value: []int64{400, 8e9}, Location: []*profile.Location{unlock, fn(2, "example.com/shop.(*Store).reserve", "/src/shop/store.go", 42)}},
			{Value: []int64{20, 1e8}, Location: []*profile.Location{unlock, fn(3, "example.com/shop.(*Store).list", "/src/shop/store.go", 80)}},
		},
	}
	res, err := contention.Analyze(contention.Input{Profiles: []contention.Profile{
		{Name: "mutex.pb.gz", Kind: contention.KindMutex, Profile: p, Seconds: 2}, // a 2 s window
	}}, contention.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range res.Reports[0].Sites {
		fmt.Printf("%s %s: %v, %.2f s/s, %.0f%%\n", s.Frame.Func, s.Frame.Location(), s.Delay, s.DelayPerSec, 100*s.Share)
	}
	for _, f := range res.Findings() {
		fmt.Println(f.Check, f.Severity, f.Location)
	}
	// Output:
	// example.com/shop.(*Store).reserve /src/shop/store.go:42: 8s, 4.00 s/s, 99%
	// example.com/shop.(*Store).list /src/shop/store.go:80: 100ms, 0.05 s/s, 1%
	// contention/mutex-hot high /src/shop/store.go:42
}
