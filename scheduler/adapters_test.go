package scheduler

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockml/paddock/artifact/localfs"
	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/registry"
)

// realServices are Paddock's tracking and registry on one database.
type realServices struct {
	db    *env
	runs  *experiments.Service
	store *localfs.Store
	reg   *registry.Service
	model map[string][]byte // a real MLflow xgboost model's files
}

func newRealServices(t *testing.T) *realServices {
	t.Helper()
	e := newEnv(t)
	store, err := localfs.Open(filepath.Join(t.TempDir(), "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	runs := experiments.New(e.db, nil)
	reg, err := registry.New(registry.Options{DB: e.db, Artifacts: store, Runs: runs, Audit: audit.New(e.db, nil)})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "testdata", "mlmodel", "xgboost_json")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[en.Name()] = b
	}
	return &realServices{db: e, runs: runs, store: store, reg: reg, model: files}
}

// train is what a training script does through MLflow: log metrics and
// the model's files under model/ to its run.
func (rs *realServices) train(t *testing.T, runID string, metrics map[string]float64) {
	ctx := context.Background()
	var ms []experiments.Metric
	for k, v := range metrics {
		ms = append(ms, experiments.Metric{Key: k, Value: v, Timestamp: 1})
	}
	if err := rs.runs.LogBatch(ctx, runID, experiments.Batch{Metrics: ms}); err != nil {
		t.Error(err)
		return
	}
	run, err := rs.runs.GetRun(ctx, runID)
	if err != nil {
		t.Error(err)
		return
	}
	rel := strings.TrimPrefix(run.Info.ArtifactURI, experiments.ArtifactScheme)
	for name, b := range rs.model {
		if _, err := rs.store.Put(ctx, "mlartifacts/"+rel+"/model/"+name, bytes.NewReader(b)); err != nil {
			t.Error(err)
		}
	}
}

// The adapters drive Paddock's real tracking and registry: a run with
// params, tags, metrics and its output log; a registered version with
// lineage to the run and the production version; alpha moved on a
// pass, a rejected version on a fail; production guarded by a policy
// gives an approval request.
func TestAdaptersOverRealServices(t *testing.T) {
	rs := newRealServices(t)
	ctx := context.Background()
	operator := registry.Caller{Actor: "token:admin", Approver: true}
	if _, err := rs.reg.CreateModel(ctx, operator, "churn", "", nil); err != nil {
		t.Fatal(err)
	}
	tracker := ServiceTracker{Runs: rs.runs, Artifacts: rs.store}
	// A production version trained earlier, with f1 0.80 on the version.
	first, err := tracker.StartRun(ctx, RunSpec{Experiment: "earlier", RunName: "first"})
	if err != nil {
		t.Fatal(err)
	}
	rs.train(t, first.ID, map[string]float64{"f1": 0.80})
	if _, err := rs.reg.CreateVersion(ctx, operator, registry.CreateVersionRequest{Model: "churn", Source: "runs:/" + first.ID + "/model"}); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.reg.SetAlias(ctx, operator, "churn", "production", 1, registry.Justification{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.reg.SetPolicy(ctx, operator, "churn", []string{"production"}); err != nil {
		t.Fatal(err)
	}
	f1s := []float64{0.86, 0.70, 0.90}
	n := 0
	runner := fakeRunner{fn: func(_ context.Context, env map[string]string, out io.Writer) int {
		io.WriteString(out, "training churn\n")
		rs.train(t, env["MLFLOW_RUN_ID"], map[string]float64{"f1": f1s[n]})
		n++
		return 0
	}}
	j := testJob("churn")
	j.Command = "python3 train.py" // the fake runner stands in for it
	j.Params = map[string]string{"max_depth": "6"}
	j.Gate.Compare = config.CompareConfig{Metric: "f1", Direction: "max", Margin: 0.01, Against: "production"}
	prodJob := j
	prodJob.OnPass = "request_production"
	s, ended := startReal(t, rs.db, map[string]config.TrainingJob{"retrain": j, "to-prod": prodJob}, func(o *Options) {
		o.Tracker, o.Registry, o.Runner = tracker, ServiceRegistry{Models: rs.reg, Caller: registry.Caller{Actor: "scheduler"}}, runner
	})
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}

	id, _ := s.RunNow(ctx, "retrain", "test")
	good := waitEnd(t, s, ended, id)
	if good.Gate != "pass" || good.ModelVersion == nil || *good.ModelVersion != 2 || good.Promotion != "alpha -> v2" {
		t.Fatalf("good run %+v", good)
	}
	run, err := rs.runs.GetRun(ctx, good.TrackingRunID)
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, tg := range run.Tags {
		tags[tg.Key] = tg.Value
	}
	if run.Info.Status != StatusFinished || len(run.Params) != 1 || run.Params[0].Value != "6" || tags["paddock.gate"] != "pass" ||
		tags["paddock.job"] != "retrain" || run.Info.RunName != "retrain-1" {
		t.Fatalf("tracked run %+v", run)
	}
	rel := strings.TrimPrefix(run.Info.ArtifactURI, experiments.ArtifactScheme)
	rc, _, err := rs.store.Get(ctx, "mlartifacts/"+rel+"/"+LogArtifact)
	if err != nil {
		t.Fatal(err)
	}
	logText, _ := io.ReadAll(rc)
	rc.Close()
	if string(logText) != "training churn\n" {
		t.Fatalf("output log %q", logText)
	}
	lin, err := rs.reg.Lineage(ctx, "churn", 2)
	if err != nil || lin.Run == nil || lin.Run.RunID != good.TrackingRunID || lin.Parent == nil || lin.Parent.Version != 1 {
		t.Fatalf("lineage %+v %v", lin, err)
	}
	if alpha, err := rs.reg.VersionByAlias(ctx, "churn", "alpha"); err != nil || alpha.Version != 2 {
		t.Fatalf("alpha %+v %v", alpha, err)
	}

	id, _ = s.RunNow(ctx, "retrain", "test")
	bad := waitEnd(t, s, ended, id)
	v3, err := rs.reg.GetVersion(ctx, "churn", 3)
	if err != nil || bad.Gate != "fail" || !strings.Contains(bad.GateReport.Reason, "compare f1 0.7 vs baseline 0.8 (version)") {
		t.Fatalf("bad run %+v %v", bad, err)
	}
	vtags := map[string]string{}
	for _, tg := range v3.Tags {
		vtags[tg.Key] = tg.Value
	}
	if vtags["paddock.gate"] != "rejected" || vtags["paddock.gate.reason"] != bad.GateReport.Reason {
		t.Fatalf("rejected version tags %v", vtags)
	}

	id, _ = s.RunNow(ctx, "to-prod", "test")
	asked := waitEnd(t, s, ended, id)
	if asked.Gate != "pass" || !strings.HasPrefix(asked.Promotion, "production -> v4: approval request ") {
		t.Fatalf("request_production run %+v", asked)
	}
	if prod, _ := rs.reg.VersionByAlias(ctx, "churn", "production"); prod.Version != 1 {
		t.Fatalf("production moved without approval to v%d", prod.Version)
	}
}
