package main

import (
	"bytes"
	"net/url"
	"os"
	"strings"
	"testing"
)

// paddock run drives a real scikit-learn training script (Debian's
// python3-sklearn) as a tracked run against a real server.
func TestPaddockRunTracksARealTrainingScript(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Fatal("/usr/bin/python3 is needed (scripts/deps.sh installs python3-sklearn)")
	}
	in := start(t, nil)
	m := mlflowClient{t, in}
	env := map[string]string{"MLFLOW_TRACKING_URI": in.URL, "MLFLOW_TRACKING_TOKEN": in.Admin}
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"paddock", "run", "--experiment", "churn", "--name", "sgd-baseline",
		"-P", "alpha=0.0005", "-P", "epochs=6", "--", "/usr/bin/python3", "examples/tracking/train_sklearn.py"},
		func(k string) string { return env[k] }, &out, &errOut)
	if err != nil {
		t.Fatalf("paddock run: %v\nstdout: %s\nstderr: %s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "epoch 5: accuracy") {
		t.Fatalf("the script's output was not passed through: %s", out.String())
	}
	status, body := m.post("/runs/search", map[string]any{"experiment_ids": []string{"1"}, "filter": "attributes.run_name = 'sgd-baseline'"})
	var found struct {
		Runs []struct {
			Info struct {
				RunID  string `json:"run_id"`
				Status string
			}
			Data struct {
				Params  []struct{ Key, Value string }
				Metrics []struct{ Key string }
				Tags    []struct{ Key, Value string }
			}
			Inputs struct {
				DatasetInputs []struct {
					Dataset struct{ Name, Digest string }
				} `json:"dataset_inputs"`
			}
		}
	}
	m.ok(status, body, &found)
	if len(found.Runs) != 1 {
		t.Fatalf("runs: %s", body)
	}
	r := found.Runs[0]
	params := map[string]string{}
	for _, p := range r.Data.Params {
		params[p.Key] = p.Value
	}
	tags := map[string]string{}
	for _, tg := range r.Data.Tags {
		tags[tg.Key] = tg.Value
	}
	if r.Info.Status != "FINISHED" || params["alpha"] != "0.0005" || params["epochs"] != "6" || params["seed"] != "7" {
		t.Fatalf("run status/params: %s %v", r.Info.Status, params)
	}
	if tags["paddock.command"] == "" || tags["mlflow.source.name"] != "/usr/bin/python3" {
		t.Fatalf("source tags: %v", tags)
	}
	if _, err := os.Stat(".git"); err == nil && (len(tags["mlflow.source.git.commit"]) != 40 || tags["paddock.git.dirty"] == "") {
		t.Fatalf("git tags missing in a git checkout: %v", tags)
	}
	if len(r.Inputs.DatasetInputs) != 1 || r.Inputs.DatasetInputs[0].Dataset.Digest == "" {
		t.Fatalf("dataset input: %+v", r.Inputs)
	}
	status, body = m.get("/metrics/get-history", url.Values{"run_id": {r.Info.RunID}, "metric_key": {"f1"}})
	var hist struct{ Metrics []struct{ Step int } }
	m.ok(status, body, &hist)
	if len(hist.Metrics) != 6 || hist.Metrics[5].Step != 5 {
		t.Fatalf("f1 history: %s", body)
	}
	status, body = m.get("/artifacts/list", url.Values{"run_id": {r.Info.RunID}})
	if status != 200 || !strings.Contains(string(body), `"path":"model"`) || !strings.Contains(string(body), `"path":"paddock"`) {
		t.Fatalf("artifacts: %d %s", status, body)
	}
	st, log, _ := in.call("GET", "/api/2.0/mlflow-artifacts/artifacts/1/"+r.Info.RunID+"/artifacts/paddock/output.log", in.Admin, nil)
	if st != 200 || !strings.Contains(string(log), "done: run "+r.Info.RunID) {
		t.Fatalf("output log artifact: %d %s", st, log)
	}
}

// A command that fails leaves a FAILED run and passes its exit code on.
func TestPaddockRunFailingCommand(t *testing.T) {
	in := start(t, nil)
	m := mlflowClient{t, in}
	env := map[string]string{"MLFLOW_TRACKING_URI": in.URL, "MLFLOW_TRACKING_TOKEN": in.Admin}
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"paddock", "run", "--name", "broken", "--", "sh", "-c", "echo oops >&2; exit 3"},
		func(k string) string { return env[k] }, &out, &errOut)
	if exitCode(err) != 3 {
		t.Fatalf("exit code %d (err %v), want 3", exitCode(err), err)
	}
	status, body := m.post("/runs/search", map[string]any{"experiment_ids": []string{"0"}, "filter": "attributes.status = 'FAILED'"})
	var found struct {
		Runs []struct {
			Info struct {
				RunName string `json:"run_name"`
			}
		}
	}
	m.ok(status, body, &found)
	if len(found.Runs) != 1 || found.Runs[0].Info.RunName != "broken" {
		t.Fatalf("failed run: %s", body)
	}
	err = run(t.Context(), []string{"paddock", "run", "--", "/no/such/program"}, func(k string) string { return env[k] }, &out, &errOut)
	if exitCode(err) != 127 {
		t.Fatalf("missing program: exit %d (%v)", exitCode(err), err)
	}
}
