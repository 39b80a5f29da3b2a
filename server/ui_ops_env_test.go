package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/scheduler"
	"github.com/paddockml/paddock/serving"
	"github.com/paddockml/paddock/serving/live"
	"github.com/paddockml/paddock/serving/predlog"
)

// opsConfig has a shadow experiment comparing two real scikit-learn
// classifiers of iris (no automatic decision within a test), and a
// training job whose command prints two lines.
const opsConfig = `
live:
  evaluate: 1h
  experiments:
    iris-shadow:
      model: iris
      mode: shadow
      rules: {min_requests: 1000000, auto_rollback: false}
training:
  jobs:
    echo:
      model: churn
      command: ["/bin/sh", "-c", "echo first line; sleep 0.2; echo second line"]
      timeout: 1m
`

// newOpsEnv is newUIEnv with serving, the prediction log, live
// experiments and training running on the same database: iris v1 (a
// decision tree) is production and v2 (extra trees) alpha.
func newOpsEnv(t *testing.T) *uiEnv {
	t.Helper()
	e := newUIEnv(t)
	ctx := context.Background()
	deps := e.s.deps
	cfg, err := config.Parse("ops.yaml", []byte(opsConfig), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	v1 := e.registerFixture("iris", "decision_tree_classifier")
	v2 := e.registerFixture("iris", "extra_trees_classifier")
	admin := registry.Caller{Actor: "token:admin-user", Approver: true}
	for alias, v := range map[string]int64{"production": v1, "alpha": v2} {
		if _, err := e.reg.SetAlias(ctx, admin, "iris", alias, v, registry.Justification{}); err != nil {
			t.Fatal(err)
		}
	}
	preds := predlog.New(deps.DB, predlog.Options{FlushInterval: 20 * time.Millisecond})
	t.Cleanup(func() { preds.Close(context.Background()) })
	srv, err := serving.New(ctx, serving.Options{Config: cfg.Serving, Registry: e.reg, Log: preds, Shadow: cfg.Live.Shadow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	lm, err := live.New(ctx, live.Options{Config: cfg.Live, DB: deps.DB, Serving: srv, Registry: e.reg, Audit: deps.Audit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lm.Close)
	tr, err := scheduler.New(scheduler.Options{Config: cfg.Training, DB: deps.DB,
		Tracker:  scheduler.ServiceTracker{Runs: experiments.New(deps.DB, nil), Artifacts: deps.Artifacts},
		Registry: scheduler.ServiceRegistry{Models: e.reg, Caller: registry.Caller{Actor: "system:training"}},
		LogDir:   t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	deps.Serving, deps.Live, deps.Training, deps.Metrics = srv, lm, tr, prometheus.NewRegistry()
	e.s = New(deps)
	return e
}

// registerFixture stores a fixture's model file as a version of model.
func (e *uiEnv) registerFixture(model, fixture string) int64 {
	e.t.Helper()
	ctx := context.Background()
	admin := registry.Caller{Actor: "token:admin-user", Approver: true}
	if _, err := e.reg.GetModel(ctx, model); err != nil {
		if _, err := e.reg.CreateModel(ctx, admin, model, "", nil); err != nil {
			e.t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join("..", "testdata", "fixtures", "sklearn", fixture, "model.pkl"))
	if err != nil {
		e.t.Fatal(err)
	}
	prefix := "uploads/" + model + "/" + fixture
	if _, err := e.s.deps.Artifacts.Put(ctx, artifact.ProxiedKey(prefix+"/model.pkl"), strings.NewReader(string(b))); err != nil {
		e.t.Fatal(err)
	}
	v, err := e.reg.CreateVersion(ctx, admin, registry.CreateVersionRequest{Model: model, Source: "mlflow-artifacts:/" + prefix})
	if err != nil {
		e.t.Fatal(err)
	}
	return v.Version
}

// predictIris sends n rows of the iris fixture, one per request, with
// request ids ops-0.. and a viewer's token, and returns the request ids.
func (e *uiEnv) predictIris(n int) []string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "fixtures", "sklearn", "decision_tree_classifier", "inputs.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	var rows [][]any
	if err := json.Unmarshal(b, &rows); err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for i := range n {
		body, _ := json.Marshal(map[string]any{"rows": [][]any{rows[i%len(rows)]}})
		id := fmt.Sprintf("ops-%03d", i)
		req := httptest.NewRequest("POST", "/api/models/iris/predict", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.tokens[auth.Viewer])
		req.Header.Set("X-Request-Id", id)
		resp, err := e.s.app.Test(req, -1)
		if err != nil || resp.StatusCode != http.StatusOK {
			e.t.Fatalf("predict %d: %v %v", i, err, resp)
		}
		ids = append(ids, id)
	}
	return ids
}
