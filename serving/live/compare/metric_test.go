package compare

import (
	"math"
	"slices"
	"testing"
)

func TestMetric(t *testing.T) {
	t.Parallel()
	lab := &Label{Class: "y", HasClass: true}
	withScore := func(a Answer, s float64, lat int64) Answer {
		a.Score, a.HasScore, a.LatencyUS = s, true, lat
		return a
	}
	pairs := []Pair{
		{Prod: withScore(cls("y"), 0.5, 100), Alpha: withScore(cls("y"), 0.75, 200), Label: lab},
		{Prod: withScore(cls("y"), 0.5, 100), Alpha: withScore(cls("n"), 0.25, 300), Label: lab},
		{Prod: withScore(cls("n"), 0.5, 100), Alpha: withScore(cls("y"), 1.0, 300), Label: lab},
		{Prod: withScore(cls("n"), 0.5, 100), Alpha: Answer{Err: true}, Label: lab},
	}
	r := ComparePairs(pairs)
	want := map[string]float64{
		"requests":              4,
		"agreement_rate":        1.0 / 3,
		"accuracy_delta":        0,
		"alpha_accuracy":        2.0 / 3,
		"production_accuracy":   2.0 / 3,
		"latency_ratio":         3,
		"alpha_error_rate":      0.25,
		"production_error_rate": 0,
		"error_rate":            0.25,
		"score_delta_mean":      (0.25 - 0.25 + 0.5) / 3,
	}
	for name, w := range want {
		got, ok := r.Metric(name)
		if !ok || math.Abs(got-w) > 1e-15 {
			t.Errorf("Metric(%q) = %g, %v; want %g", name, got, ok, w)
		}
	}
	if _, ok := r.Metric("srm_p_value"); ok {
		t.Error("srm_p_value is split mode's")
	}
	if _, ok := r.Metric("no_such_metric"); ok {
		t.Error("unknown metric reported ok")
	}
}

func TestMetricUndefinedOnEmpty(t *testing.T) {
	t.Parallel()
	for _, r := range []Report{ComparePairs(nil), CompareSplit(nil, 0.5)} {
		for _, name := range MetricNames() {
			v, ok := r.Metric(name)
			if name == "requests" {
				if !ok || v != 0 {
					t.Errorf("%s: requests = %g, %v", r.Mode, v, ok)
				}
				continue
			}
			if ok {
				t.Errorf("%s: Metric(%q) = %g is defined on no data", r.Mode, name, v)
			}
		}
	}
}

func TestMetricSRM(t *testing.T) {
	t.Parallel()
	singles := make([]Single, 0, 100)
	for i := range 100 {
		arm := ArmProduction
		if i%4 == 0 {
			arm = ArmAlpha
		}
		singles = append(singles, Single{Arm: arm, Answer: cls("a")})
	}
	// 25/75 against a configured 25%: a perfect fit.
	if p, ok := CompareSplit(singles, 0.25).Metric("srm_p_value"); !ok || p != 1 {
		t.Errorf("srm_p_value = %g, %v", p, ok)
	}
}

func TestMetricNamesComplete(t *testing.T) {
	t.Parallel()
	names := MetricNames()
	if len(names) != len(metrics) {
		t.Errorf("%d names for %d metrics", len(names), len(metrics))
	}
	for _, n := range names {
		if _, ok := metrics[n]; !ok {
			t.Errorf("name %q has no metric", n)
		}
	}
	names[0] = "changed"
	if slices.Contains(MetricNames(), "changed") {
		t.Error("MetricNames must return a copy")
	}
}
