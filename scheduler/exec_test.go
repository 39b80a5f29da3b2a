package scheduler

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paddockml/paddock/config"
)

// These tests run real commands (/bin/sh) in real time: process groups,
// signals and pipes are what they check, and synctest cannot wait on
// processes. They wait on the scheduler's end-of-run hook, never sleep.

// startReal starts a scheduler with the real runner; ended receives
// each run as it ends.
func startReal(t *testing.T, e *env, jobs map[string]config.TrainingJob, tweak ...func(*Options)) (*Scheduler, <-chan int64) {
	t.Helper()
	cfg := testConfig(jobs)
	cfg.KillGrace = config.Duration(300 * time.Millisecond)
	ended := make(chan int64, 16)
	o := Options{Config: cfg, DB: e.db, Tracker: e.tracker, Registry: e.reg, TrackingURI: "http://127.0.0.1:1",
		Hostname: "testhost", LogDir: t.TempDir()}
	for _, f := range tweak {
		f(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	s.afterRun = func(id int64) { ended <- id }
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, ended
}

func waitEnd(t *testing.T, s *Scheduler, ended <-chan int64, id int64) RunInfo {
	t.Helper()
	select {
	case got := <-ended:
		if got != id {
			t.Fatalf("run %d ended, waiting for %d", got, id)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("run %d did not end", id)
	}
	r, err := s.Run(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// gone reports whether a process has exited (absent, or a zombie
// waiting for init to reap it).
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return f[0] == "Z" || f[0] == "X"
}

// A command that hangs is killed at its timeout with its children, even
// ones that ignore SIGTERM, and the run is marked FAILED with the reason.
func TestHangingCommandKilledAtTimeoutWithChildren(t *testing.T) {
	e := newEnv(t, "m")
	dir := t.TempDir()
	j := testJob("m")
	j.Command = `trap '' TERM; sleep 30 & echo $! > child.pid; echo started; wait`
	j.Workdir = dir
	j.Timeout = config.Duration(300 * time.Millisecond)
	s, ended := startReal(t, e, map[string]config.TrainingJob{"hang": j})
	begin := time.Now()
	id, err := s.RunNow(t.Context(), "hang", "test")
	if err != nil {
		t.Fatal(err)
	}
	r := waitEnd(t, s, ended, id)
	took := time.Since(begin)
	if r.Status != StatusFailed || !strings.Contains(r.Reason, "timed out after 300ms") {
		t.Fatalf("run %+v", r)
	}
	if took > 3*time.Second {
		t.Fatalf("took %s to kill", took)
	}
	b, err := os.ReadFile(filepath.Join(dir, "child.pid"))
	if err != nil {
		t.Fatal(err)
	}
	child, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if child <= 0 || !gone(child) {
		t.Fatalf("child %d of the timed-out command still runs", child)
	}
	tr := e.tracker.run(r.TrackingRunID)
	if tr.status != StatusFailed || !strings.Contains(tr.log, "started") || !strings.Contains(tr.tags["paddock.failure"], "timed out") {
		t.Fatalf("tracked run %+v", tr)
	}
	t.Logf("killed after %s (timeout 300ms, kill grace 300ms)", took)
}

// A failing command is retried per policy: each attempt is a tracked
// run; the run fails once the retries are spent, or succeeds on a later
// attempt.
func TestFailingCommandRetried(t *testing.T) {
	e := newEnv(t, "m")
	dir := t.TempDir()
	always := testJob("m")
	always.Command = []any{"/bin/sh", "-c", "echo failing; exit 3"}
	always.Retries = config.RetryConfig{Max: 2, Backoff: config.Duration(10 * time.Millisecond)}
	flaky := testJob("m")
	flaky.Command = `n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "try $n"; [ $n -ge 2 ]`
	flaky.Workdir = dir
	flaky.Retries = config.RetryConfig{Max: 3, Backoff: config.Duration(10 * time.Millisecond)}
	s, ended := startReal(t, e, map[string]config.TrainingJob{"always": always, "flaky": flaky})

	id, err := s.RunNow(t.Context(), "always", "test")
	if err != nil {
		t.Fatal(err)
	}
	r := waitEnd(t, s, ended, id)
	if r.Status != StatusFailed || r.Reason != "exit code 3" || r.Attempts != 3 || len(r.TrackingRunIDs) != 3 || *r.ExitCode != 3 {
		t.Fatalf("run %+v", r)
	}
	for _, tid := range r.TrackingRunIDs {
		if tr := e.tracker.run(tid); tr.status != StatusFailed || tr.log != "failing\n" {
			t.Fatalf("attempt %s: %+v", tid, tr)
		}
	}
	id, err = s.RunNow(t.Context(), "flaky", "test")
	if err != nil {
		t.Fatal(err)
	}
	r = waitEnd(t, s, ended, id)
	if r.Status != StatusFinished || r.Attempts != 2 || e.tracker.run(r.TrackingRunIDs[0]).status != StatusFailed ||
		e.tracker.run(r.TrackingRunIDs[1]).log != "try 2\n" {
		t.Fatalf("flaky run %+v", r)
	}
}

// Cancel stops a running command (its group) and ends the run KILLED;
// the live tail carries the command's lines and closes at the end.
func TestCancelAndTailRealCommand(t *testing.T) {
	e := newEnv(t, "m")
	dir := t.TempDir()
	fifo := filepath.Join(dir, "ready")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	j := testJob("m")
	j.Command = `echo line one; echo line two; echo ready > ready; exec sleep 30`
	j.Workdir = dir
	s, ended := startReal(t, e, map[string]config.TrainingJob{"long": j})
	id, err := s.RunNow(t.Context(), "long", "test")
	if err != nil {
		t.Fatal(err)
	}
	// Opening the FIFO blocks until the command writes to it.
	ready, err := os.ReadFile(fifo)
	if err != nil || strings.TrimSpace(string(ready)) != "ready" {
		t.Fatalf("fifo %q %v", ready, err)
	}
	lines, err := s.Tail(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Cancel(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	var got []string
	for l := range lines { // closed when the run ends
		got = append(got, l)
	}
	r := waitEnd(t, s, ended, id)
	if r.Status != StatusKilled || r.Reason != "cancelled" {
		t.Fatalf("run %+v", r)
	}
	text := strings.Join(got, "\n")
	if !strings.Contains(text, "line one\nline two") || !strings.Contains(text, "[paddock] attempt 1: KILLED: cancelled") {
		t.Fatalf("tail:\n%s", text)
	}
	if err := s.Cancel(t.Context(), id); err == nil {
		t.Fatal("cancelling an ended run accepted")
	}
}

// ExecRunner reports exit codes and signals, and a command that cannot
// start is an error.
func TestExecRunnerExitCodes(t *testing.T) {
	var out strings.Builder
	var pid int
	code, err := ExecRunner{}.Run(t.Context(), Command{Argv: []string{"/bin/sh", "-c", "echo out; echo err >&2; exit 7"}, KillGrace: time.Second},
		&out, func(p int) { pid = p })
	if err != nil || code != 7 || pid <= 0 {
		t.Fatalf("code %d err %v pid %d", code, err, pid)
	}
	lines := bufio.NewScanner(strings.NewReader(out.String()))
	n := 0
	for lines.Scan() {
		n++
	}
	if n != 2 || !strings.Contains(out.String(), "out") || !strings.Contains(out.String(), "err") {
		t.Fatalf("output %q", out.String())
	}
	code, _ = ExecRunner{}.Run(t.Context(), Command{Argv: []string{"/bin/sh", "-c", "kill -KILL $$"}, KillGrace: time.Second}, &out, nil)
	if code != 128+9 {
		t.Fatalf("killed by SIGKILL: code %d", code)
	}
	if _, err := (ExecRunner{}).Run(t.Context(), Command{Argv: []string{"/nonexistent/train"}}, &out, nil); err == nil {
		t.Fatal("a missing program started")
	}
}
