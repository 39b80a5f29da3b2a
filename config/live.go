package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/paddockml/paddock/registry/naming"
)

// LiveConfig configures live experiments (dark mode): an alpha version
// beside production on live traffic (docs/live-experiments.md).
type LiveConfig struct {
	// File, when set, holds the experiments instead of this file: a YAML
	// document with an "experiments:" mapping. Paddock re-reads it when
	// it changes. Default "" (the experiments below).
	File string `yaml:"file"`
	// Shadow bounds the work alpha predictions may take.
	Shadow ShadowConfig `yaml:"shadow"`
	// Evaluate is how often experiment rules (promotion, rollback,
	// canary steps) are checked. Default 30s.
	Evaluate Duration `yaml:"evaluate"`
	// Experiments by name (letters, digits, '-' and '_', not all digits).
	Experiments map[string]LiveExperiment `yaml:"experiments"`
}

// ShadowConfig bounds shadow execution, which never slows production.
type ShadowConfig struct {
	// Queue is the most shadow predictions waiting; beyond it they are
	// dropped and counted. Default 1024.
	Queue int `yaml:"queue"`
	// Workers run shadow predictions; 0 is one per two CPUs (at least
	// one), so alpha never takes the whole machine. Default 0.
	Workers int `yaml:"workers"`
	// Timeout bounds one shadow prediction. Default 2s.
	Timeout Duration `yaml:"timeout"`
	// CPUShare is the most of the machine's CPU time (all cores) that
	// shadow predictions may use, averaged over a second; past it the
	// workers rest and the queue drops. Default 0.1.
	CPUShare float64 `yaml:"cpu_share"`
}

// LiveExperiment is one experiment on one served model.
type LiveExperiment struct {
	// Model is the registered model the experiment serves.
	Model string `yaml:"model"`
	// Production and Alpha name the two versions: an alias, or "v<N>"
	// for a version number. Defaults "production" and "alpha".
	Production string `yaml:"production"`
	Alpha      string `yaml:"alpha"`
	// Mode is shadow (alpha sees traffic, never answers), split (a share
	// of traffic is answered by alpha) or canary (split in steps).
	Mode string `yaml:"mode"`
	// SampleRate is the share of requests alpha also answers in shadow
	// mode, 0 to 1. Default 1.
	SampleRate float64 `yaml:"sample_rate"`
	// SplitPercent is the share of requests alpha answers in split mode.
	SplitPercent float64 `yaml:"split_percent"`
	// Sticky chooses the request key that assigns an arm: a header or a
	// field of the first input row; the request id when neither is set.
	Sticky StickyConfig `yaml:"sticky"`
	// Salt makes two experiments bucket keys independently. Default: the
	// experiment's name.
	Salt string `yaml:"salt"`
	// Canary lists the traffic steps of canary mode.
	Canary CanaryConfig `yaml:"canary"`
	// Rules decide promotion and rollback.
	Rules LiveRules `yaml:"rules"`
	// Paused experiments route everything to production. Default false.
	Paused bool `yaml:"paused"`
}

// StickyConfig names the request key of sticky assignment.
type StickyConfig struct {
	Header string `yaml:"header"`
	Field  string `yaml:"field"`
}

// CanaryConfig is canary mode's steps.
type CanaryConfig struct {
	Steps []CanaryStep `yaml:"steps"`
}

// CanaryStep sends Percent of traffic to alpha for at least Hold, then
// moves on if no rollback rule fired.
type CanaryStep struct {
	Percent float64  `yaml:"percent"`
	Hold    Duration `yaml:"hold"`
}

// LiveRules decide an experiment's outcome from its statistics.
type LiveRules struct {
	// MinRequests is how many compared requests the rules wait for.
	// Default 100.
	MinRequests int `yaml:"min_requests"`
	// Window is how far back statistics look. Default 1h.
	Window Duration `yaml:"window"`
	// Promote lists conditions that must all hold to promote, each
	// "<metric> <op> <number>", e.g. "agreement_rate >= 0.95".
	Promote []string `yaml:"promote"`
	// Rollback lists conditions any of which rolls back.
	Rollback []string `yaml:"rollback"`
	// AutoPromote promotes by itself when Promote holds. Default false.
	AutoPromote bool `yaml:"auto_promote"`
	// AutoRollback rolls back by itself when Rollback fires. Default true.
	AutoRollback bool `yaml:"auto_rollback"`
}

// LiveMetricNames are the statistics rules may name; the live package
// checks it computes each of them.
var LiveMetricNames = []string{
	"requests", "agreement_rate", "accuracy_delta", "alpha_accuracy", "production_accuracy",
	"latency_ratio", "alpha_error_rate", "production_error_rate", "error_rate", "score_delta_mean", "srm_p_value",
}

// Condition is a parsed rule: Metric Op Value.
type Condition struct {
	Metric string
	Op     string
	Value  float64
}

