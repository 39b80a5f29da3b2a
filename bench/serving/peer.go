package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/paddockml/paddock/bench/internal/benchkit"
)

//go:embed peer.py
var peerScript []byte

// peerWorkers is how many gunicorn sync workers serve the peer: one per
// core of the reference machine.
const peerWorkers = 2

// peerHeaders are what an MLflow client sends to /invocations.
var peerHeaders = map[string]string{"Content-Type": "application/json"}

// peerBody is the MLflow scoring request for one row, in the
// dataframe_split layout MLflow's own client writes.
func peerBody(row []float64) ([]byte, error) {
	cols := make([]string, len(row))
	for i := range cols {
		cols[i] = "f" + strconv.Itoa(i)
	}
	type split struct {
		Columns []string    `json:"columns"`
		Data    [][]float64 `json:"data"`
	}
	return json.Marshal(map[string]split{"dataframe_split": {Columns: cols, Data: [][]float64{row}}})
}

// startPeer writes peer.py into dir and runs it under gunicorn with
// peerWorkers sync workers and MLflow's default 60 s request timeout, then
// checks its answer for body against want.
//
// ompThreads > 0 sets OMP_NUM_THREADS for XGBoost; 0 removes it, as
// MLflow leaves it: each worker's XGBoost then runs one OpenMP thread per
// core, and with two workers on two cores those threads oversubscribe the
// cores and spin-wait, which costs the peer over ten times its throughput
// on the reference machine. A careful operator would set 1.
func startPeer(ctx context.Context, dir, modelPath string, ompThreads int, body []byte, want float64) (*server, error) {
	if err := os.WriteFile(filepath.Join(dir, "peer.py"), peerScript, 0o644); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, benchkit.Python, "-m", "gunicorn",
		"--workers", strconv.Itoa(peerWorkers), "--worker-class", "sync",
		"--timeout", "60", "--bind", addr, "--chdir", dir, "--log-level", "warning",
		"peer:app")
	cmd.Env = append(envWithout("OMP_NUM_THREADS"), "PEER_MODEL="+modelPath)
	if ompThreads > 0 {
		cmd.Env = append(cmd.Env, "OMP_NUM_THREADS="+strconv.Itoa(ompThreads))
	}
	s, err := startServer("peer", addr, cmd)
	if err != nil {
		return nil, err
	}
	if err := checkPrediction(ctx, s.url("/invocations"), peerHeaders, body, want); err != nil {
		s.stop()
		return nil, fmt.Errorf("peer check: %w", err)
	}
	return s, nil
}

// checkPrediction sends one request and compares its first prediction
// with want, so that a benchmark never measures wrong answers. A server
// that says who answered (Paddock's X-Paddock-Answered-By) must say the
// model, not a cache or a rule.
func checkPrediction(ctx context.Context, url string, headers map[string]string, body []byte, want float64) error {
	status, h, out, err := do(ctx, "POST", url, headers, body)
	if err != nil {
		return err
	}
	if by := h.Get("X-Paddock-Answered-By"); by != "" && by != "model" {
		return fmt.Errorf("POST %s: answered by %q, want the model itself", url, by)
	}
	if status != 200 {
		return fmt.Errorf("POST %s: status %d, want 200: %s", url, status, out)
	}
	got, err := firstPrediction(out)
	if err != nil {
		return err
	}
	if d := got - want; d > predictionTolerance || d < -predictionTolerance {
		return fmt.Errorf("prediction %v, want %v (XGBoost's own) within %g", got, want, predictionTolerance)
	}
	return nil
}

// predictionTolerance is how far a served prediction may be from
// XGBoost's: the fixture's expected values are float32.
const predictionTolerance = 1e-6

// envWithout is the environment minus one variable.
func envWithout(name string) []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, name+"=")
	})
}
