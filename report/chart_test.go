package report_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/gdiag/gdiag/report"
)

// TestChartValuesJSON: NaN and ±Inf travel as null and come back as NaN;
// numbers keep their exact value.
func TestChartValuesJSON(t *testing.T) {
	r := &report.Report{Sections: []report.Section{{ID: "metrics-history", Charts: []report.Chart{{
		ID: "memory", Unit: report.UnitBytes, XUnit: report.XTime, X: []float64{1, 2, 3, 4},
		Series: []report.Series{{Name: "heap live", Values: report.Values{1.5e9, math.NaN(), math.Inf(1), 0.1}}, {Name: "limit", Values: nil, Limit: true}},
	}}}}}
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strings.Fields(b.String()), ""), `"values":[1500000000,null,null,0.1]`) {
		t.Errorf("values not written as numbers and nulls:\n%s", b.String())
	}
	got, err := report.ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	s := got.Sections[0].Charts[0].Series
	v := s[0].Values
	if len(v) != 4 || v[0] != 1.5e9 || !math.IsNaN(v[1]) || !math.IsNaN(v[2]) || v[3] != 0.1 {
		t.Errorf("values read back as %v", v)
	}
	if len(s[1].Values) != 0 || !s[1].Limit {
		t.Errorf("empty limit series read back as %+v", s[1])
	}
	var bad report.Values
	if err := bad.UnmarshalJSON([]byte(`[1,"x"]`)); err == nil || !strings.HasPrefix(err.Error(), "report: chart values: ") {
		t.Errorf("error for a string value = %v", err)
	}
}