var conditionRE = regexp.MustCompile(`^\s*([a-z_]+)\s*(>=|<=|==|!=|>|<)\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*$`)

// ParseCondition parses "metric op number".
func ParseCondition(s string) (Condition, error) {
	m := conditionRE.FindStringSubmatch(s)
	if m == nil {
		return Condition{}, fmt.Errorf("%q is not a condition (want e.g. \"agreement_rate >= 0.95\")", s)
	}
	if !slices.Contains(LiveMetricNames, m[1]) {
		return Condition{}, fmt.Errorf("unknown metric %q (known: %s)", m[1], strings.Join(LiveMetricNames, ", "))
	}
	v, err := strconv.ParseFloat(m[3], 64)
	if err != nil {
		return Condition{}, fmt.Errorf("%q: bad number %q", s, m[3])
	}
	return Condition{Metric: m[1], Op: m[2], Value: v}, nil
}

// Holds reports whether the condition holds for value x.
func (c Condition) Holds(x float64) bool {
	switch c.Op {
	case ">=":
		return x >= c.Value
	case "<=":
		return x <= c.Value
	case ">":
		return x > c.Value
	case "<":
		return x < c.Value
	case "==":
		return x == c.Value
	}
	return x != c.Value
}

func (c Condition) String() string {
	return fmt.Sprintf("%s %s %s", c.Metric, c.Op, strconv.FormatFloat(c.Value, 'g', -1, 64))
}

func defaultLive() LiveConfig {
	return LiveConfig{Shadow: ShadowConfig{Queue: 1024, Timeout: Duration(2 * time.Second), CPUShare: 0.1}, Evaluate: Duration(30 * time.Second)}
}

// DefaultLiveExperiment is where an experiment's settings start from.
func DefaultLiveExperiment() LiveExperiment {
	return LiveExperiment{Production: "production", Alpha: "alpha", Mode: "shadow", SampleRate: 1,
		Rules: LiveRules{MinRequests: 100, Window: Duration(time.Hour), AutoRollback: true}}
}

func (e *LiveExperiment) setDefaults() { *e = DefaultLiveExperiment() }

var experimentNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// validateLive checks the live section; experiments are checked whether
// they come from this file or from live.file.
func validateLive(c LiveConfig, bad func(key, format string, args ...any)) {
	if c.Shadow.Queue < 1 || c.Shadow.Queue > 1<<20 {
		bad("live.shadow.queue", "must be between 1 and 1048576, got %d", c.Shadow.Queue)
	}
	if c.Shadow.Workers < 0 || c.Shadow.Workers > 1024 {
		bad("live.shadow.workers", "must be between 0 and 1024, got %d", c.Shadow.Workers)
	}
	if c.Shadow.Timeout <= 0 {
		bad("live.shadow.timeout", "must be positive")
	}
	if !(c.Shadow.CPUShare > 0 && c.Shadow.CPUShare <= 1) {
		bad("live.shadow.cpu_share", "must be more than 0 and at most 1, got %g", c.Shadow.CPUShare)
	}
	if c.Evaluate < Duration(time.Second) {
		bad("live.evaluate", "must be at least 1s, got %s", c.Evaluate)
	}
	ValidateLiveExperiments(c.Experiments, "live.experiments", bad)
}

// ValidateLiveExperiments checks experiments at the key prefix; the
// live package calls it for experiments created through the API too.
func ValidateLiveExperiments(exps map[string]LiveExperiment, prefix string, bad func(key, format string, args ...any)) {
	served := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(exps)) {
		e, key := exps[name], prefix+"."+name
		if !experimentNameRE.MatchString(name) {
			bad(key, "invalid experiment name (letters, digits, '-' and '_', at most 64)")
		} else if _, err := strconv.Atoi(name); err == nil {
			bad(key, "an experiment name cannot be all digits (tracking experiments use numbers)")
		}
		validateLiveExperiment(e, key, bad)
		if other, dup := served[e.Model]; dup && e.Model != "" {
			bad(key+".model", "model %q already has experiment %q: one experiment per model", e.Model, other)
		}
		served[e.Model] = name
	}
}

