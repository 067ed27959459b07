package shop

import "testing"

func TestPlan(t *testing.T) {
	for _, tt := range []struct {
		name              string
		give              Config
		wantHTTP, wantRun int
	}{
		{"small", Config{Goroutines: 100, HTTPPolls: 64, Running: 2}, 3, 2},
		{"http capped", Config{Goroutines: 100_000, HTTPPolls: 64, Running: 2}, 64, 2},
		{"odd running", Config{Goroutines: 10_000, HTTPPolls: 8, Running: 3}, 8, 3},
		{"no running", Config{Goroutines: 1_000, HTTPPolls: 64, Running: 0}, 30, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &Shop{cfg: tt.give}
			plan := s.plan()
			if len(plan) != 40 {
				t.Fatalf("%d sites, want 40", len(plan))
			}
			var total, httpN, runN int
			for _, p := range plan {
				total += p.n
				switch p.site.kind {
				case kHTTPPoll:
					httpN += p.n
				case kRunning:
					runN += p.n
				}
				if p.site.minDepth < 1 || p.site.maxDepth < p.site.minDepth {
					t.Errorf("site %v: depth %d..%d", p.site.kind, p.site.minDepth, p.site.maxDepth)
				}
			}
			if total != tt.give.Goroutines || httpN != tt.wantHTTP || runN != tt.wantRun {
				t.Errorf("plan: %d goroutines, %d http, %d running; want %d, %d, %d",
					total, httpN, runN, tt.give.Goroutines, tt.wantHTTP, tt.wantRun)
			}
		})
	}
}
