package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
)

// report is what the benchmark prints: its settings, one result per
// server and the ratios Paddock is held to.
type report struct {
	Settings settings `json:"settings"`
	Results  []result `json:"results"`
	Ratios   []ratio  `json:"ratios"`
}

// settings records how the figures were taken.
type settings struct {
	Threads     int     `json:"wrk_threads"`
	Connections int     `json:"wrk_connections"`
	DurationS   float64 `json:"duration_s"`
	WarmupS     float64 `json:"warmup_s"`
	Repeats     int     `json:"repeats"`
	Cores       int     `json:"cores"`
	Fixture     string  `json:"fixture"`
	Row         int     `json:"row"`
}

// ratio is one target: Value compared with Target (at least or at most);
// a Target of 0 is no target, the ratio is only shown.
type ratio struct {
	Name    string  `json:"name"`
	Value   float64 `json:"value"`
	Target  float64 `json:"target"`
	AtLeast bool    `json:"at_least"`
	Met     bool    `json:"met"`
	unit    string  // how the table writes it: "x" or "%"
}

// The result names the ratios are computed from.
const (
	nameFloor      = "floor"
	namePeer       = "peer"
	namePeerOMP1   = "peer omp=1"
	namePaddockOff = "paddock log off"
	namePaddockOn  = "paddock log 100%"
	// namePaddockShadow is log 100% with a live experiment shadowing
	// every request to an alpha version (dark mode).
	namePaddockShadow = "paddock shadow 100%"
)

func newReport(o options, fx fixture, results []result) report {
	r := report{
		Settings: settings{
			Threads: o.wrk.Threads, Connections: o.wrk.Connections,
			DurationS: o.wrk.Duration.Seconds(), WarmupS: o.warmup.Seconds(), Repeats: o.repeats,
			Cores: runtime.NumCPU(), Fixture: o.fixture, Row: fx.rowIndex,
		},
		Results: results,
		Ratios:  []ratio{},
	}
	byName := map[string]result{}
	for _, res := range results {
		byName[res.Name] = res
	}
	add := func(name, a, b string, value func(a, b result) float64, target float64, atLeast bool, unit string) {
		ra, okA := byName[a]
		rb, okB := byName[b]
		if !okA || !okB {
			return
		}
		v := value(ra, rb)
		met := target == 0 || (atLeast && v >= target) || (!atLeast && v <= target)
		r.Ratios = append(r.Ratios, ratio{Name: name, Value: v, Target: target, AtLeast: atLeast, Met: met, unit: unit})
	}
	throughput := func(a, b result) float64 { return a.RPS / b.RPS }
	add("paddock / peer throughput", namePaddockOff, namePeer, throughput, 300, true, "x")
	add("paddock p99 / peer p99", namePaddockOff, namePeer,
		func(a, b result) float64 { return a.P99MS / b.P99MS }, 1.0/50, false, "x")
	add("paddock / peer omp=1 throughput", namePaddockOff, namePeerOMP1, throughput, 0, true, "x")
	add("paddock / floor throughput", namePaddockOff, nameFloor, throughput, 0.70, true, "%")
	add("prediction log cost (1 - on/off)", namePaddockOn, namePaddockOff,
		func(on, off result) float64 { return 1 - on.RPS/off.RPS }, 0.10, false, "%")
	add("shadow cost (1 - shadow/log on)", namePaddockShadow, namePaddockOn,
		func(sh, on result) float64 { return 1 - sh.RPS/on.RPS }, 0.15, false, "%")
	add("shadow p99 / log-on p99", namePaddockShadow, namePaddockOn,
		func(sh, on result) float64 { return sh.P99MS / on.P99MS }, 1.2, false, "x")
	return r
}

func (r report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r report) writeTable(w io.Writer) error {
	s := r.Settings
	fmt.Fprintf(w, "wrk -t%d -c%d -d%gs, best of %d after a %gs warm-up; %d cores; fixture row %d of %s\n",
		s.Threads, s.Connections, s.DurationS, s.Repeats, s.WarmupS, s.Cores, s.Row, s.Fixture)
	if slices.ContainsFunc(r.Results, func(res result) bool { return res.Name == namePeer }) {
		fmt.Fprintf(w, "peer: %d gunicorn sync workers; %q is as MLflow runs it, %q has OMP_NUM_THREADS=1\n",
			peerWorkers, namePeer, namePeerOMP1)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-18s %12s %10s %10s %8s\n", "server", "req/s", "p50 ms", "p99 ms", "errors")
	for _, res := range r.Results {
		fmt.Fprintf(w, "%-18s %12.0f %10.3f %10.3f %8d", res.Name, res.RPS, res.P50MS, res.P99MS, res.Non2xx+res.SocketErrors)
		if res.Note != "" {
			fmt.Fprintf(w, "  (%s)", res.Note)
		}
		fmt.Fprintln(w)
	}
	if len(r.Ratios) > 0 {
		fmt.Fprintf(w, "\n%-34s %10s %12s\n", "ratio", "value", "target")
	}
	for _, ra := range r.Ratios {
		cmp, verdict := "<=", "ok"
		if ra.AtLeast {
			cmp = ">="
		}
		target := cmp + " " + ra.format(ra.Target)
		switch {
		case ra.Target == 0:
			target, verdict = "-", ""
		case !ra.Met:
			verdict = "MISSED"
		}
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("%-34s %10s %12s  %s", ra.Name, ra.format(ra.Value), target, verdict), " "))
	}
	_, err := fmt.Fprintln(w, "\nerrors = non-2xx answers + socket errors; peer = MLflow's scoring path in Flask under gunicorn (peer.py)")
	return err
}

// format writes v as a percentage, a multiple, or a fraction 1/n when it
// is below one (a latency ratio reads better as "1/80").
func (ra ratio) format(v float64) string {
	switch {
	case ra.unit == "%":
		return fmt.Sprintf("%.1f%%", 100*v)
	case v > 0 && v < 1:
		return fmt.Sprintf("1/%.0f", 1/v)
	default:
		return fmt.Sprintf("%.1fx", v)
	}
}
