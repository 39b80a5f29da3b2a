package ui

import (
	"strings"
	"testing"
)

// The server draws every chart as SVG (one polyline per series, the
// axes' extremes, a legend), so a build without uPlot still shows it;
// the data attribute carries the same series for charts.js.
func TestChartDrawsSVGWithoutScripts(t *testing.T) {
	c := ChartData{ID: "loss", Title: "loss", XLabel: "step", YLabel: "value", Series: []Series{
		{Label: "run <a>", X: []float64{0, 1, 2}, Y: []float64{1, 0.5, 0.25}},
		{Label: "run b", X: []float64{0, 2}, Y: []float64{2, 1}},
	}}
	html := render(t, Chart(c))
	for _, want := range []string{`data-testid="chart-loss"`, `data-testid="chart-svg"`, "run &lt;a&gt;", `>2</text>`, `>0.25</text>`,
		`points="52.0,116.6 322.0,170.9 592.0,198.0"`, "value by step"} {
		if !strings.Contains(html, want) {
			t.Errorf("chart lacks %s:\n%s", want, html)
		}
	}
	if n := strings.Count(html, "<polyline"); n != 2 {
		t.Errorf("%d polylines, want 2", n)
	}
	if n := strings.Count(html, "<circle"); n != 5 {
		t.Errorf("%d points marked on short series, want 5", n)
	}
	empty := render(t, Chart(ChartData{ID: "none", Title: "none"}))
	if strings.Contains(empty, "<svg") || !strings.Contains(empty, "No data yet.") {
		t.Errorf("a chart without points: %s", empty)
	}
}
