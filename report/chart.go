package report

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Chart is a set of series over one x axis: a metric of the bundle's
// runtime/metrics history over time, or the goroutines of each leak site over
// the snapshots of a diff. The HTML report draws it; the text and JSON
// outputs carry it as data.
type Chart struct {
	// ID is stable and kebab-case ("goroutines", "memory", "leak-growth").
	ID    string `json:"id"`
	Title string `json:"title"`
	// Unit of the y values: UnitCount, UnitBytes, UnitSeconds or UnitShare.
	Unit string `json:"unit"`
	// X holds the x values in increasing order: Unix times in seconds
	// (XTime) or snapshot numbers 1, 2, … (XSnapshot).
	X     []float64 `json:"x"`
	XUnit string    `json:"x_unit"`
	// Series each have one value per X.
	Series []Series `json:"series"`
	// Notes say how the values were obtained or what is missing.
	Notes []string `json:"notes,omitempty"`
}

// Chart units (Chart.Unit) and x axes (Chart.XUnit).
const (
	UnitCount   = "count"   // goroutines, objects
	UnitBytes   = "bytes"   // memory
	UnitSeconds = "seconds" // pauses, latencies
	UnitShare   = "share"   // a fraction in [0, 1], shown as a percentage

	XTime     = "time"     // X are Unix times in seconds
	XSnapshot = "snapshot" // X are snapshot numbers 1, 2, …
)

// Series is one line of a chart.
type Series struct {
	Name string `json:"name"`
	// Values has one value per Chart.X. NaN marks a point where the value
	// is unknown (JSON null): the line has a gap there.
	Values Values `json:"values"`
	// Limit marks a threshold (a memory limit) rather than a measurement:
	// drawn dashed.
	Limit bool `json:"limit,omitempty"`
}

// Values are the y values of a Series. They are written to JSON as numbers,
// with NaN and ±Inf (which JSON cannot represent) as null, and read back
// with null as NaN.
type Values []float64

// MarshalJSON writes v as a JSON array, null for NaN and ±Inf.
func (v Values) MarshalJSON() ([]byte, error) {
	if v == nil {
		return []byte("[]"), nil
	}
	b := make([]byte, 0, 2+8*len(v))
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b = append(b, "null"...)
			continue
		}
		// As encoding/json writes float64: plain notation from 1e-6 to 1e21.
		format := byte('f')
		if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) {
			format = 'e'
		}
		b = strconv.AppendFloat(b, x, format, -1, 64)
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads a JSON array of numbers and nulls (null becomes NaN).
func (v *Values) UnmarshalJSON(b []byte) error {
	var raw []*float64
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("report: chart values: %w", err)
	}
	out := make(Values, len(raw))
	for i, p := range raw {
		if p == nil {
			out[i] = math.NaN()
		} else {
			out[i] = *p
		}
	}
	*v = out
	return nil
}
