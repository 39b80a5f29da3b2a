package demo

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/paddockml/paddock/artifact/localfs"
	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/sqldb"
)

type testStore struct {
	db    *sqldb.DB
	deps  Deps
	runs  *experiments.Service
	reg   *registry.Service
	now   time.Time
	audit *audit.Log
}

func newStore(t *testing.T) *testStore {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(dir, "paddock.db"), sqldb.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	arts, err := localfs.Open(filepath.Join(dir, "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	runs := experiments.New(db, nil)
	al := audit.New(db, nil)
	reg, err := registry.New(registry.Options{DB: db, Artifacts: arts, Runs: runs, Audit: al})
	if err != nil {
		t.Fatal(err)
	}
	return &testStore{db: db, deps: Deps{DB: db, Artifacts: arts, Now: func() time.Time { return now }},
		runs: runs, reg: reg, now: now, audit: al}
}

// Seeding an empty store creates every experiment, run (with its
// curves), model, version (with its lineage) and alias of the manifest,
// dated over the past week; a second seeding does nothing.
func TestSeedFillsAnEmptyStoreOnce(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	got, err := Seed(ctx, st.deps)
	if err != nil || got != Created {
		t.Fatalf("Seed = %v, %v; want created", got, err)
	}
	m, err := readManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Experiments) != 3 || len(m.Runs) < 12 || len(m.Models) != 2 {
		t.Fatalf("manifest: %d experiments, %d runs, %d models", len(m.Experiments), len(m.Runs), len(m.Models))
	}
	checkRuns(t, st, m)
	checkModels(t, st, m)
	if got, err := Seed(ctx, st.deps); err != nil || got != AlreadySeeded {
		t.Fatalf("second Seed = %v, %v; want already seeded", got, err)
	}
	if n := count(t, st.db, "SELECT COUNT(*) FROM runs"); n != len(m.Runs) {
		t.Fatalf("after a second Seed: %d runs, want %d", n, len(m.Runs))
	}
	if n := count(t, st.db, "SELECT COUNT(*) FROM model_versions"); n != 6 {
		t.Fatalf("after a second Seed: %d versions, want 6", n)
	}
	page, err := st.audit.List(ctx, audit.Query{Action: markerAction})
	if err != nil || len(page.Events) != 1 || page.Events[0].Actor != Actor {
		t.Fatalf("marker events: %+v, %v", page.Events, err)
	}
}

// checkRuns compares every run with the manifest: status, params, the
// full history of every curve in step order within the run's time, and
// the data set.
func checkRuns(t *testing.T, st *testStore, m *manifest) {
	t.Helper()
	ctx := context.Background()
	if n := count(t, st.db, "SELECT COUNT(*) FROM experiments WHERE experiment_id <> 0"); n != len(m.Experiments) {
		t.Fatalf("%d experiments, want %d", n, len(m.Experiments))
	}
	var oldest time.Time
	for _, spec := range m.Runs {
		exp, err := st.runs.GetExperimentByName(ctx, spec.Experiment)
		if err != nil {
			t.Fatal(err)
		}
		page, err := st.runs.SearchRuns(ctx, experiments.RunSearch{ExperimentIDs: []string{strconv.FormatInt(exp.ID, 10)},
			Filter: "attributes.run_name = '" + spec.Name + "'"})
		if err != nil || len(page.Runs) != 1 {
			t.Fatalf("run %s: %d found, %v", spec.Name, len(page.Runs), err)
		}
		run := page.Runs[0]
		start, end := time.UnixMilli(*run.Info.StartTime), time.UnixMilli(*run.Info.EndTime)
		if run.Info.Status != experiments.StatusFinished || !start.Before(end) || !end.Before(st.now) {
			t.Fatalf("run %s: %s from %v to %v", spec.Name, run.Info.Status, start, end)
		}
		if oldest.IsZero() || start.Before(oldest) {
			oldest = start
		}
		if len(run.Params) != len(spec.Params) || len(run.Inputs) != 1 || run.Inputs[0].Dataset.Digest != spec.Dataset.Digest {
			t.Fatalf("run %s: params %v, inputs %+v", spec.Name, run.Params, run.Inputs)
		}
		for key, values := range spec.History {
			checkCurve(t, st, run.Info.RunID, key, values, start, end)
		}
		for key, v := range spec.Metrics {
			if !hasMetric(run.Metrics, key, v) {
				t.Fatalf("run %s lacks its final %s = %v: %v", spec.Name, key, v, run.Metrics)
			}
		}
	}
	if age := st.now.Sub(oldest); age < 5*24*time.Hour || age > 7*24*time.Hour {
		t.Fatalf("the oldest run started %v ago; the story spans about a week", age)
	}
}

func checkCurve(t *testing.T, st *testStore, runID, key string, want []float64, start, end time.Time) {
	t.Helper()
	h, err := st.runs.MetricHistory(context.Background(), runID, key, 0, "")
	if err != nil || len(h.Metrics) != len(want) || len(want) < 20 {
		t.Fatalf("history of %s: %d points (want %d), %v", key, len(h.Metrics), len(want), err)
	}
	last := start.UnixMilli()
	for i, p := range h.Metrics {
		if p.Step != int64(i) || p.Value != want[i] || p.Timestamp < last || p.Timestamp > end.UnixMilli() {
			t.Fatalf("%s point %d: %+v, want step %d value %v within the run", key, i, p, i, want[i])
		}
		last = p.Timestamp
	}
}

// checkModels checks versions, their lineage to their runs and aliases.
func checkModels(t *testing.T, st *testStore, m *manifest) {
	t.Helper()
	ctx := context.Background()
	for _, md := range m.Models {
		for i, vs := range md.Versions {
			n := int64(i + 1)
			l, err := st.reg.Lineage(ctx, md.Name, n)
			if err != nil {
				t.Fatal(err)
			}
			spec := runByKey(m, vs.Run)
			if l.Run == nil || !l.Run.Found || l.Run.RunName != spec.Name || l.Run.SourceCommit != spec.Commit ||
				len(l.Run.Datasets) != 1 || l.ArtifactDigest == "" {
				t.Fatalf("%s v%d lineage: %+v (run %+v)", md.Name, n, l, l.Run)
			}
			if (i == 0) != (l.Parent == nil) || (l.Parent != nil && l.Parent.Version != n-1) {
				t.Fatalf("%s v%d parent: %+v", md.Name, n, l.Parent)
			}
			v, err := st.reg.GetVersion(ctx, md.Name, n)
			if err != nil || v.Status != registry.StatusReady || v.Flavor == "" || len(v.Signature) == 0 || len(v.Metrics) != len(spec.Metrics)+len(spec.History) {
				t.Fatalf("%s v%d: %s %s, %d metrics, %v", md.Name, n, v.Status, v.Flavor, len(v.Metrics), err)
			}
			files, err := st.reg.Files(ctx, md.Name, n)
			want, _ := modelFiles(spec.Model)
			if err != nil || len(files) != len(want) {
				t.Fatalf("%s v%d files: %+v (want %v), %v", md.Name, n, files, want, err)
			}
		}
		for alias, want := range md.Aliases {
			v, err := st.reg.VersionByAlias(ctx, md.Name, alias)
			if err != nil || v.Version != want {
				t.Fatalf("%s@%s = v%d, %v; want v%d", md.Name, alias, v.Version, err, want)
			}
		}
	}
	churn := m.Models[0]
	if churn.Name != "churn" || churn.Aliases["production"] == 0 || churn.Aliases["alpha"] == 0 {
		t.Fatalf("the shadow experiment needs churn@production and churn@alpha: %+v", churn.Aliases)
	}
}

// A store that holds anything is never seeded.
func TestSeedLeavesANonEmptyStoreAlone(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	if _, err := st.runs.CreateExperiment(ctx, "mine", "", nil); err != nil {
		t.Fatal(err)
	}
	got, err := Seed(ctx, st.deps)
	if err != nil || got != NotEmpty {
		t.Fatalf("Seed = %v, %v; want not empty", got, err)
	}
	for _, table := range []string{"registered_models", "runs", "audit_events"} {
		if n := count(t, st.db, "SELECT COUNT(*) FROM "+table); n != 0 {
			t.Fatalf("%s: %d rows written to a store that was not empty", table, n)
		}
	}
	if seeded, err := Seeded(ctx, st.db); err != nil || seeded {
		t.Fatalf("Seeded = %v, %v", seeded, err)
	}
}

func count(t *testing.T, db *sqldb.DB, q string) int {
	t.Helper()
	var n int
	if err := db.Read.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func hasMetric(ms []experiments.Metric, key string, v float64) bool {
	for _, m := range ms {
		if m.Key == key && m.Value == v {
			return true
		}
	}
	return false
}

func runByKey(m *manifest, key string) runSpec {
	for _, r := range m.Runs {
		if r.Key == key {
			return r
		}
	}
	return runSpec{}
}
