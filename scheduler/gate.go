package scheduler

import (
	"fmt"
	"maps"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/paddockml/paddock/config"
)

// GateCheck is one check of the evaluation gate with its numbers.
type GateCheck struct {
	// Kind is "rule", "compare" or "per_class".
	Kind   string   `json:"kind"`
	Metric string   `json:"metric"`
	Value  *float64 `json:"value,omitempty"` // the run's; nil when not logged
	// Baseline is the baseline's value, from the run's own
	// "<alias>.<metric>" (BaselineSource "run") or the version's
	// registered metrics ("version").
	Baseline       *float64 `json:"baseline,omitempty"`
	BaselineSource string   `json:"baseline_source,omitempty"`
	// Want says what passes, e.g. ">= 0.8" or ">= baseline + 0.01".
	Want string `json:"want"`
	Pass bool   `json:"pass"`
	Note string `json:"note,omitempty"`
}

// GateVerdict is the gate's decision on a run.
type GateVerdict struct {
	Pass   bool   `json:"pass"`
	Reason string `json:"reason"`
	// BaselineAlias and BaselineVersion name the version compared with;
	// BaselineVersion is 0 when the alias was unset.
	BaselineAlias   string      `json:"baseline_alias,omitempty"`
	BaselineVersion int64       `json:"baseline_version,omitempty"`
	Checks          []GateCheck `json:"checks"`
}

// gateSpec is a job's gate, parsed.
type gateSpec struct {
	rules    []config.Condition
	compare  config.CompareConfig
	perClass []string
	maxDrop  float64
}

func newGateSpec(g config.GateConfig) (gateSpec, error) {
	s := gateSpec{compare: g.Compare, perClass: g.PerClass.Metrics, maxDrop: g.PerClass.MaxDrop}
	for _, r := range g.Rules {
		c, err := config.ParseGateRule(r)
		if err != nil {
			return s, err
		}
		s.rules = append(s.rules, c)
	}
	return s, nil
}

// epsilon absorbs float noise: 0.82 + 0.01 must accept a logged 0.83.
const epsilon = 1e-9

// evaluateGate judges a run's metrics: the rules, the comparison with the
// baseline version and the per-class comparison. baseline is nil when
// the baseline alias is unset (a first model): comparisons then pass.
func evaluateGate(g gateSpec, metrics map[string]float64, baseline *ModelVersion) GateVerdict {
	v := GateVerdict{BaselineAlias: g.compare.Against}
	if baseline != nil {
		v.BaselineVersion = baseline.Version
	}
	for _, r := range g.rules {
		v.Checks = append(v.Checks, ruleCheck(r, metrics))
	}
	if g.compare.Metric != "" {
		v.Checks = append(v.Checks, compareCheck(g.compare, metrics, baseline))
	}
	if len(g.perClass) > 0 {
		v.Checks = append(v.Checks, perClassChecks(g, metrics, baseline)...)
	}
	v.Pass, v.Reason = summarize(v)
	return v
}

func ruleCheck(r config.Condition, metrics map[string]float64) GateCheck {
	c := GateCheck{Kind: "rule", Metric: r.Metric, Want: r.Op + " " + num(r.Value)}
	x, ok := metrics[r.Metric]
	if !ok {
		c.Note = "not logged by the run"
		return c
	}
	c.Value = &x
	c.Pass = r.Holds(x)
	return c
}

// baselineValue is the baseline's value of a metric: the run's own
// evaluation of the baseline on the same data when it logged one, else
// the value registered on the version.
func baselineValue(alias, metric string, metrics map[string]float64, baseline *ModelVersion) (float64, string, bool) {
	if x, ok := metrics[alias+"."+metric]; ok {
		return x, "run", true
	}
	if x, ok := baseline.Metrics[metric]; ok {
		return x, "version", true
	}
	return 0, "", false
}

