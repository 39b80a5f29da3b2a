package scheduler

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paddockml/paddock/config"
)

// insertOrphan writes a run as a Paddock that died mid-run left it.
func insertOrphan(t *testing.T, e *env, owner, host string, pid int, pidStart uint64) (int64, string) {
	t.Helper()
	ctx := context.Background()
	tr, _ := e.tracker.StartRun(ctx, RunSpec{Experiment: "j"})
	var id int64
	err := e.db.Write.QueryRowContext(ctx, `INSERT INTO training_runs (job, model, fired_by, status, attempts, tracking_run_id,
		tracking_run_ids, owner, host, pid, pid_start, queued_us, started_us) VALUES ('j', 'm', 'schedule', 'RUNNING', 1, ?, ?, ?, ?, ?, ?, 1, 1)
		RETURNING run_id`, tr.ID, tr.ID, owner, host, pid, int64(pidStart)).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id, tr.ID
}

func setLease(t *testing.T, e *env, holder string, expires time.Time) {
	t.Helper()
	if _, err := e.db.Write.Exec(`INSERT INTO scheduler_leases (name, holder, expires_us) VALUES ('training', ?, ?)`,
		holder, expires.UnixMicro()); err != nil {
		t.Fatal(err)
	}
}

// A run left RUNNING by a Paddock that died is marked FAILED when the
// next one takes the lease, and its tracked run is ended FAILED; the
// schedule position survives, so the job keeps its next fire.
func TestRestartMarksRunningRunFailed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, "m")
		id, trID := insertOrphan(t, e, "otherhost/1/1/dead", "otherhost", 0, 0)
		setLease(t, e, "otherhost/1/1/dead", time.Now().Add(-time.Second)) // expired
		j := testJob("m")
		j.Schedule = "@every 1h"
		s := e.start(t, testConfig(map[string]config.TrainingJob{"j": j}), fakeRunner{fn: sleepFor(time.Minute, 0)})
		synctest.Wait()
		r, err := s.Run(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != StatusFailed || r.Reason != orphanReason || r.FinishedAt == nil {
			t.Fatalf("orphan %+v", r)
		}
		if tr := e.tracker.run(trID); tr.status != StatusFailed || tr.tags["paddock.failure"] != orphanReason {
			t.Fatalf("tracked run %+v", tr)
		}
		if !s.Leader() {
			t.Fatal("expired lease not taken")
		}
	})
}

// A Paddock killed and restarted on the same host takes its dead self's
// lease at once instead of waiting for it to expire, and kills the
// command the dead one left running, with its process group.
func TestRestartKillsOrphanedCommand(t *testing.T) {
	e := newEnv(t, "m")
	orphan := exec.Command("/bin/sh", "-c", "sleep 30 & wait")
	orphan.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := orphan.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- orphan.Wait() }()
	pid := orphan.Process.Pid
	start, leader, err := processStart(pid)
	if err != nil || !leader {
		t.Fatalf("start time %d leader %v: %v", start, leader, err)
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	// The dead Paddock's lease is still valid for an hour.
	deadSelf := "testhost/" + strconv.Itoa(dead.Process.Pid) + "/12345/dead"
	setLease(t, e, deadSelf, time.Now().Add(time.Hour))
	id, _ := insertOrphan(t, e, deadSelf, "testhost", pid, start)
	s, _ := startReal(t, e, map[string]config.TrainingJob{"j": testJob("m")})
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		syscall.Kill(-pid, syscall.SIGKILL)
		t.Fatal("orphaned command not killed")
	}
	s.Close() // waits for the tick that recovered
	r, err := s.Run(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusFailed || !strings.Contains(r.Reason, "its command, still running, was killed") {
		t.Fatalf("orphan %+v", r)
	}
}

// Only the lease holder fires jobs when two schedulers share a database;
// when it stops, the other takes over and fires.
func TestLeaseLetsOneSchedulerFire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, "m")
		j := testJob("m")
		j.Schedule = "@every 1h"
		cfg := testConfig(map[string]config.TrainingJob{"j": j})
		cfg.Lease.TTL = config.Duration(10 * time.Minute)
		a := e.start(t, cfg, fakeRunner{fn: sleepFor(time.Minute, 0)})
		synctest.Wait()
		b := e.start(t, cfg, fakeRunner{fn: sleepFor(time.Minute, 0)})
		synctest.Wait()
		if !a.Leader() || b.Leader() {
			t.Fatalf("leaders: a %v, b %v", a.Leader(), b.Leader())
		}
		time.Sleep(3*time.Hour + time.Minute)
		synctest.Wait()
		if n := len(e.tracker.all()); n != 3 {
			t.Fatalf("%d runs in three hours with two schedulers, want 3", n)
		}
		a.Close()
		time.Sleep(time.Hour)
		synctest.Wait()
		if !b.Leader() {
			t.Fatal("b did not take over the released lease")
		}
		if n := len(e.tracker.all()); n != 4 {
			t.Fatalf("%d runs after the take-over, want 4", n)
		}
	})
}

// Missed schedules follow catch_up: run_once fires one run for all the
// missed ones, skip fires none; both then keep the schedule.
func TestCatchUpPolicies(t *testing.T) {
	for _, policy := range []string{"run_once", "skip"} {
		t.Run(policy, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, "m")
				// The last fire was three days ago: three daily fires missed.
				if _, err := e.db.Write.Exec(`INSERT INTO training_job_state (job, last_fire_us, updated_us) VALUES ('daily', ?, 0)`,
					time.Now().Add(-72*time.Hour+time.Hour).UnixMicro()); err != nil {
					t.Fatal(err)
				}
				j := testJob("m")
				j.Schedule = "0 1 * * *"
				cfg := testConfig(map[string]config.TrainingJob{"daily": j})
				cfg.CatchUp = policy
				s := e.start(t, cfg, fakeRunner{fn: sleepFor(time.Minute, 0)})
				synctest.Wait()
				rs := runs(t, s, "daily")
				want := map[string]int{"run_once": 1, "skip": 0}[policy]
				if len(rs) != want || (want == 1 && rs[0].FiredBy != FiredByCatchUp) {
					t.Fatalf("%s: runs %+v", policy, rs)
				}
				time.Sleep(2 * time.Hour) // past 01:00: the schedule goes on
				synctest.Wait()
				rs = runs(t, s, "daily")
				if len(rs) != want+1 || rs[0].FiredBy != FiredBySchedule {
					t.Fatalf("%s: after the next fire %+v", policy, rs)
				}
			})
		})
	}
}
