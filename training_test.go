package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type trainingRun struct {
	ID            int64
	Job           string
	FiredBy       string `json:"fired_by"`
	Status        string
	Reason        string
	Gate          string
	TrackingRunID string `json:"tracking_run_id"`
	ModelVersion  *int64 `json:"model_version"`
	Promotion     string
	GateReport    *struct{ Reason string } `json:"gate_report"`
}

func trainingRuns(t *testing.T, in *instance, job string) []trainingRun {
	t.Helper()
	status, body := api(t, in, "GET", "/api/training/runs?job="+job, in.Admin, nil)
	if status != 200 {
		t.Fatalf("runs: %d %s", status, body)
	}
	var page struct{ Runs []trainingRun }
	decode(t, body, &page)
	return page.Runs
}

// waitRun waits for a finished run of job that fire made (or any).
func waitRun(t *testing.T, in *instance, job string, done func(trainingRun) bool) trainingRun {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range trainingRuns(t, in, job) {
			if done(r) {
				return r
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no such run of %s within 60s: %+v", job, trainingRuns(t, in, job))
	return trainingRun{}
}

func finished(r trainingRun) bool { return r.Status == "FINISHED" || r.Status == "FAILED" }

// The whole retraining loop with a real XGBoost training script: the
// schedule fires, the run is tracked with params, metrics and its log,
// the gate passes, the version is registered with lineage and alpha moves
// to it; then a deliberately worse model, run by hand, is rejected by the
// gate comparing it with production, with the reason recorded.
func TestTrainingScheduleGateAndRegistration(t *testing.T) {
	dataDir := t.TempDir()
	data := filepath.Join(t.TempDir(), "churn-data")
	if out, err := exec.Command("/usr/bin/python3", "examples/churn-xgboost/make_data.py", data, "--rows", "3000").CombinedOutput(); err != nil {
		t.Fatalf("make data: %v\n%s", err, out)
	}
	// The job's model must exist before the job is configured.
	first := startAt(t, dataDir, nil)
	if status, body := api(t, first, "POST", "/api/models", first.Admin, map[string]any{"name": "churn"}); status != 201 {
		t.Fatalf("create model: %d %s", status, body)
	}
	first.stop()

	script, _ := filepath.Abs("examples/churn-xgboost/train.py")
	gate := `
      gate:
        rules: ["f1 >= 0.1", "auc >= 0.6"]
        compare: {metric: auc, direction: max, margin: 0.0}
        per_class: {metrics: ["recall_*"], max_drop: 0.05}`
	cfg := writeConfig(t, fmt.Sprintf(`
training:
  jobs:
    churn-retrain:
      model: churn
      command: ["/usr/bin/python3", %q]
      params: {data: %q, rounds: "40"}
      schedule: "@every 3s"
      timeout: 2m
      concurrency: skip%s
    churn-worse:
      model: churn
      command: ["/usr/bin/python3", %q]
      params: {data: %q, rounds: "2", max_depth: "1", label_noise: "0.45"}
      timeout: 2m%s
`, script, data, gate, script, data, gate))
	in := startAt(t, dataDir, nil, "--config", cfg)

	run := waitRun(t, in, "churn-retrain", func(r trainingRun) bool { return finished(r) && r.FiredBy == "schedule" })
	if run.Status != "FINISHED" || run.Gate != "pass" || run.ModelVersion == nil || run.Promotion == "" {
		_, detail := api(t, in, "GET", fmt.Sprintf("/api/training/runs/%d", run.ID), in.Admin, nil)
		t.Fatalf("scheduled run: %s", detail)
	}
	v := *run.ModelVersion
	status, body := api(t, in, "GET", "/api/runs/"+run.TrackingRunID, in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), `"rounds"`) || !strings.Contains(string(body), `"auc"`) || !strings.Contains(string(body), `"FINISHED"`) {
		t.Fatalf("tracked run: %d %s", status, body)
	}
	status, body, _ = in.call("GET", "/api/artifacts?prefix=mlartifacts", in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), run.TrackingRunID) || !strings.Contains(string(body), "paddock/output.log") {
		t.Fatalf("the run's log artifact: %d %s", status, body)
	}
	status, body = api(t, in, "GET", fmt.Sprintf("/api/models/churn/versions/%d/lineage", v), in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), run.TrackingRunID) || !strings.Contains(string(body), `"churn"`) {
		t.Fatalf("lineage: %d %s", status, body)
	}
	status, body = api(t, in, "GET", "/api/models/churn/aliases/alpha", in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), fmt.Sprintf(`"version":"%d"`, v)) {
		t.Fatalf("alpha should point at version %d: %d %s", v, status, body)
	}

	// Production takes the good model; the worse one must not pass.
	setAlias(t, in, "churn", "production", int(v))
	status, body = api(t, in, "POST", "/api/training/jobs/churn-worse/run", in.Admin, nil)
	if status != 202 {
		t.Fatalf("run now: %d %s", status, body)
	}
	var started struct {
		RunID int64 `json:"run_id"`
	}
	decode(t, body, &started)
	worse := waitRun(t, in, "churn-worse", func(r trainingRun) bool { return r.ID == started.RunID && finished(r) })
	if worse.Status != "FINISHED" || worse.Gate != "fail" || worse.GateReport == nil || !strings.Contains(worse.GateReport.Reason, "auc") {
		t.Fatalf("the worse model must be rejected by the gate with a reason: %+v", worse)
	}
	status, body = api(t, in, "GET", "/api/models/churn/aliases/alpha", in.Admin, nil)
	if status != 200 || strings.Contains(string(body), fmt.Sprintf(`"version":"%d"`, *worse.ModelVersion)) {
		t.Fatalf("a rejected version must not become alpha: %d %s", status, body)
	}
	status, body, _ = in.call("GET", fmt.Sprintf("/api/training/runs/%d/log", worse.ID), in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), "data: trained: f1=") || !strings.Contains(string(body), "event: end") {
		t.Fatalf("log tail: %d %s", status, body)
	}
}
