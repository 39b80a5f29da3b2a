package server

import (
	"strconv"
	"time"

	"github.com/paddockml/paddock/experiments"
)

// runsTime shows a Unix-milliseconds time in UTC; 0 is "—".
func runsTime(ms int64) string {
	if ms <= 0 {
		return "—"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05 UTC")
}

func runsTimePtr(ms *int64) string {
	if ms == nil {
		return "—"
	}
	return runsTime(*ms)
}

// runsDuration is how long a run ran, "" while it runs or without times.
func runsDuration(info experiments.RunInfo) string {
	if info.StartTime == nil || info.EndTime == nil || *info.EndTime < *info.StartTime {
		return ""
	}
	d := time.Duration(*info.EndTime-*info.StartTime) * time.Millisecond
	switch {
	case d < time.Second:
		return d.String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Minute).String()
}

// runsSize shows a size in bytes, KiB, MiB or GiB.
func runsSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, suffix := float64(n)/unit, "KiB"
	for _, s := range []string{"MiB", "GiB", "TiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + suffix
}

// runsCount writes n with thousands separators (1,000,000).
func runsCount(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + runsCount(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
