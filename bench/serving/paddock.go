package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// adminToken is the bench server's admin bearer token.
const adminToken = "bench-admin-token-0123456789"

// modelName is the registered model the bench serves; artifactPath is
// where its files go in the proxied artifact store.
const (
	modelName    = "bench"
	artifactPath = "bench/xgboost-model"
)

// paddockHeaders are what a client of the native predict API sends; the
// floor receives the same.
var paddockHeaders = map[string]string{
	"Content-Type":  "application/json",
	"Authorization": "Bearer " + adminToken,
}

// paddockBody is the native predict request for one row.
func paddockBody(row []float64) ([]byte, error) {
	return json.Marshal(map[string][][]float64{"rows": {row}})
}

// buildPaddock builds the binary from the repository root into dir.
func buildPaddock(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "paddock")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build paddock: %w\n%s", err, out)
	}
	return bin, nil
}

// startPaddock runs `paddock serve` on a fresh data directory with the
// prediction log sampling every request (logAll) or none.
func startPaddock(ctx context.Context, bin, dataDir string, logAll bool) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	rate := "0"
	if logAll {
		rate = "1"
	}
	cmd := exec.CommandContext(ctx, bin, "serve", "--no-demo", "--data-dir", dataDir, "--addr", addr)
	cmd.Env = append(os.Environ(),
		"PADDOCK_ADMIN_TOKEN="+adminToken,
		"PADDOCK_LOG_LEVEL=warn",
		"PADDOCK_LOG_ACCESS=false",
		"PADDOCK_SERVING_PREDICTION_LOG_SAMPLE_RATE="+rate)
	return startServer("paddock", addr, cmd)
}

// registerModel uploads the XGBoost model file through the proxied
// artifact API, registers it as version 1 of modelName and points the
// production alias at it, all over HTTP as a user would.
func registerModel(ctx context.Context, s *server, modelFile string) error {
	model, err := os.ReadFile(modelFile)
	if err != nil {
		return err
	}
	auth := map[string]string{"Authorization": "Bearer " + adminToken}
	return runSteps(ctx, s, "register model", []step{
		{"PUT", "/api/2.0/mlflow-artifacts/artifacts/" + artifactPath + "/model.json", auth, model},
		{"POST", "/api/models", paddockHeaders, []byte(`{"name":"` + modelName + `"}`)},
		{"POST", "/api/models/" + modelName + "/versions", paddockHeaders,
			[]byte(`{"source":"mlflow-artifacts:/` + artifactPath + `"}`)},
		{"PUT", "/api/models/" + modelName + "/aliases/production", paddockHeaders, []byte(`{"version":1}`)},
	})
}

// step is one HTTP call of a set-up sequence.
type step struct {
	method, path string
	headers      map[string]string
	body         []byte
}

// runSteps makes the calls in order, stopping at the first failure.
func runSteps(ctx context.Context, s *server, what string, steps []step) error {
	for _, st := range steps {
		if _, err := call(ctx, st.method, s.url(st.path), st.headers, st.body); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return nil
}

// predictPath is the native predict endpoint of the bench model.
const predictPath = "/api/models/" + modelName + "/predict"

// loggedPredictions asks GET /api/predictions for the bench model's
// latest logged prediction and returns how many entries the page holds
// (the first top-level array field, whatever its name). ok is false when
// the endpoint does not exist.
func loggedPredictions(ctx context.Context, s *server) (n int, ok bool, err error) {
	url := s.url("/api/predictions?model=" + modelName + "&limit=1")
	status, _, out, err := do(ctx, "GET", url, map[string]string{"Authorization": "Bearer " + adminToken}, nil)
	switch {
	case err != nil:
		return 0, true, err
	case status == 404 || status == 405:
		return 0, false, nil
	case status != 200:
		return 0, true, fmt.Errorf("GET /api/predictions: status %d: %s", status, out)
	}
	var page map[string]json.RawMessage
	if err := json.Unmarshal(out, &page); err != nil {
		return 0, true, fmt.Errorf("GET /api/predictions: %w: %s", err, out)
	}
	for _, v := range page {
		var arr []json.RawMessage
		if json.Unmarshal(v, &arr) == nil {
			return len(arr), true, nil
		}
	}
	return 0, true, fmt.Errorf("GET /api/predictions: no array in %s", out)
}

// logCounters are the prediction log's figures from /metrics.
type logCounters struct {
	written, dropped, failed, queued float64
}

// readLogCounters reads the prediction log's counters from /metrics.
func readLogCounters(ctx context.Context, s *server) (logCounters, error) {
	out, err := call(ctx, "GET", s.url("/metrics"), nil, nil)
	if err != nil {
		return logCounters{}, err
	}
	var c logCounters
	fields := map[string]*float64{
		"paddock_prediction_log_written_total": &c.written,
		"paddock_prediction_log_dropped_total": &c.dropped,
		"paddock_prediction_log_failed_total":  &c.failed,
		"paddock_prediction_log_queue_length":  &c.queued,
	}
	found := 0
	for _, line := range strings.Split(string(out), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if p, known := fields[name]; ok && known {
			if *p, err = strconv.ParseFloat(strings.TrimSpace(value), 64); err != nil {
				return logCounters{}, fmt.Errorf("/metrics: %s: %w", name, err)
			}
			found++
		}
	}
	if found != len(fields) {
		return logCounters{}, fmt.Errorf("/metrics lacks the prediction log's counters")
	}
	return c, nil
}

// drainedLogCounters waits up to ten seconds for the log's queue to empty
// and returns its counters then.
func drainedLogCounters(ctx context.Context, s *server) (logCounters, error) {
	for range 100 {
		c, err := readLogCounters(ctx, s)
		if err != nil || c.queued == 0 {
			return c, err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return logCounters{}, fmt.Errorf("the prediction log's queue did not empty within 10 s")
}

// shadowExperiment is the live experiment of the shadow run.
const shadowExperiment = "bench-shadow"

// registerAlpha registers the alpha model as version 2, points the alpha
// alias at it and starts a shadow experiment sampling every request.
func registerAlpha(ctx context.Context, s *server, modelFile string) error {
	model, err := os.ReadFile(modelFile)
	if err != nil {
		return err
	}
	auth := map[string]string{"Authorization": "Bearer " + adminToken}
	return runSteps(ctx, s, "register alpha", []step{
		{"PUT", "/api/2.0/mlflow-artifacts/artifacts/" + artifactPath + "-alpha/model.json", auth, model},
		{"POST", "/api/models/" + modelName + "/versions", paddockHeaders,
			[]byte(`{"source":"mlflow-artifacts:/` + artifactPath + `-alpha"}`)},
		{"PUT", "/api/models/" + modelName + "/aliases/alpha", paddockHeaders, []byte(`{"version":2}`)},
		{"PUT", "/api/live/experiments/" + shadowExperiment, paddockHeaders,
			[]byte(`{"model":"` + modelName + `","mode":"shadow","sample_rate":1}`)},
	})
}

// shadowCounters reads how many shadow predictions ran and were dropped.
func shadowCounters(ctx context.Context, s *server) (shadowed, dropped int64, err error) {
	out, err := call(ctx, "GET", s.url("/api/live/experiments/"+shadowExperiment), paddockHeaders, nil)
	if err != nil {
		return 0, 0, err
	}
	var v struct {
		Counters struct {
			Shadowed      int64 `json:"shadowed"`
			ShadowDropped int64 `json:"shadow_dropped"`
		} `json:"counters"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return 0, 0, fmt.Errorf("experiment: %w: %s", err, out)
	}
	return v.Counters.Shadowed, v.Counters.ShadowDropped, nil
}
