package scheduler

import (
	"strings"
	"testing"

	"github.com/paddockml/paddock/config"
)

func TestGateVerdicts(t *testing.T) {
	gate := func(rules []string, cmp config.CompareConfig, perClass []string, maxDrop float64) gateSpec {
		if cmp.Against == "" {
			cmp.Against = "production"
		}
		if cmp.Direction == "" {
			cmp.Direction = "max"
		}
		g, err := newGateSpec(config.GateConfig{Rules: rules, Compare: cmp, PerClass: config.PerClassConfig{Metrics: perClass, MaxDrop: maxDrop}})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	prod := &ModelVersion{Version: 3, Metrics: map[string]float64{"f1": 0.82, "rmse": 1.5, "recall_spam": 0.90, "recall_ham": 0.95}}
	f1 := config.CompareConfig{Metric: "f1", Margin: 0.01}
	cases := []struct {
		name     string
		g        gateSpec
		metrics  map[string]float64
		baseline *ModelVersion
		pass     bool
		reason   string // a piece of the reason
	}{
		{"rule holds", gate([]string{"f1 >= 0.80"}, config.CompareConfig{}, nil, 0), map[string]float64{"f1": 0.80}, nil, true, "rule f1 0.8: want >= 0.8: ok"},
		{"rule fails", gate([]string{"f1 >= 0.80"}, config.CompareConfig{}, nil, 0), map[string]float64{"f1": 0.79}, nil, false, "rule f1 0.79: want >= 0.8: FAILED"},
		{"rule metric missing", gate([]string{"auc > 0.5"}, config.CompareConfig{}, nil, 0), map[string]float64{"f1": 0.9}, nil, false, "auc: want > 0.5: not logged by the run"},
		{"beats production by the margin", gate(nil, f1, nil, 0), map[string]float64{"f1": 0.83}, prod, true, "f1 0.83 vs baseline 0.82 (version)"},
		{"does not beat it by the margin", gate(nil, f1, nil, 0), map[string]float64{"f1": 0.825}, prod, false, "compare f1 0.825 vs baseline 0.82 (version): want >= baseline + 0.01: FAILED"},
		{"baseline evaluated by the run on the same data", gate(nil, f1, nil, 0),
			map[string]float64{"f1": 0.83, "production.f1": 0.83}, prod, false, "vs baseline 0.83 (run)"},
		{"min direction", gate(nil, config.CompareConfig{Metric: "rmse", Direction: "min", Margin: 0.1}, nil, 0),
			map[string]float64{"rmse": 1.3}, prod, true, "want <= baseline - 0.1: ok"},
		{"min direction fails", gate(nil, config.CompareConfig{Metric: "rmse", Direction: "min", Margin: 0.1}, nil, 0),
			map[string]float64{"rmse": 1.45}, prod, false, "FAILED"},
		{"first model has nothing to compare", gate(nil, f1, []string{"recall_*"}, 0), map[string]float64{"f1": 0.5, "recall_a": 0.1}, nil, true, "no production version to compare with"},
		{"baseline without the metric", gate(nil, config.CompareConfig{Metric: "auc"}, nil, 0), map[string]float64{"auc": 0.9}, prod, false, "no baseline value: log production.auc"},
		{"a collapsing class fails though overall f1 rises", gate(nil, f1, []string{"recall_*"}, 0.02),
			map[string]float64{"f1": 0.90, "recall_spam": 0.60, "recall_ham": 0.99}, prod, false, "per_class recall_spam 0.6 vs baseline 0.9 (version): want >= baseline - 0.02: FAILED"},
		{"classes within the drop", gate(nil, f1, []string{"recall_*"}, 0.02),
			map[string]float64{"f1": 0.90, "recall_spam": 0.885, "recall_ham": 0.96}, prod, true, "per_class recall_spam 0.885"},
		{"a class production had is missing", gate(nil, config.CompareConfig{}, []string{"recall_*"}, 0.02),
			map[string]float64{"recall_ham": 0.96}, prod, false, "per_class recall_spam vs baseline 0.9 (version): want >= baseline - 0.02: not logged by the run: FAILED"},
		{"a new class has no baseline", gate(nil, config.CompareConfig{}, []string{"recall_*"}, 0),
			map[string]float64{"recall_ham": 0.96, "recall_spam": 0.9, "recall_eggs": 0.1}, prod, true, "recall_eggs 0.1: want >= baseline - 0: no baseline value (a new class): ok"},
		{"no per-class metric at all", gate(nil, config.CompareConfig{}, []string{"f1_*"}, 0),
			map[string]float64{"f1": 0.9}, prod, false, "the run logged no metric matching f1_*"},
		{"no checks", gate(nil, config.CompareConfig{}, nil, 0), map[string]float64{}, prod, true, "no checks configured"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := evaluateGate(tc.g, tc.metrics, tc.baseline)
			if v.Pass != tc.pass || !strings.Contains(v.Reason, tc.reason) {
				t.Fatalf("pass=%v reason %q\nwant pass=%v and %q", v.Pass, v.Reason, tc.pass, tc.reason)
			}
			if tc.baseline != nil && v.BaselineVersion != tc.baseline.Version {
				t.Fatalf("baseline version %d", v.BaselineVersion)
			}
		})
	}
}
