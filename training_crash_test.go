package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// A kill -9 of Paddock while a training job runs leaves that run marked
// failed, with its reason, once Paddock starts again on the same data.
func TestTrainingRunOfAKilledPaddockIsFailedAfterRestart(t *testing.T) {
	dir := t.TempDir()
	first := startAt(t, dir, nil)
	if status, body := api(t, first, "POST", "/api/models", first.Admin, map[string]any{"name": "churn"}); status != 201 {
		t.Fatalf("create model: %d %s", status, body)
	}
	first.stop()
	cfg := writeConfig(t, `
training:
  jobs:
    slow:
      model: churn
      command: "echo started; sleep 60"
      timeout: 5m
`)
	t.Setenv("PADDOCK_CONFIG", cfg)
	cmd, url := startChild(t, dir)
	child := &instance{t: t, URL: url, Admin: "test-admin-token-0123456789"}
	status, body := api(t, child, "POST", "/api/training/jobs/slow/run", child.Admin, nil)
	if status != 202 {
		cmd.Process.Kill()
		t.Fatalf("run now: %d %s", status, body)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		runs := trainingRuns(t, child, "slow")
		if len(runs) == 1 && runs[0].Status == "RUNNING" {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the run never started: %+v", runs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	again := startAt(t, dir, nil, "--config", cfg)
	runs := trainingRuns(t, again, "slow")
	if len(runs) != 1 {
		t.Fatalf("runs after the restart: %+v", runs)
	}
	// The new process fails the orphan once it holds the scheduler's
	// lease, which the killed one held until it expires.
	var r trainingRun
	var detail []byte
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, detail = api(t, again, "GET", fmt.Sprintf("/api/training/runs/%d", runs[0].ID), again.Admin, nil)
		decode(t, detail, &r)
		if r.Status != "RUNNING" || time.Now().After(deadline) {
			break
		}
	}
	if r.Status != "FAILED" || !strings.Contains(r.Reason, "Paddock stopped") {
		t.Fatalf("after the restart the run must be failed, saying why: %s", detail)
	}
}
