package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

func TestReportRatios(t *testing.T) {
	o := options{wrk: load{Threads: 2, Connections: 32, Duration: 10 * time.Second}, warmup: 2 * time.Second}
	r := newReport(o, fixture{}, []result{
		{Name: nameFloor, RPS: 100000, P99MS: 1},
		{Name: namePaddockOff, RPS: 80000, P99MS: 2},
		{Name: namePaddockOn, RPS: 68000, P99MS: 3},
		{Name: namePeer, RPS: 200, P99MS: 200},
		{Name: namePeerOMP1, RPS: 800, P99MS: 100},
	})
	want := map[string]struct {
		value float64
		met   bool
	}{
		"paddock / peer throughput":        {400, true},
		"paddock p99 / peer p99":           {0.01, true},
		"paddock / floor throughput":       {0.8, true},
		"paddock / peer omp=1 throughput":  {100, true},
		"prediction log cost (1 - on/off)": {0.15, false},
	}
	if len(r.Ratios) != len(want) {
		t.Fatalf("%d ratios, want %d", len(r.Ratios), len(want))
	}
	for _, ra := range r.Ratios {
		w, ok := want[ra.Name]
		if !ok || math.Abs(ra.Value-w.value) > 1e-9 || ra.Met != w.met {
			t.Errorf("%s = %v met %v, want %v met %v", ra.Name, ra.Value, ra.Met, w.value, w.met)
		}
	}
	var out bytes.Buffer
	if err := r.writeTable(&out); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "MISSED"); n != 1 {
		t.Errorf("table shows MISSED %d times, want once:\n%s", n, &out)
	}
	for _, s := range []string{"1/100", "400.0x", "80.0%", "15.0%"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, &out)
		}
	}
}

func TestReportSkipsMissingServers(t *testing.T) {
	r := newReport(options{}, fixture{}, []result{{Name: nameFloor, RPS: 1}, {Name: namePeer, RPS: 1}})
	if len(r.Ratios) != 0 {
		t.Errorf("ratios without Paddock's results: %+v", r.Ratios)
	}
}

func TestFirstPrediction(t *testing.T) {
	for body, want := range map[string]float64{
		`{"predictions":[0.25]}`:             0.25,
		`{"predictions":[[0.5, 0.5]]}`:       0.5,
		`{"model":"m","predictions":[1e-3]}`: 0.001,
	} {
		got, err := firstPrediction([]byte(body))
		if err != nil || got != want {
			t.Errorf("firstPrediction(%s) = %v, %v; want %v", body, got, err, want)
		}
	}
	for _, body := range []string{`{}`, `{"predictions":[]}`, `{"predictions":["a"]}`, `[0.5]`, `not json`} {
		if _, err := firstPrediction([]byte(body)); err == nil {
			t.Errorf("firstPrediction(%s) succeeded", body)
		}
	}
}
