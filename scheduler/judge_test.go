package scheduler

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/paddockml/paddock/config"
)

// metricsRunner is a training command that logs the next metrics of its
// list to its run, as a script does through MLflow.
func metricsRunner(tr *fakeTracker, seen *[]map[string]string, metrics ...map[string]float64) fakeRunner {
	n := 0
	return fakeRunner{fn: func(_ context.Context, env map[string]string, _ io.Writer) int {
		*seen = append(*seen, env)
		tr.logMetrics(env["MLFLOW_RUN_ID"], metrics[n])
		n++
		return 0
	}}
}

// runAndWait runs a job by hand and waits for the run to end.
func runAndWait(t *testing.T, s *Scheduler, job string) RunInfo {
	t.Helper()
	id, err := s.RunNow(t.Context(), job, "test")
	if err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
	r, err := s.Run(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A better model passes the gate, is registered with its lineage and
// becomes alpha; a worse one is registered as rejected with the reason,
// and alpha stays.
func TestGatePassRegistersAndMovesAlphaFailRejects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, "intent")
		prod := e.reg.addVersion("intent", map[string]float64{"f1": 0.80, "recall_spam": 0.9, "recall_ham": 0.9})
		e.reg.aliases["intent@production"] = prod
		j := testJob("intent")
		j.Gate = config.GateConfig{Rules: []string{"f1 >= 0.75"},
			Compare:  config.CompareConfig{Metric: "f1", Direction: "max", Margin: 0.01, Against: "production"},
			PerClass: config.PerClassConfig{Metrics: []string{"recall_*"}, MaxDrop: 0.05}}
		var seen []map[string]string
		s := e.start(t, testConfig(map[string]config.TrainingJob{"retrain": j}), metricsRunner(e.tracker, &seen,
			map[string]float64{"f1": 0.86, "production.f1": 0.81, "recall_spam": 0.88, "recall_ham": 0.93},
			map[string]float64{"f1": 0.90, "recall_spam": 0.40, "recall_ham": 0.99}))

		good := runAndWait(t, s, "retrain")
		if seen[0]["PADDOCK_BASELINE_VERSION"] != "1" || seen[0]["PADDOCK_BASELINE_URI"] != "models:/intent/1" {
			t.Fatalf("baseline not given to the command: %v", seen[0])
		}
		if good.Status != StatusFinished || good.Gate != "pass" || good.ModelVersion == nil || *good.ModelVersion != 2 ||
			good.Promotion != "alpha -> v2" || good.GateReport == nil || good.GateReport.BaselineVersion != 1 {
			t.Fatalf("good run %+v", good)
		}
		if c := good.GateReport.Checks[1]; c.Kind != "compare" || *c.Value != 0.86 || *c.Baseline != 0.81 || c.BaselineSource != "run" {
			t.Fatalf("compare check %+v", c)
		}
		if e.reg.alias("intent", "alpha") != 2 {
			t.Fatal("alpha not moved to the passing version")
		}
		reg := e.reg.registrations()[0]
		if reg.RunID != good.TrackingRunID || reg.ArtifactPath != "model" || reg.Parent == nil || *reg.Parent != 1 ||
			reg.Tags["paddock.gate"] != "pass" || reg.Tags["paddock.job"] != "retrain" {
			t.Fatalf("registration %+v", reg)
		}
		tags := e.tracker.run(good.TrackingRunID).tags
		if tags["paddock.gate"] != "pass" || tags["paddock.model_version"] != "2" || tags["paddock.gate.baseline"] != "production v1" {
			t.Fatalf("run tags %v", tags)
		}

		bad := runAndWait(t, s, "retrain")
		if bad.Status != StatusFinished || bad.Gate != "fail" || bad.ModelVersion == nil || *bad.ModelVersion != 3 || bad.Promotion != "" {
			t.Fatalf("bad run %+v", bad)
		}
		reason := bad.GateReport.Reason
		if !strings.Contains(reason, "per_class recall_spam 0.4 vs baseline 0.9 (version): want >= baseline - 0.05: FAILED") {
			t.Fatalf("reason %q", reason)
		}
		if e.reg.alias("intent", "alpha") != 2 {
			t.Fatal("alpha moved to a rejected version")
		}
		rej := e.reg.registrations()[1]
		if rej.Tags["paddock.gate"] != "rejected" || rej.Tags["paddock.gate.reason"] != reason {
			t.Fatalf("rejected registration %+v", rej)
		}
		if tags := e.tracker.run(bad.TrackingRunID).tags; tags["paddock.gate"] != "fail" || tags["paddock.gate.reason"] != reason {
			t.Fatalf("rejected run tags %v", tags)
		}
	})
}

// The job's policies: skip registration on a fail, ask for production
// (an approval request when it is guarded), and a baseline that cannot
// be read fails the gate instead of passing it.
func TestGatePolicies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, "m")
		e.reg.guarded["production"] = true
		j := testJob("m")
		j.OnPass, j.OnFail = "request_production", "skip_registration"
		j.Gate.Rules = []string{"acc > 0.5"}
		j.Gate.Compare.Metric = "acc"
		var seen []map[string]string
		s := e.start(t, testConfig(map[string]config.TrainingJob{"j": j}), metricsRunner(e.tracker, &seen,
			map[string]float64{"acc": 0.9}, map[string]float64{"acc": 0.4}, map[string]float64{"acc": 0.9}))

		pass := runAndWait(t, s, "j")
		if pass.Gate != "pass" || pass.Promotion != "production -> v1: approval request 1" || e.reg.alias("m", "production") != 0 {
			t.Fatalf("request_production: %+v", pass)
		}
		fail := runAndWait(t, s, "j")
		if fail.Gate != "fail" || fail.ModelVersion != nil || len(e.reg.registrations()) != 1 {
			t.Fatalf("skip_registration: %+v, %d registrations", fail, len(e.reg.registrations()))
		}
		e.reg.aliasError = errors.New("registry down")
		blind := runAndWait(t, s, "j")
		if blind.Gate != "fail" || !strings.Contains(blind.GateReport.Reason, "cannot read the production version: registry down") {
			t.Fatalf("unreadable baseline: %+v", blind)
		}
	})
}
