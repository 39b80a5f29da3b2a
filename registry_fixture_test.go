package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/paddockml/paddock/artifact"
)

// A trained model as an MLflow client logs it: a run with params,
// metrics, a source commit and a training dataset, and the files of a
// real mlflow.xgboost model uploaded through the proxied artifact API.
type loggedRun struct {
	ID, ExperimentID, Commit, Digest string
	// ArtifactURI is the model directory's mlflow-artifacts:/ URI.
	ArtifactURI string
	Files       map[string][]byte
}

// logModelRun logs such a run in a new experiment.
func logModelRun(t *testing.T, in *instance, experiment string) loggedRun {
	t.Helper()
	m := mlflowClient{t, in}
	lr := loggedRun{Commit: "9fceb02d0ae598e95dc970b74767f19372d61af8", Digest: "5d41402a", Files: xgboostModelFiles(t)}
	var exp struct {
		ExperimentID string `json:"experiment_id"`
	}
	status, body := m.post("/experiments/create", map[string]any{"name": experiment})
	m.ok(status, body, &exp)
	lr.ExperimentID = exp.ExperimentID
	var run struct {
		Run struct {
			Info struct {
				RunID       string `json:"run_id"`
				ArtifactURI string `json:"artifact_uri"`
			}
		}
	}
	status, body = m.post("/runs/create", map[string]any{"experiment_id": lr.ExperimentID, "run_name": "xgb-baseline",
		"tags": []map[string]string{{"key": "mlflow.source.git.commit", "value": lr.Commit}, {"key": "mlflow.source.name", "value": "train.py"}}})
	m.ok(status, body, &run)
	lr.ID = run.Run.Info.RunID
	m.okCall(m.post("/runs/log-batch", map[string]any{"run_id": lr.ID,
		"params":  []map[string]string{{"key": "max_depth", "value": "6"}, {"key": "eta", "value": "0.3"}},
		"metrics": []map[string]any{{"key": "auc", "value": 0.93, "timestamp": 1700000000000, "step": 3}},
	}))
	m.okCall(m.post("/runs/log-inputs", map[string]any{"run_id": lr.ID, "datasets": []map[string]any{{
		"tags":    []map[string]string{{"key": "mlflow.data.context", "value": "training"}},
		"dataset": map[string]string{"name": "churn-2025-02", "digest": lr.Digest, "source_type": "s3", "source": `{"uri": "s3://data/churn.parquet"}`},
	}}}))
	lr.ArtifactURI = run.Run.Info.ArtifactURI + "/model"
	rel := lr.ArtifactURI[len("mlflow-artifacts:/"):]
	for name, b := range lr.Files {
		status, body, _ := in.call("PUT", "/api/2.0/mlflow-artifacts/artifacts/"+rel+"/"+name, in.Admin, bytes.NewReader(b))
		if status != 200 {
			t.Fatalf("upload %s: %d %s", name, status, body)
		}
	}
	m.okCall(m.post("/runs/update", map[string]any{"run_id": lr.ID, "status": "FINISHED", "end_time": 1700000100000}))
	return lr
}

// xgboostModelFiles reads the files of a real model logged by
// mlflow.xgboost.
func xgboostModelFiles(t *testing.T) map[string][]byte {
	t.Helper()
	dir := filepath.Join("testdata", "mlmodel", "xgboost_json")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// api sends a JSON request to the native API with a token and returns
// the status and body.
func api(t *testing.T, in *instance, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	status, resp, _ := in.call(method, path, token, r, "Content-Type", "application/json")
	return status, resp
}

// decode unmarshals a body, failing the test on bad JSON.
func decode(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// registryClock lists the registry's clock fields, which golden files
// show as <clock>.
var registryClock = regexp.MustCompile(`"(creation_timestamp|last_updated_timestamp|created_timestamp|decided_timestamp|updated_timestamp)":\s*\d{13}`)

// registryGolden is golden with the registry's timestamps normalized.
func registryGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	golden(t, name, registryClock.ReplaceAll(body, []byte(`"$1":"<clock>"`)))
}

// sha256Digest is the artifact store's digest of b.
func sha256Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return artifact.FormatDigest(sum[:])
}