func validateLiveExperiment(e LiveExperiment, key string, bad func(key, format string, args ...any)) {
	if e.Model == "" {
		bad(key+".model", "required")
	} else if err := naming.ValidateModelName(e.Model); err != nil {
		bad(key+".model", "%v", err)
	}
	for _, arm := range []struct{ k, v string }{{"production", e.Production}, {"alpha", e.Alpha}} {
		if err := validateArmTarget(arm.v); err != nil {
			bad(key+"."+arm.k, "%v", err)
		}
	}
	if e.Production == e.Alpha {
		bad(key+".alpha", "must differ from production (both %q)", e.Alpha)
	}
	if !(e.SampleRate >= 0 && e.SampleRate <= 1) {
		bad(key+".sample_rate", "must be between 0 and 1, got %v", e.SampleRate)
	}
	switch e.Mode {
	case "shadow":
	case "split":
		if !(e.SplitPercent > 0 && e.SplitPercent < 100) {
			bad(key+".split_percent", "must be above 0 and below 100 in split mode, got %v", e.SplitPercent)
		}
	case "canary":
		if len(e.Canary.Steps) == 0 {
			bad(key+".canary.steps", "canary mode needs at least one step")
		}
		prev := 0.0
		for i, s := range e.Canary.Steps {
			k := fmt.Sprintf("%s.canary.steps[%d]", key, i)
			if !(s.Percent > prev && s.Percent <= 100) {
				bad(k+".percent", "must rise above the previous step (%v) and be at most 100, got %v", prev, s.Percent)
			}
			if s.Hold <= 0 {
				bad(k+".hold", "must be positive")
			}
			prev = s.Percent
		}
	default:
		bad(key+".mode", "unknown mode %q (want shadow, split or canary)", e.Mode)
	}
	if e.Sticky.Header != "" && e.Sticky.Field != "" {
		bad(key+".sticky", "set header or field, not both")
	}
	if e.Rules.MinRequests < 1 {
		bad(key+".rules.min_requests", "must be at least 1, got %d", e.Rules.MinRequests)
	}
	if e.Rules.Window < Duration(time.Minute) {
		bad(key+".rules.window", "must be at least 1m, got %s", e.Rules.Window)
	}
	for list, conds := range map[string][]string{"promote": e.Rules.Promote, "rollback": e.Rules.Rollback} {
		for i, c := range conds {
			if _, err := ParseCondition(c); err != nil {
				bad(fmt.Sprintf("%s.rules.%s[%d]", key, list, i), "%v", err)
			}
		}
	}
}

// validateArmTarget checks an alias or "v<N>".
func validateArmTarget(s string) error {
	if _, ok := ArmVersion(s); ok {
		return nil
	}
	return naming.ValidateAlias(s)
}

// ArmVersion reads "v<N>" (or a bare number) as a version number.
func ArmVersion(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimPrefix(s, "v"), 10, 64)
	return n, err == nil && n > 0
}

// liveFile is the document live.file holds.
type liveFile struct {
	Experiments map[string]LiveExperiment `yaml:"experiments"`
}

// ReadLiveFile reads and validates a separate experiments file. Problems
// name the file, line and key (live.experiments.<name>...).
func ReadLiveFile(path string) (map[string]LiveExperiment, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Problems: []Problem{{File: path, Msg: "cannot read: " + err.Error()}}}
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return map[string]LiveExperiment{}, nil
		}
		return nil, &Error{Problems: []Problem{{File: path, Line: yamlErrLine(err), Msg: yamlErrMsg(err)}}}
	}
	var f liveFile
	lines := map[string]int{}
	d := &decoder{file: path, lines: lines}
	if len(doc.Content) > 0 {
		d.decode(doc.Content[0], reflect.ValueOf(&f).Elem(), "live")
	}
	var probs []Problem
	probs = append(probs, d.problems...)
	ValidateLiveExperiments(f.Experiments, "live.experiments", func(key, format string, args ...any) {
		probs = append(probs, Problem{File: path, Line: lines[key], Key: key, Msg: fmt.Sprintf(format, args...)})
	})
	if len(probs) > 0 {
		return nil, &Error{Problems: probs}
	}
	if f.Experiments == nil {
		f.Experiments = map[string]LiveExperiment{}
	}
	return f.Experiments, nil
}

// ParseLiveExperiment reads one experiment written as YAML or JSON (the
// body of an API call, or a stored spec), starting from the defaults,
// and validates it; problems name "experiments.<name>.<key>".
func ParseLiveExperiment(name string, data []byte) (LiveExperiment, error) {
	var doc yaml.Node
	e := DefaultLiveExperiment()
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return e, &Error{Problems: []Problem{{Line: yamlErrLine(err), Msg: yamlErrMsg(err)}}}
	}
	key := "experiments." + name
	d := &decoder{lines: map[string]int{}}
	if len(doc.Content) > 0 {
		d.decode(doc.Content[0], reflect.ValueOf(&e).Elem(), key)
	}
	probs := d.problems
	ValidateLiveExperiments(map[string]LiveExperiment{name: e}, "experiments", func(k, format string, args ...any) {
		probs = append(probs, Problem{Key: k, Msg: fmt.Sprintf(format, args...)})
	})
	if len(probs) > 0 {
		return e, &Error{Problems: probs}
	}
	return e, nil
}

// Marshal writes the experiment as YAML, which ParseLiveExperiment reads.
func (e LiveExperiment) Marshal() ([]byte, error) { return yaml.Marshal(e) }