func compareCheck(cc config.CompareConfig, metrics map[string]float64, baseline *ModelVersion) GateCheck {
	c := GateCheck{Kind: "compare", Metric: cc.Metric}
	if cc.Direction == "min" {
		c.Want = "<= baseline - " + num(cc.Margin)
	} else {
		c.Want = ">= baseline + " + num(cc.Margin)
	}
	x, ok := metrics[cc.Metric]
	if !ok {
		c.Note = "not logged by the run"
		return c
	}
	c.Value = &x
	if baseline == nil {
		c.Pass, c.Note = true, "no "+cc.Against+" version to compare with"
		return c
	}
	base, src, ok := baselineValue(cc.Against, cc.Metric, metrics, baseline)
	if !ok {
		c.Note = fmt.Sprintf("no baseline value: log %s.%s from the run or register v%d with %s",
			cc.Against, cc.Metric, baseline.Version, cc.Metric)
		return c
	}
	c.Baseline, c.BaselineSource = &base, src
	if cc.Direction == "min" {
		c.Pass = x <= base-cc.Margin+epsilon
	} else {
		c.Pass = x >= base+cc.Margin-epsilon
	}
	return c
}

// perClassChecks compares every metric matching a pattern: each one the
// baseline has must be logged by the run and not drop by more than
// maxDrop (higher is better).
func perClassChecks(g gateSpec, metrics map[string]float64, baseline *ModelVersion) []GateCheck {
	names := perClassNames(g, metrics, baseline)
	if len(names) == 0 {
		return []GateCheck{{Kind: "per_class", Metric: strings.Join(g.perClass, ","), Want: "per-class metrics",
			Note: "the run logged no metric matching " + strings.Join(g.perClass, ", ")}}
	}
	want := ">= baseline - " + num(g.maxDrop)
	var out []GateCheck
	for _, m := range slices.Sorted(maps.Keys(names)) {
		c := GateCheck{Kind: "per_class", Metric: m, Want: want}
		x, logged := metrics[m]
		if logged {
			c.Value = &x
		}
		switch {
		case baseline == nil:
			c.Pass, c.Note = logged, "no "+g.compare.Against+" version to compare with"
		default:
			base, src, ok := baselineValue(g.compare.Against, m, metrics, baseline)
			if ok {
				c.Baseline, c.BaselineSource = &base, src
			}
			switch {
			case !logged:
				c.Note = "not logged by the run"
			case !ok:
				c.Pass, c.Note = true, "no baseline value (a new class)"
			default:
				c.Pass = x >= base-g.maxDrop-epsilon
			}
		}
		out = append(out, c)
	}
	return out
}

// perClassNames are the per-class metrics to compare: those the run
// logged, and those the baseline has (from the run's own evaluation of
// it, or registered on the version).
func perClassNames(g gateSpec, metrics map[string]float64, baseline *ModelVersion) map[string]bool {
	prefix := g.compare.Against + "."
	names := map[string]bool{}
	for m := range metrics {
		base, isBaseline := strings.CutPrefix(m, prefix)
		switch {
		case !isBaseline && matchAny(g.perClass, m):
			names[m] = true
		case isBaseline && baseline != nil && matchAny(g.perClass, base):
			names[base] = true
		}
	}
	if baseline != nil {
		for m := range baseline.Metrics {
			if matchAny(g.perClass, m) {
				names[m] = true
			}
		}
	}
	return names
}

func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// summarize gives the verdict and a one-line reason with the numbers.
func summarize(v GateVerdict) (bool, string) {
	var failed []string
	for _, c := range v.Checks {
		if !c.Pass {
			failed = append(failed, c.String())
		}
	}
	if len(failed) > 0 {
		return false, strings.Join(failed, "; ")
	}
	if len(v.Checks) == 0 {
		return true, "no checks configured"
	}
	parts := make([]string, len(v.Checks))
	for i, c := range v.Checks {
		parts[i] = c.String()
	}
	return true, strings.Join(parts, "; ")
}

// String describes the check with its numbers, e.g.
// "compare f1 0.84 vs baseline 0.82 (version): want >= baseline + 0.01: ok".
func (c GateCheck) String() string {
	var b strings.Builder
	b.WriteString(c.Kind + " " + c.Metric)
	if c.Value != nil {
		b.WriteString(" " + num(*c.Value))
	}
	if c.Baseline != nil {
		fmt.Fprintf(&b, " vs baseline %s (%s)", num(*c.Baseline), c.BaselineSource)
	}
	b.WriteString(": want " + c.Want)
	if c.Note != "" {
		b.WriteString(": " + c.Note)
	}
	if c.Pass {
		b.WriteString(": ok")
	} else {
		b.WriteString(": FAILED")
	}
	return b.String()
}

func num(x float64) string {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}
