package server

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// How the operations pages show numbers.

// opsPct shows a share in [0, 1] as a percentage; "–" for NaN.
func opsPct(share float64) string {
	if math.IsNaN(share) || math.IsInf(share, 0) {
		return "–"
	}
	return strconv.FormatFloat(share*100, 'f', 1, 64) + "%"
}

// opsRatio is a/b, NaN when b is 0 (a gap in a chart, "–" in a table).
func opsRatio(a, b int64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// opsLatency shows a latency in the unit that suits it; "–" for none.
func opsLatency(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Millisecond:
		return strconv.FormatInt(d.Microseconds(), 10) + " µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s"
}

// opsRate shows requests per second.
func opsRate(perSecond float64) string {
	switch {
	case perSecond == 0:
		return "0"
	case perSecond < 10:
		return strconv.FormatFloat(perSecond, 'f', 2, 64)
	}
	return strconv.FormatFloat(perSecond, 'f', 0, 64)
}

// opsDuration shows how long something took, to the second.
func opsDuration(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	return d.Round(time.Second).String()
}

// opsFloat shows a statistic with four significant digits.
func opsFloat(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }

// opsWindow shows a window without zero units: "1h", "1h30m", "90s".
func opsWindow(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
