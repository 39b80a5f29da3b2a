package scheduler

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/errs"
)

// Manual runs follow the concurrency policy; a queued run can be
// cancelled before it starts; the API describes jobs and refuses unknown
// ones.
func TestRunNowCancelAndJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, "m")
		skip, queue := testJob("m"), testJob("m")
		skip.Schedule = "0 4 * * *"
		queue.Concurrency = "queue"
		queue.Triggers.Feedback.MinRows = 10
		s := e.start(t, testConfig(map[string]config.TrainingJob{"skip": skip, "queue": queue}), fakeRunner{fn: sleepFor(time.Hour, 0)})
		ctx := t.Context()
		first, err := s.RunNow(ctx, "skip", "alice")
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if _, err := s.RunNow(ctx, "skip", "bob"); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("second manual run of a running skip job: %v", err)
		}
		q1, _ := s.RunNow(ctx, "queue", "alice")
		q2, err := s.RunNow(ctx, "queue", "alice")
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if r, _ := s.Run(ctx, q2); r.Status != StatusQueued {
			t.Fatalf("second run of a queue job: %+v", r)
		}
		if _, err := s.Tail(ctx, q2); errs.CodeOf(err) != errs.FailedPrecondition {
			t.Fatalf("tail of a queued run: %v", err)
		}
		if err := s.Cancel(ctx, q2); err != nil {
			t.Fatal(err)
		}
		if r, _ := s.Run(ctx, q2); r.Status != StatusKilled || r.Reason != "cancelled before it started" {
			t.Fatalf("cancelled queued run %+v", r)
		}
		jobs, err := s.Jobs(ctx)
		if err != nil || len(jobs) != 2 {
			t.Fatal(jobs, err)
		}
		q, sk := jobs[0], jobs[1]
		if q.Name != "queue" || q.Running != 1 || q.NextFire != nil || strings.Join(q.Triggers, ",") != "manual,feedback" || q.LastRun.ID != q2 {
			t.Fatalf("queue job %+v", q)
		}
		if sk.Running != 1 || sk.NextFire == nil || !sk.NextFire.Equal(time.Date(2000, 1, 1, 4, 0, 0, 0, time.UTC)) ||
			sk.LastRun.ID != first || sk.LastRun.FireDetail != "alice" || sk.LastRun.FiredBy != FiredByManual {
			t.Fatalf("skip job %+v", sk)
		}
		time.Sleep(2 * time.Hour)
		synctest.Wait()
		if r, _ := s.Run(ctx, q1); r.Status != StatusFinished {
			t.Fatalf("first queue run %+v", r)
		}
		if _, err := s.RunNow(ctx, "nope", ""); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("unknown job: %v", err)
		}
		if _, err := s.Runs(ctx, "nope", 10); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("runs of an unknown job: %v", err)
		}
		if _, err := s.Run(ctx, 999); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("unknown run: %v", err)
		}
	})
}

// Retries wait the backoff, doubled for each further retry.
func TestRetryBackoffDoubles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, "m")
		j := testJob("m")
		j.Retries = config.RetryConfig{Max: 3, Backoff: config.Duration(time.Minute)}
		s := e.start(t, testConfig(map[string]config.TrainingJob{"j": j}), fakeRunner{fn: sleepFor(10*time.Second, 1)})
		r := runAndWait(t, s, "j")
		time.Sleep(time.Hour)
		synctest.Wait()
		r, _ = s.Run(t.Context(), r.ID)
		all := e.tracker.all()
		if r.Status != StatusFailed || r.Attempts != 4 || len(all) != 4 {
			t.Fatalf("run %+v, %d attempts tracked", r, len(all))
		}
		for i, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
			if gap := all[i+1].start.Sub(all[i].end); gap != want {
				t.Fatalf("wait before attempt %d: %s, want %s", i+2, gap, want)
			}
		}
	})
}

// Check refuses jobs whose model is not registered, whose working
// directory or program is missing, with configuration-style keys.
func TestCheckFindsWhatTheFileCannot(t *testing.T) {
	e := newEnv(t, "known")
	ok, unknown, broken := testJob("known"), testJob("ghost"), testJob("known")
	ok.Command = []any{"/bin/sh", "-c", "true"}
	unknown.Command = "true"
	broken.Workdir = filepath.Join(t.TempDir(), "missing")
	broken.Command = []any{"./train.sh"}
	broken.Triggers.NewData.Prefix = "data/x"
	s, err := New(Options{Config: testConfig(map[string]config.TrainingJob{"ok": ok, "unknown": unknown, "broken": broken}),
		DB: e.db, Tracker: e.tracker, Registry: e.reg})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Check(t.Context())
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *config.Error, got %v", err)
	}
	want := []string{
		"training.jobs.broken.workdir: ",
		"training.jobs.broken.command: program \"" + filepath.Join(broken.Workdir, "train.sh") + "\" is not an executable file",
		"training.jobs.broken.triggers.new_data.prefix: no artifact store",
		`training.jobs.unknown.model: model "ghost" is not registered`,
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%v\nlacks %q", err, w)
		}
	}
	if len(ce.Problems) != len(want) {
		t.Fatalf("%d problems, want %d: %v", len(ce.Problems), len(want), err)
	}
}
