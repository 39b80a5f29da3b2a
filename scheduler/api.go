package scheduler

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/errs"
)

// JobInfo is a configured job as the API shows it.
type JobInfo struct {
	Name        string `json:"name"`
	Model       string `json:"model"`
	Enabled     bool   `json:"enabled"`
	Schedule    string `json:"schedule,omitempty"`
	Timezone    string `json:"timezone"`
	Concurrency string `json:"concurrency"`
	// Triggers are the ways the job fires: schedule, manual (always),
	// new_data, feedback.
	Triggers []string `json:"triggers"`
	// NextFire is the next scheduled fire, nil without a schedule or
	// when the job is disabled.
	NextFire *time.Time `json:"next_fire,omitempty"`
	Running  int        `json:"running"`
	Queued   int        `json:"queued"`
	// SkippedFires counts fires the concurrency policy skipped, and
	// DroppedFires those a full queue dropped, since this process started.
	SkippedFires int      `json:"skipped_fires"`
	DroppedFires int      `json:"dropped_fires"`
	LastRun      *RunInfo `json:"last_run,omitempty"`
}

// Leader reports whether this process holds the lease and fires jobs.
func (s *Scheduler) Leader() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// Jobs lists the configured jobs by name.
func (s *Scheduler) Jobs(ctx context.Context) ([]JobInfo, error) {
	out := make([]JobInfo, 0, len(s.jobs))
	for _, name := range slices.Sorted(maps.Keys(s.jobs)) {
		ji, err := s.Job(ctx, name)
		if err != nil {
			return nil, err
		}
		out = append(out, ji)
	}
	return out, nil
}

// Job describes one configured job.
func (s *Scheduler) Job(ctx context.Context, name string) (JobInfo, error) {
	j := s.jobs[name]
	if j == nil {
		return JobInfo{}, errs.E(errs.NotFound, "training job %q not found", name)
	}
	c := j.cfg
	ji := JobInfo{Name: name, Model: c.Model, Enabled: c.Enabled, Schedule: c.Schedule, Timezone: c.Timezone,
		Concurrency: c.Concurrency, Triggers: triggerNames(j)}
	var err error
	if ji.Running, ji.Queued, err = s.st.activeCounts(ctx, name); err != nil {
		return ji, err
	}
	if j.sched != nil && c.Enabled {
		next, err := s.nextFire(ctx, j)
		if err != nil {
			return ji, err
		}
		ji.NextFire = &next
	}
	runs, err := s.st.listRuns(ctx, `WHERE job = ? ORDER BY run_id DESC LIMIT 1`, name)
	if err != nil {
		return ji, err
	}
	if len(runs) == 1 {
		ji.LastRun = &runs[0]
	}
	s.mu.Lock()
	ji.SkippedFires, ji.DroppedFires = j.skipped, j.dropped
	s.mu.Unlock()
	return ji, nil
}

func triggerNames(j *job) []string {
	var t []string
	if j.sched != nil {
		t = append(t, FiredBySchedule)
	}
	t = append(t, FiredByManual)
	if j.watchesData() {
		t = append(t, FiredByNewData)
	}
	if j.watchesFeedback() {
		t = append(t, FiredByFeedback)
	}
	return t
}

// nextFire reads the schedule position from the database, which any
// process may do.
func (s *Scheduler) nextFire(ctx context.Context, j *job) (time.Time, error) {
	var last int64
	err := s.db.Read.QueryRowContext(ctx, s.db.Rebind(`SELECT last_fire_us FROM training_job_state WHERE job = ?`), j.name).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, err
	}
	now := s.now()
	from := now
	if last > 0 {
		from = time.UnixMicro(last)
	}
	next := j.next(from)
	if next.Before(now) {
		next = now // due: fires on the next tick (or by catch_up)
	}
	return next.UTC(), nil
}

// MaxRunsPage bounds one page of run history.
const MaxRunsPage = 1000

// Runs lists a job's runs, newest first, at most limit (default 50);
// job "" lists every job's.
func (s *Scheduler) Runs(ctx context.Context, job string, limit int) ([]RunInfo, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxRunsPage)
	if job == "" {
		return s.st.listRuns(ctx, `ORDER BY run_id DESC LIMIT ?`, limit)
	}
	runs, err := s.st.listRuns(ctx, `WHERE job = ? ORDER BY run_id DESC LIMIT ?`, job, limit)
	if err == nil && len(runs) == 0 && s.jobs[job] == nil {
		return nil, errs.E(errs.NotFound, "training job %q not found", job)
	}
	if runs == nil {
		runs = []RunInfo{}
	}
	return runs, err
}

// Run returns one run.
func (s *Scheduler) Run(ctx context.Context, id int64) (RunInfo, error) {
	return s.st.getRun(ctx, id)
}

