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

// A long series reaches the page reduced to ChartPoints, in the data
// charts.js reads and in the SVG drawing alike, with its ends kept.
func TestChartReducesLongSeries(t *testing.T) {
	x, y := make([]float64, 10_000), make([]float64, 10_000)
	for i := range x {
		x[i], y[i] = float64(i), float64(i%97)
	}
	html := render(t, Chart(ChartData{ID: "long", Title: "long", Series: []Series{{Label: "s", X: x, Y: y}}}))
	i := strings.Index(html, `<polyline points="`) + len(`<polyline points="`)
	if points := strings.Count(html[i:i+strings.Index(html[i:], `"`)], ","); points != ChartPoints {
		t.Errorf("the drawing has %d points, want %d", points, ChartPoints)
	}
	data := html[strings.Index(html, "data-chart=")+len(`data-chart="`):]
	data = data[:strings.Index(data, `"`)]
	xs := data[strings.Index(data, "&#34;x&#34;:[")+len("&#34;x&#34;:["):]
	xs = xs[:strings.Index(xs, "]")]
	if n := strings.Count(xs, ",") + 1; n != ChartPoints || !strings.HasPrefix(xs, "0,") || !strings.HasSuffix(xs, ",9999") {
		t.Errorf("the chart data has %d x values (%.20s…%s), want %d from 0 to 9999", n, xs, xs[max(0, len(xs)-10):], ChartPoints)
	}
}
