package ui

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// The server-drawn chart's view box: charts.js replaces it with uPlot
// when the build carries uPlot, and a build without it (a plain
// `go run` of a fresh clone) still shows every curve.
const (
	svgW, svgH   = 600.0, 220.0
	svgPadL      = 52.0
	svgPadR      = 8.0
	svgPadT      = 8.0
	svgPadB      = 22.0
	svgPlotW     = svgW - svgPadL - svgPadR
	svgPlotH     = svgH - svgPadT - svgPadB
	svgMaxSeries = 10
)

// svgPalette matches charts.js's.
var svgPalette = []string{"#1f5fbf", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#0b7285", "#5c940d", "#e67700", "#364fc7", "#a61e4d"}

// svgLine is one series as a polyline in the view box.
type svgLine struct {
	Label, Color, Points string
	// Dots are the points drawn as circles: every point of a short
	// series, or a lone one.
	Dots [][2]float64
}

// svgChart is the server-drawn chart: lines and the axes' extremes.
type svgChart struct {
	Lines                  []svgLine
	XMin, XMax, YMin, YMax string
}

// svg lays the chart's series (Chart reduces them first) out in the view
// box.
func (c ChartData) svg() (svgChart, bool) {
	type xy struct{ x, y []float64 }
	var series []xy
	x0, x1, y0, y1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range c.Series[:min(len(c.Series), svgMaxSeries)] {
		n := min(len(s.X), len(s.Y))
		x, y := s.X[:n], s.Y[:n]
		series = append(series, xy{x, y})
		for i := range x {
			if finiteNum(x[i]) && finiteNum(y[i]) {
				x0, x1, y0, y1 = math.Min(x0, x[i]), math.Max(x1, x[i]), math.Min(y0, y[i]), math.Max(y1, y[i])
			}
		}
	}
	if math.IsInf(x0, 1) {
		return svgChart{}, false
	}
	if x1 == x0 {
		x0, x1 = x0-1, x1+1
	}
	if y1 == y0 {
		y0, y1 = y0-1, y1+1
	}
	out := svgChart{XMin: c.tick(x0, true), XMax: c.tick(x1, true), YMin: c.tick(y0, false), YMax: c.tick(y1, false)}
	for i, s := range series {
		line := svgLine{Label: c.Series[i].Label, Color: svgPalette[i%len(svgPalette)]}
		var b strings.Builder
		for j := range s.x {
			if !finiteNum(s.x[j]) || !finiteNum(s.y[j]) {
				continue
			}
			px := svgPadL + (s.x[j]-x0)/(x1-x0)*svgPlotW
			py := svgPadT + (1-(s.y[j]-y0)/(y1-y0))*svgPlotH
			b.WriteString(strconv.FormatFloat(px, 'f', 1, 64) + "," + strconv.FormatFloat(py, 'f', 1, 64) + " ")
			if len(s.x) < 60 {
				line.Dots = append(line.Dots, [2]float64{px, py})
			}
		}
		line.Points = strings.TrimSpace(b.String())
		out.Lines = append(out.Lines, line)
	}
	return out, true
}

// tick writes an axis extreme: a date for time axes, else a short number.
func (c ChartData) tick(v float64, x bool) string {
	if x && c.XTime {
		return formatUnix(v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func finiteNum(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// formatUnix writes Unix seconds as a UTC time of day, with the date when
// it is not today's.
func formatUnix(sec float64) string {
	t := time.Unix(int64(sec), 0).UTC()
	if t.YearDay() == time.Now().UTC().YearDay() && t.Year() == time.Now().UTC().Year() {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04")
}
