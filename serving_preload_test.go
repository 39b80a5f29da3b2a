package main

import (
	"encoding/json"
	"testing"
	"time"
)

// A model listed under serving.models is loaded at start, and the
// process still stops at once: loading it at start must not keep a
// reference that shutdown would wait for.
func TestServingPreloadedModelStopsPromptly(t *testing.T) {
	dir := t.TempDir()
	in := startAt(t, dir, nil)
	v := registerModelDir(t, in, "churn", modelOnly(t, fixtureDir("xgboost", "binary_logistic"), "model.json"))
	setAlias(t, in, "churn", "production", v)
	in.stop()

	cfg := writeConfig(t, "serving:\n  models:\n    churn: {}\n")
	in = startAt(t, dir, nil, "--config", cfg)
	status, body := api(t, in, "GET", "/api/serving/models", in.Admin, nil)
	var got struct {
		Models []struct {
			Model  string            `json:"model"`
			Loaded []json.RawMessage `json:"loaded"`
		} `json:"models"`
	}
	if status != 200 || json.Unmarshal(body, &got) != nil {
		t.Fatalf("serving status: %d %s", status, body)
	}
	loaded := false
	for _, m := range got.Models {
		loaded = loaded || m.Model == "churn" && len(m.Loaded) == 1
	}
	if !loaded {
		t.Fatalf("churn is not loaded at start: %s", body)
	}
	began := time.Now()
	in.stop()
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("stopping took %s: a start-up load held a reference", took.Round(time.Millisecond))
	}
}
