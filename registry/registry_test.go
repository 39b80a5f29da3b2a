package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/artifact/localfs"
	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/sqldb"
)

// The callers of the tests: an editor (no approvals) and an admin.
var (
	editor = Caller{Actor: "token:editor", RequestID: "req-e"}
	admin  = Caller{Actor: "token:admin", Approver: true, RequestID: "req-a"}
)

// env is a registry on a real SQLite database and a real artifact store,
// with experiment tracking beside it.
type env struct {
	t     *testing.T
	reg   *Service
	db    *sqldb.DB
	store artifact.Store
	runs  *experiments.Service
	audit *audit.Log
	// root is the local store's directory ("" for other stores).
	root string
}

// newEnv opens a registry on a local store in a temp dir.
func newEnv(t *testing.T, policies map[string][]string) *env {
	t.Helper()
	root := filepath.Join(t.TempDir(), "artifacts")
	store, err := localfs.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := newEnvOn(t, store, policies)
	e.root = root
	return e
}

// newEnvOn opens a registry on the given store.
func newEnvOn(t *testing.T, store artifact.Store, policies map[string][]string) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "paddock.db"), sqldb.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// A clock that moves one millisecond per reading keeps timestamps
	// distinct and ordered.
	var tick atomic.Int64
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Millisecond) }
	runs := experiments.New(db, now)
	log := audit.New(db, now)
	reg, err := New(Options{DB: db, Artifacts: store, Runs: runs, Audit: log, Policies: policies, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, reg: reg, db: db, store: store, runs: runs, audit: log}
}

// model creates a registered model.
func (e *env) model(name string) Model {
	e.t.Helper()
	m, err := e.reg.CreateModel(context.Background(), editor, name, "", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// trainedRun is a finished run that logged a model under "model".
type trainedRun struct {
	ID     string
	Digest string // the training dataset's digest
	Commit string
	Files  map[string][]byte // the model's files by relative path
}

// trainRun creates a run with params, metrics, a source commit, a
// training dataset, and the files of a real MLflow xgboost model logged
// as its artifacts under model/.
func (e *env) trainRun() trainedRun {
	e.t.Helper()
	ctx := context.Background()
	expID, err := e.runs.CreateExperiment(ctx, "exp-"+time.Now().Format("150405.000000000"), "", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	tr := trainedRun{Digest: "a1b2c3d4", Commit: "0123456789abcdef0123456789abcdef01234567", Files: modelFiles(e.t)}
	run, err := e.runs.CreateRun(ctx, experiments.CreateRunRequest{ExperimentID: expID, Tags: []experiments.Tag{
		{Key: experiments.TagCommit, Value: tr.Commit}, {Key: "mlflow.source.name", Value: "train.py"},
	}})
	if err != nil {
		e.t.Fatal(err)
	}
	tr.ID = run.Info.RunID
	err = e.runs.LogBatch(ctx, tr.ID, experiments.Batch{
		Params:  []experiments.Param{{Key: "max_depth", Value: "6"}, {Key: "eta", Value: "0.3"}},
		Metrics: []experiments.Metric{{Key: "auc", Value: 0.91, Timestamp: 1, Step: 0}, {Key: "auc", Value: 0.93, Timestamp: 2, Step: 1}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	err = e.runs.LogInputs(ctx, tr.ID, []experiments.DatasetInput{{
		Tags:    []experiments.Tag{{Key: "mlflow.data.context", Value: "training"}},
		Dataset: experiments.Dataset{Name: "churn-2025-02", Digest: tr.Digest, SourceType: "s3", Source: `{"uri": "s3://data/churn.parquet"}`},
	}})
	if err != nil {
		e.t.Fatal(err)
	}
	rel := run.Info.ArtifactURI[len(experiments.ArtifactScheme):]
	for name, b := range tr.Files {
		if _, err := e.store.Put(ctx, "mlartifacts/"+rel+"/model/"+name, bytes.NewReader(b)); err != nil {
			e.t.Fatal(err)
		}
	}
	return tr
}

// modelFiles reads the files of a real model logged by mlflow.xgboost.
func modelFiles(t *testing.T) map[string][]byte {
	t.Helper()
	dir := filepath.Join("..", "testdata", "mlmodel", "xgboost_json")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[en.Name()] = b
	}
	return out
}

// register registers a version of model from the run's model/ directory.
func (e *env) register(model string, tr trainedRun) Version {
	e.t.Helper()
	v, err := e.reg.CreateVersion(context.Background(), editor, CreateVersionRequest{Model: model, Source: "runs:/" + tr.ID + "/model"})
	if err != nil {
		e.t.Fatal(err)
	}
	if v.Status != StatusReady {
		e.t.Fatalf("version %d is %s: %s", v.Version, v.Status, v.StatusMessage)
	}
	return v
}

// events returns the audit events, oldest first.
func (e *env) events(q audit.Query) []audit.Event {
	e.t.Helper()
	q.Ascending = true
	page, err := e.audit.List(context.Background(), q)
	if err != nil {
		e.t.Fatal(err)
	}
	return page.Events
}

// actions lists the actions of events.
func actions(events []audit.Event) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = ev.Action
	}
	return out
}

func mustJSON(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}
