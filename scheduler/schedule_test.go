package scheduler

import (
	"context"
	"io"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paddockml/paddock/config"
)

// A scheduled job fires at its cron times, in its time zone, as tracked
// runs that carry its params and get the run's variables.
func TestScheduleFiresAsTrackedRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, "churn")
		j := testJob("churn")
		j.Schedule = "30 2 * * *" // 02:30 in Paris is 01:30 UTC in January
		j.Timezone = "Europe/Paris"
		j.Params = map[string]string{"max_depth": "6", "learning.rate": "0.1"}
		j.Env = map[string]string{"OMP_NUM_THREADS": "2"}
		var got []map[string]string
		runner := fakeRunner{fn: func(_ context.Context, env map[string]string, out io.Writer) int {
			got = append(got, env)
			io.WriteString(out, "epoch 1\nepoch 2\n")
			return 0
		}}
		s := e.start(t, testConfig(map[string]config.TrainingJob{"churn-nightly": j}), runner, func(o *Options) {
			o.Environ = func() []string { return []string{"HOME=/home/x", "PADDOCK_ADMIN_TOKEN=secret", "MLFLOW_RUN_ID=stale"} }
			o.TrackingToken = "tok"
		})
		synctest.Wait()
		start := time.Now() // 2000-01-01 00:00 UTC in the bubble
		ji, err := s.Job(t.Context(), "churn-nightly")
		if err != nil || ji.NextFire == nil || !ji.NextFire.Equal(time.Date(2000, 1, 1, 1, 30, 0, 0, time.UTC)) {
			t.Fatalf("next fire %v (%v)", ji.NextFire, err)
		}
		time.Sleep(49 * time.Hour) // simulated: two fires
		synctest.Wait()
		rs := runs(t, s, "churn-nightly")
		if len(rs) != 2 {
			t.Fatalf("%d runs after two days, want 2: %+v", len(rs), rs)
		}
		for i, r := range rs {
			want := start.Add(time.Duration(1-i)*24*time.Hour + 90*time.Minute)
			if r.Status != StatusFinished || r.FiredBy != FiredBySchedule || !r.StartedAt.Equal(want) || r.Attempts != 1 {
				t.Fatalf("run %d: %+v, want FINISHED at %v", i, r, want)
			}
		}
		tr := e.tracker.run(rs[1].TrackingRunID)
		if tr.status != StatusFinished || tr.spec.Experiment != "churn-nightly" || tr.spec.Params["max_depth"] != "6" ||
			tr.tags["paddock.job"] != "churn-nightly" || tr.tags["paddock.fired_by"] != "schedule" {
			t.Fatalf("tracked run %+v", tr)
		}
		if tr.log != "epoch 1\nepoch 2\n" {
			t.Fatalf("output log %q", tr.log)
		}
		env := got[0]
		want := map[string]string{
			"MLFLOW_TRACKING_URI": "http://127.0.0.1:1", "MLFLOW_RUN_ID": rs[1].TrackingRunID, "MLFLOW_EXPERIMENT_ID": "7",
			"MLFLOW_TRACKING_TOKEN": "tok", "PADDOCK_JOB": "churn-nightly", "PADDOCK_MODEL": "churn",
			"PADDOCK_RUN_ID": rs[1].TrackingRunID, "PADDOCK_TRACKING_URI": "http://127.0.0.1:1",
			"PADDOCK_PARAM_MAX_DEPTH": "6", "PADDOCK_PARAM_LEARNING_RATE": "0.1", "OMP_NUM_THREADS": "2", "HOME": "/home/x",
		}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("env %s = %q, want %q", k, env[k], v)
			}
		}
		if _, leaked := env["PADDOCK_ADMIN_TOKEN"]; leaked {
			t.Error("Paddock's own PADDOCK_* variables reached the command")
		}
	})
}

// Overlapping fires follow the concurrency policy: skip drops a fire
// while a run goes; queue runs them one after the other.
func TestConcurrencySkipAndQueue(t *testing.T) {
	for _, policy := range []string{"skip", "queue"} {
		t.Run(policy, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, "m")
				j := testJob("m")
				j.Schedule = "* * * * *"
				j.Concurrency = policy
				s := e.start(t, testConfig(map[string]config.TrainingJob{"j": j}), fakeRunner{fn: sleepFor(150*time.Second, 0)})
				time.Sleep(5*time.Minute + 30*time.Second) // fires at 1, 2, 3, 4 and 5 minutes
				synctest.Wait()
				all := e.tracker.all()
				for i := 1; i < len(all); i++ {
					if all[i].start.Before(all[i-1].end) || all[i-1].end.IsZero() {
						t.Fatalf("runs %d and %d overlap: %v-%v and %v", i-1, i, all[i-1].start, all[i-1].end, all[i].start)
					}
				}
				ji, _ := s.Job(t.Context(), "j")
				switch policy {
				case "skip":
					// 1:00 runs to 3:30 (2:00, 3:00 skipped), 4:00 runs (5:00 skipped).
					if len(all) != 2 || ji.SkippedFires != 3 || ji.Queued != 0 {
						t.Fatalf("skip: %d runs, %d skipped, %d queued", len(all), ji.SkippedFires, ji.Queued)
					}
				case "queue":
					// Five fires; runs of 150 s back to back from 1:00: by 5:30
					// one is done, one runs (3:30-6:00) and three wait.
					if len(all) != 2 || ji.SkippedFires != 0 || ji.Queued != 3 || ji.Running != 1 {
						t.Fatalf("queue: %d runs, %d skipped, %d queued, %d running", len(all), ji.SkippedFires, ji.Queued, ji.Running)
					}
					time.Sleep(10 * time.Minute)
					synctest.Wait()
					fired := slices.DeleteFunc(runs(t, s, "j"), func(r RunInfo) bool { return r.QueuedAt.After(time.Date(2000, 1, 1, 0, 5, 30, 0, time.UTC)) })
					for _, r := range fired {
						if r.Status != StatusFinished {
							t.Fatalf("a queued run did not run: %+v", r)
						}
					}
					if len(fired) != 5 {
						t.Fatalf("%d runs from the first five fires", len(fired))
					}
				}
			})
		})
	}
}
