package benchmarks

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"testing"
)

// TestGCModelValidation is the GC model's validation experiment (see
// cmd/gcvalidate): the flash-sale fixture at GOGC 50, 100, 200, 400 and
// GOGC=off with a GOMEMLIMIT, each in its own process under the same load,
// against the predictions gctune makes from one GOGC=100 bundle. It checks
// the target of 15% relative error on GC CPU share and peak heap on every
// row, and that the recommended setting moved GC CPU the way it promised.
// It takes about 15 minutes, so it runs only with GDIAG_GCVALIDATE=1:
//
//	cd benchmarks && GDIAG_GCVALIDATE=1 go test -run TestGCModelValidation -timeout 40m -v
func TestGCModelValidation(t *testing.T) {
	if os.Getenv("GDIAG_GCVALIDATE") == "" {
		t.Skip("set GDIAG_GCVALIDATE=1 to run the 15-minute GC model validation")
	}
	cmd := exec.Command("go", "run", "./cmd/gcvalidate", "-rounds", "5", "-json")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Rows []struct {
			Setting     string  `json:"setting"`
			PredShare   float64 `json:"pred_gc_share"`
			Share       float64 `json:"gc_share"`
			ShareErr    float64 `json:"gc_share_err"`
			PredPeak    float64 `json:"pred_peak_heap_bytes"`
			Peak        float64 `json:"peak_heap_bytes"`
			PeakErr     float64 `json:"peak_heap_err"`
			Recommended bool    `json:"recommended"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	const target = 0.15
	for _, r := range res.Rows {
		t.Logf("%-28s GC CPU predicted %5.2f%% measured %5.2f%% (%+5.1f%%), peak heap predicted %4.0f MiB measured %4.0f MiB (%+5.1f%%)",
			r.Setting, r.PredShare*100, r.Share*100, r.ShareErr*100, r.PredPeak/(1<<20), r.Peak/(1<<20), r.PeakErr*100)
		if math.Abs(r.ShareErr) > target || math.Abs(r.PeakErr) > target {
			t.Errorf("%s: error above %.0f%%", r.Setting, target*100)
		}
	}
	base, rec := res.Rows[1], res.Rows[len(res.Rows)-1]
	if !rec.Recommended || base.Setting != "GOGC=100" {
		t.Fatalf("rows out of order: %s, %s", base.Setting, rec.Setting)
	}
	if rec.Share >= base.Share {
		t.Errorf("applying %s did not lower GC CPU: %.2f%% → %.2f%%", rec.Setting, base.Share*100, rec.Share*100)
	}
}
