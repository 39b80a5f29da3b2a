// Command xgboost compares Paddock's native XGBoost evaluator with
// XGBoost's own C++ predictor on the same model and rows.
//
// It loads a fixture (by default the 100-tree binary:logistic one), times
// Model.PredictRow on single rows and Model.Predict on batches of 64 (and of
// 6400, where Python's per-call overhead no longer counts), then
// runs peer.py under /usr/bin/python3, which times Booster.inplace_predict
// and Booster.predict(DMatrix) in-process, and prints ns/row for both sides
// and their ratio (Paddock / XGBoost, lower is better). The faster of
// XGBoost's two entry points is the peer.
//
//	go run ./bench/xgboost
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"github.com/paddockml/paddock/bench/internal/benchkit"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/xgboost"
)

//go:embed peer.py
var peerScript []byte

// repeats is how many timed runs each measurement takes the best of, to
// shed noise from other processes on a shared machine.
const repeats = 5

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/xgboost:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("xgboost", flag.ContinueOnError)
	fixture := fs.String("fixture", defaultFixture(), "fixture directory with model.json and inputs.json")
	iters := fs.Int("iters", 2000, "calls per timed run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := xgboost.Load(*fixture)
	if err != nil {
		return err
	}
	rows, err := benchkit.ReadRows(filepath.Join(*fixture, "inputs.json"))
	if err != nil {
		return err
	}
	ours, preds, err := timePaddock(ctx, m, rows, *iters)
	if err != nil {
		return err
	}
	peer, err := timePeer(ctx, *fixture, *iters)
	if err != nil {
		return err
	}
	return report(stdout, *fixture, ours, peer, benchkit.MaxDiff(preds, peer.Predictions))
}

// defaultFixture finds testdata beside this source file, so the program
// works from any directory under `go run`.
func defaultFixture() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "fixtures", "xgboost", "binary_logistic")
}

// timings holds ns/row for single rows, 64-row batches and large batches.
type timings struct{ single, batch, large float64 }

// largeTiles is how many copies of the 64 rows make the large batch; it
// must match LARGE_TILES in peer.py.
const largeTiles = 100

// timePaddock measures PredictRow over the rows in turn and Predict on the
// whole 64-row batch, returning the batch's predictions.
func timePaddock(ctx context.Context, m *xgboost.Model, rows [][]float64, iters int) (timings, []float64, error) {
	out := make([]float64, m.OutputWidth())
	single := benchkit.Best(repeats, func() {
		for i := range iters {
			m.PredictRow(rows[i%len(rows)], out)
		}
	}) / float64(iters)
	in := []flavor.Tensor{batchTensor(rows)}
	var predErr error
	batch := benchkit.Best(repeats, func() {
		for range iters {
			if _, err := m.Predict(ctx, in); err != nil {
				predErr = err
			}
		}
	}) / float64(iters*len(rows))
	var large [][]float64
	for range largeTiles {
		large = append(large, rows...)
	}
	largeIn := []flavor.Tensor{batchTensor(large)}
	largeIters := max(1, iters/largeTiles*2)
	largeNs := benchkit.Best(repeats, func() {
		for range largeIters {
			if _, err := m.Predict(ctx, largeIn); err != nil {
				predErr = err
			}
		}
	}) / float64(largeIters*len(large))
	outs, err := m.Predict(ctx, in)
	if err = errors.Join(predErr, err); err != nil {
		return timings{}, nil, err
	}
	return timings{single: single, batch: batch, large: largeNs}, outs[0].F64, nil
}

// peerResult is what peer.py prints.
type peerResult struct {
	Threads     int          `json:"threads"`
	Timings     []peerTiming `json:"timings"`
	Predictions []float64    `json:"predictions"`
}

// peerTiming is one XGBoost measurement: a mode ("single" or "batch"), an
// entry point and a thread setting (0 means XGBoost's default).
type peerTiming struct {
	Mode     string  `json:"mode"`
	How      string  `json:"how"`
	NThread  int     `json:"nthread"`
	NsPerRow float64 `json:"ns_per_row"`
}

// fastest returns the quickest XGBoost timing for a mode: the peer.
func (r peerResult) fastest(mode string) peerTiming {
	best := peerTiming{NsPerRow: math.Inf(1)}
	for _, t := range r.Timings {
		if t.Mode == mode && t.NsPerRow < best.NsPerRow {
			best = t
		}
	}
	return best
}

func report(w io.Writer, fixture string, ours timings, peer peerResult, diff float64) error {
	fmt.Fprintf(w, "fixture: %s\ncores: %d, GOMAXPROCS: %d, max |paddock - xgboost| = %.3g\n\n",
		fixture, peer.Threads, runtime.GOMAXPROCS(0), diff)
	fmt.Fprintf(w, "%-12s %15s %15s  %-34s %7s\n", "mode", "paddock ns/row", "xgboost ns/row", "xgboost via (fastest)", "ratio")
	for _, row := range []struct {
		name, mode string
		ours       float64
	}{
		{"single row", "single", ours.single},
		{"batch of 64", "batch", ours.batch},
		{"batch of 6400", "large", ours.large},
	} {
		p := peer.fastest(row.mode)
		fmt.Fprintf(w, "%-12s %15.0f %15.0f  %-34s %7.3f\n", row.name, row.ours, p.NsPerRow, threadsLabel(p), row.ours/p.NsPerRow)
	}
	fmt.Fprintf(w, "\nall xgboost timings (ns/row):\n")
	for _, t := range peer.Timings {
		fmt.Fprintf(w, "  %-6s %-34s %10.0f\n", t.Mode, threadsLabel(t), t.NsPerRow)
	}
	_, err := fmt.Fprintf(w, "ratio = paddock / xgboost; below 1 means Paddock is faster\n")
	return err
}

func threadsLabel(t peerTiming) string {
	if t.NThread == 0 {
		return t.How + ", default threads"
	}
	return fmt.Sprintf("%s, nthread=%d", t.How, t.NThread)
}

func batchTensor(rows [][]float64) flavor.Tensor {
	t := flavor.Tensor{Name: xgboost.InputName, DType: flavor.Float64, Shape: []int{len(rows), len(rows[0])}}
	for _, r := range rows {
		t.F64 = append(t.F64, r...)
	}
	return t
}

// timePeer runs peer.py on the same fixture and returns its timings.
func timePeer(ctx context.Context, fixture string, iters int) (peerResult, error) {
	var r peerResult
	err := benchkit.RunPeer(ctx, peerScript, &r, fixture, fmt.Sprint(iters))
	return r, err
}
