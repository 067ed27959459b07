package leaks

import (
	"fmt"

	"github.com/gdiag/gdiag/report"
)

// ChartLeakGrowth is the ID of the charts of leak sites over time: the
// goroutines of the growing buckets per snapshot (sections "leaks" and
// "diff"), or, within one bundle, of each leak site by creation time.
const ChartLeakGrowth = "leak-growth"

// MaxChartSeries bounds the leak sites drawn in one chart.
const MaxChartSeries = 6

// historyChart draws the goroutines of the growing buckets of h, one series
// per bucket (named by where it blocks in mainModules' code), over the
// snapshots. ok is false when there is nothing to draw.
func historyChart(h *History, mainModules []string) (c report.Chart, ok bool) {
	c = report.Chart{ID: ChartLeakGrowth, Title: "Goroutines of the growing sites, per snapshot", Unit: report.UnitCount, XUnit: report.XSnapshot}
	for i, s := range h.Samples {
		if h.Timed {
			c.X = append(c.X, float64(s.Time.UnixNano())/1e9)
		} else {
			c.X = append(c.X, float64(i+1))
		}
	}
	if h.Timed {
		c.XUnit = report.XTime
	} else {
		c.Notes = append(c.Notes, "the snapshots carry no capture times: drawn in the order given")
	}
	growing := 0
	for _, b := range h.Buckets {
		if b.Growth <= 0 {
			continue
		}
		growing++
		if len(c.Series) == MaxChartSeries {
			continue
		}
		v := make(report.Values, len(b.Counts))
		for i, n := range b.Counts {
			v[i] = float64(n)
		}
		c.Series = append(c.Series, report.Series{Name: where(b.Bucket.Stack, mainModules), Values: v})
	}
	if growing > len(c.Series) {
		c.Notes = append(c.Notes, fmt.Sprintf("the %d fastest-growing of %d growing sites", len(c.Series), growing))
	}
	return c, len(c.Series) > 0 && len(c.X) > 1
}
