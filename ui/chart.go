package ui

import (
	"encoding/json"
	"math"
)

// ChartPoints is the most points a chart series carries to the browser;
// longer series are reduced with Downsample on the server.
const ChartPoints = 600

// Series is one line of a chart. X must be ascending; NaN and ±Inf values
// are sent as gaps.
type Series struct {
	Label string
	X, Y  []float64
}

// ChartData is a line chart drawn by charts.js with uPlot: series with
// their own x values are merged onto one x axis, with gaps where a series
// has no point.
type ChartData struct {
	// ID names the chart for tests (data-testid="chart-<ID>").
	ID     string
	Title  string
	XLabel string
	YLabel string
	// XTime says x values are Unix seconds and are shown as dates.
	XTime  bool
	Series []Series
}

// Points is how many points the chart holds over all its series.
func (c ChartData) Points() int {
	n := 0
	for _, s := range c.Series {
		n += min(len(s.X), len(s.Y))
	}
	return n
}

// chartWire is what charts.js reads from the data-chart attribute.
type chartWire struct {
	XLabel string       `json:"xlabel"`
	YLabel string       `json:"ylabel"`
	XTime  bool         `json:"xtime"`
	Series []seriesWire `json:"series"`
}

type seriesWire struct {
	Label string     `json:"label"`
	X     []*float64 `json:"x"`
	Y     []*float64 `json:"y"`
}

// reduced is the chart with each series downsampled to ChartPoints, once
// for both the data charts.js reads and the server's SVG drawing.
func (c ChartData) reduced() ChartData {
	out := c
	out.Series = make([]Series, len(c.Series))
	for i, s := range c.Series {
		x, y := Downsample(s.X, s.Y, ChartPoints)
		out.Series[i] = Series{Label: s.Label, X: x, Y: y}
	}
	return out
}

// JSON encodes the chart for the page; Chart reduces the series first.
func (c ChartData) JSON() string {
	w := chartWire{XLabel: c.XLabel, YLabel: c.YLabel, XTime: c.XTime, Series: make([]seriesWire, 0, len(c.Series))}
	for _, s := range c.Series {
		n := min(len(s.X), len(s.Y))
		w.Series = append(w.Series, seriesWire{Label: s.Label, X: finite(s.X[:n]), Y: finite(s.Y[:n])})
	}
	b, err := json.Marshal(w)
	if err != nil { // cannot happen: only strings, bools and finite numbers
		return "{}"
	}
	return string(b)
}

// finite maps NaN and infinities to null, which JSON can carry.
func finite(v []float64) []*float64 {
	out := make([]*float64, len(v))
	for i := range v {
		if !math.IsNaN(v[i]) && !math.IsInf(v[i], 0) {
			out[i] = &v[i]
		}
	}
	return out
}