// RunNow queues a manual run of a job (enabled or not) and returns its
// id; caller is recorded as what fired it. A job whose concurrency is
// skip and that is running gives errs.Conflict. The run starts at once
// on the lease holder; on another process it waits for the holder's next
// tick (a third of the lease TTL).
func (s *Scheduler) RunNow(ctx context.Context, job, caller string) (int64, error) {
	j := s.jobs[job]
	if j == nil {
		return 0, errs.E(errs.NotFound, "training job %q not found", job)
	}
	id, err := s.fire(ctx, j, FiredByManual, caller, s.now())
	switch {
	case errors.Is(err, errBusy), errors.Is(err, errQueueFull):
		return 0, errs.Wrap(errs.Conflict, err, "training job %s not run: %v", job, err)
	case err != nil:
		return 0, err
	}
	s.poke()
	return id, nil
}

// Tail returns a run's output lines: those kept in memory (the last
// training.log_tail lines), then each new one as the command writes it.
// The channel is closed when the run ends or ctx is done. A run that
// ended long ago, or ran on another process, has no live output: its log
// is the artifact paddock/output.log of its tracking runs.
func (s *Scheduler) Tail(ctx context.Context, id int64) (<-chan string, error) {
	e := s.findExecution(id)
	if e == nil {
		r, err := s.st.getRun(ctx, id)
		if err != nil {
			return nil, err
		}
		if r.Status == StatusQueued {
			return nil, errs.E(errs.FailedPrecondition, "training run %d has not started yet", id)
		}
		return nil, errs.E(errs.NotFound, "training run %d has no live output here; its log is the artifact %s of tracking run %s",
			id, LogArtifact, r.TrackingRunID)
	}
	sub, ch := e.tail.subscribe()
	go func() {
		select {
		case <-ctx.Done():
			e.tail.unsubscribe(sub)
		case <-e.done:
		}
	}()
	return ch, nil
}

func (s *Scheduler) findExecution(id int64) *execution {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.active[id]; e != nil {
		return e
	}
	for _, e := range s.recent {
		if e.id == id {
			return e
		}
	}
	return nil
}

// Cancel stops a run: a queued one is ended KILLED at once, a running
// one has its command stopped (SIGTERM, then SIGKILL) and ends KILLED.
// A run on another process is stopped by that process's next tick.
func (s *Scheduler) Cancel(ctx context.Context, id int64) error {
	s.mu.Lock()
	e := s.active[id]
	s.mu.Unlock()
	if e != nil {
		e.cancel(errCancelled)
		return nil
	}
	if ok, err := s.st.cancelQueued(ctx, id, s.now()); err != nil || ok {
		return err
	}
	r, err := s.st.getRun(ctx, id)
	if err != nil {
		return err
	}
	if r.Status != StatusRunning {
		return errs.E(errs.FailedPrecondition, "training run %d is %s", id, r.Status)
	}
	return s.st.requestCancel(ctx, id)
}

// Check verifies what the configuration file cannot: each job's model is
// registered, its working directory exists, its program is found, and a
// prefix it watches has a store to watch it in. Problems are keyed like
// configuration problems ("training.jobs.<name>.model").
func (s *Scheduler) Check(ctx context.Context) error {
	var probs []config.Problem
	bad := func(key, format string, args ...any) {
		probs = append(probs, config.Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	for _, name := range slices.Sorted(maps.Keys(s.jobs)) {
		j, key := s.jobs[name], "training.jobs."+name
		ok, err := s.reg.ModelExists(ctx, j.cfg.Model)
		switch {
		case err != nil:
			return fmt.Errorf("check training job %s: %w", name, err)
		case !ok:
			bad(key+".model", "model %q is not registered (create it first)", j.cfg.Model)
		}
		if d := j.cfg.Workdir; d != "" {
			if st, err := os.Stat(d); err != nil || !st.IsDir() {
				bad(key+".workdir", "%q is not a directory", d)
			}
		}
		if err := findProgram(j.argv[0], j.cfg.Workdir); err != nil {
			bad(key+".command", "%v", err)
		}
		if j.cfg.Triggers.NewData.Prefix != "" && s.data == nil {
			bad(key+".triggers.new_data.prefix", "no artifact store to watch it in")
		}
	}
	if len(probs) > 0 {
		return &config.Error{Problems: probs}
	}
	return nil
}

// findProgram checks the program exists: on PATH for a bare name, else
// relative to the working directory.
func findProgram(prog, dir string) error {
	if !strings.Contains(prog, "/") {
		if _, err := exec.LookPath(prog); err != nil {
			return fmt.Errorf("program %q is not on PATH", prog)
		}
		return nil
	}
	if !filepath.IsAbs(prog) && dir != "" {
		prog = filepath.Join(dir, prog)
	}
	st, err := os.Stat(prog)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return fmt.Errorf("program %q is not an executable file", prog)
	}
	return nil
}
