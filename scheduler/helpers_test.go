package scheduler

import (
	"context"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/sqldb"
)

// openDB opens a migrated SQLite database in a temporary directory.
func openDB(t *testing.T) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "paddock.db"), sqldb.SQLiteOptions{ReadConnections: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// trackedRun is what the fake tracker holds of a run.
type trackedRun struct {
	spec    RunSpec
	tags    map[string]string
	metrics map[string]float64
	status  string
	start   time.Time
	end     time.Time
	log     string
}

// fakeTracker keeps runs in memory. It stands in for experiment tracking
// at the process edge; what is tested is the scheduler's use of it.
type fakeTracker struct {
	mu    sync.Mutex
	n     int
	runs  map[string]*trackedRun
	order []string
}

func newFakeTracker() *fakeTracker { return &fakeTracker{runs: map[string]*trackedRun{}} }

func (f *fakeTracker) StartRun(_ context.Context, spec RunSpec) (TrackedRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	id := fmt.Sprintf("run%d", f.n)
	tags := map[string]string{}
	maps.Copy(tags, spec.Tags)
	f.runs[id] = &trackedRun{spec: spec, tags: tags, metrics: map[string]float64{}, status: StatusRunning, start: spec.Start}
	f.order = append(f.order, id)
	return TrackedRun{ID: id, ExperimentID: "7"}, nil
}

func (f *fakeTracker) SetRunTags(_ context.Context, runID string, tags map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.runs[runID]
	if r == nil {
		return fmt.Errorf("no run %s", runID)
	}
	maps.Copy(r.tags, tags)
	return nil
}

func (f *fakeTracker) EndRun(_ context.Context, runID, status string, end time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.runs[runID]
	if r == nil {
		return fmt.Errorf("no run %s", runID)
	}
	r.status, r.end = status, end
	return nil
}

func (f *fakeTracker) RunMetrics(_ context.Context, runID string) (map[string]float64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.runs[runID].metrics), nil
}

func (f *fakeTracker) PutRunArtifact(_ context.Context, runID, path string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if path != LogArtifact {
		return fmt.Errorf("unexpected artifact %s", path)
	}
	f.runs[runID].log = string(b)
	return nil
}

// logMetrics is what a training command does through MLflow.
func (f *fakeTracker) logMetrics(runID string, m map[string]float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	maps.Copy(f.runs[runID].metrics, m)
}

func (f *fakeTracker) run(id string) trackedRun {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.runs[id]
}

func (f *fakeTracker) all() []trackedRun {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]trackedRun, len(f.order))
	for i, id := range f.order {
		out[i] = *f.runs[id]
	}
	return out
}

// fakeRegistry keeps versions and aliases in memory; aliases in guarded
// need approval.
type fakeRegistry struct {
	mu         sync.Mutex
	models     map[string]bool
	versions   map[string][]ModelVersion
	regs       []Registration
	aliases    map[string]int64 // "model@alias" → version
	guarded    map[string]bool
	approvals  int64
	aliasError error
}

func newFakeRegistry(models ...string) *fakeRegistry {
	r := &fakeRegistry{models: map[string]bool{}, versions: map[string][]ModelVersion{}, aliases: map[string]int64{}, guarded: map[string]bool{}}
	for _, m := range models {
		r.models[m] = true
	}
	return r
}

func (r *fakeRegistry) ModelExists(_ context.Context, model string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.models[model], nil
}

func (r *fakeRegistry) AliasVersion(_ context.Context, model, alias string) (ModelVersion, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.aliasError != nil {
		return ModelVersion{}, false, r.aliasError
	}
	v, ok := r.aliases[model+"@"+alias]
	if !ok {
		return ModelVersion{}, false, nil
	}
	return r.versions[model][v-1], true, nil
}

// addVersion registers a version directly (a production made by hand).
func (r *fakeRegistry) addVersion(model string, metrics map[string]float64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := int64(len(r.versions[model]) + 1)
	r.versions[model] = append(r.versions[model], ModelVersion{Version: v, Metrics: metrics})
	return v
}

func (r *fakeRegistry) RegisterFromRun(_ context.Context, reg Registration) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.models[reg.Model] {
		return 0, fmt.Errorf("model %s not found", reg.Model)
	}
	v := int64(len(r.versions[reg.Model]) + 1)
	r.versions[reg.Model] = append(r.versions[reg.Model], ModelVersion{Version: v})
	r.regs = append(r.regs, reg)
	return v, nil
}

func (r *fakeRegistry) SetAlias(_ context.Context, model, alias string, version int64, _ string) (AliasOutcome, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.guarded[alias] {
		r.approvals++
		return AliasOutcome{ApprovalID: r.approvals}, nil
	}
	r.aliases[model+"@"+alias] = version
	return AliasOutcome{Applied: true}, nil
}

func (r *fakeRegistry) alias(model, alias string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.aliases[model+"@"+alias]
}

func (r *fakeRegistry) registrations() []Registration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Registration(nil), r.regs...)
}

// fakeRunner runs a Go function in place of a command: it stands in for
// a process where time is simulated (synctest cannot wait on processes).
type fakeRunner struct {
	fn func(ctx context.Context, env map[string]string, out io.Writer) int
}

func (f fakeRunner) Run(ctx context.Context, c Command, out io.Writer, started func(int)) (int, error) {
	env := map[string]string{}
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return f.fn(ctx, env, out), nil
}

// sleepFor is a fake command that runs for d (simulated time) and exits
// with code, or is "killed" when ctx ends first.
func sleepFor(d time.Duration, code int) func(context.Context, map[string]string, io.Writer) int {
	return func(ctx context.Context, _ map[string]string, out io.Writer) int {
		fmt.Fprintln(out, "training...")
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return code
		case <-ctx.Done():
			return 143
		}
	}
}

// testJob is a job with the defaults and a placeholder command.
func testJob(model string) config.TrainingJob {
	j := config.DefaultTrainingJob()
	j.Model = model
	j.Command = []any{"train"}
	return j
}

// testConfig is the training section with the given jobs, and a lease
// long enough that renewals do not dominate simulated days.
func testConfig(jobs map[string]config.TrainingJob) config.TrainingConfig {
	c := config.Default().Training
	c.Lease.TTL = config.Duration(time.Hour)
	c.Jobs = jobs
	return c
}

type env struct {
	db      *sqldb.DB
	tracker *fakeTracker
	reg     *fakeRegistry
}

func newEnv(t *testing.T, models ...string) *env {
	return &env{db: openDB(t), tracker: newFakeTracker(), reg: newFakeRegistry(models...)}
}

// start builds and starts a scheduler on the environment; it is closed
// when the test ends.
func (e *env) start(t *testing.T, cfg config.TrainingConfig, runner Runner, tweak ...func(*Options)) *Scheduler {
	t.Helper()
	o := Options{Config: cfg, DB: e.db, Tracker: e.tracker, Registry: e.reg, Runner: runner,
		TrackingURI: "http://127.0.0.1:1", Hostname: "testhost", LogDir: t.TempDir()}
	for _, f := range tweak {
		f(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func runs(t *testing.T, s *Scheduler, job string) []RunInfo {
	t.Helper()
	r, err := s.Runs(context.Background(), job, 100)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
