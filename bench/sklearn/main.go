// Command sklearn compares Paddock's pure-Go scikit-learn flavor with
// scikit-learn itself on the same pickled model and rows.
//
// It loads a fixture (by default the 30-tree random_forest classifier),
// times Model.Predict on single rows (cycling through inputs.json) and on
// the whole 64-row batch, then runs peer.py under /usr/bin/python3, which
// unpickles the same model.pkl and times predict_proba (predict for
// regressors) in-process. It prints microseconds per call for both sides
// and their ratio (Paddock / scikit-learn, lower is better), and the
// largest difference between the two outputs.
//
//	go run ./bench/sklearn
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"github.com/paddockml/paddock/bench/internal/benchkit"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/sklearn"
)

//go:embed peer.py
var peerScript []byte

// repeats is how many timed runs each measurement takes the best of, to
// shed noise from other processes on a shared machine.
const repeats = 5

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/sklearn:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sklearn", flag.ContinueOnError)
	fixture := fs.String("fixture", defaultFixture(), "fixture directory with model.pkl and numeric inputs.json")
	iters := fs.Int("iters", 2000, "single-row calls per timed run (batch runs use iters/8)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := sklearn.Load(*fixture)
	if err != nil {
		return err
	}
	rows, err := benchkit.ReadRows(filepath.Join(*fixture, "inputs.json"))
	if err != nil {
		return err
	}
	ours, out, err := timePaddock(ctx, m, rows, *iters)
	if err != nil {
		return err
	}
	peer, err := timePeer(ctx, *fixture, *iters)
	if err != nil {
		return err
	}
	return report(stdout, *fixture, ours, peer, benchkit.MaxDiff(out, peer.Output))
}

// defaultFixture finds testdata beside this source file, so the program
// works from any directory under `go run`.
func defaultFixture() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "fixtures", "sklearn", "random_forest")
}

// timings holds microseconds per Predict call.
type timings struct{ single, batch float64 }

// timePaddock measures Predict on one row at a time and on the whole
// batch, returning the batch output scikit-learn's method would give.
func timePaddock(ctx context.Context, m *sklearn.Model, rows [][]float64, iters int) (timings, []float64, error) {
	name := flavor.OutputPredictions
	if m.Signature().Task == flavor.TaskClassification {
		name = flavor.OutputProbabilities
	}
	singles := make([][]flavor.Tensor, len(rows))
	for i := range rows {
		singles[i] = []flavor.Tensor{tensor(rows[i : i+1])}
	}
	batch := []flavor.Tensor{tensor(rows)}
	var predErr error
	call := func(in []flavor.Tensor) {
		if _, err := m.Predict(ctx, in); err != nil {
			predErr = err
		}
	}
	single := benchkit.Best(repeats, func() {
		for i := range iters {
			call(singles[i%len(singles)])
		}
	}) / float64(iters)
	batchIters := max(1, iters/8)
	whole := benchkit.Best(repeats, func() {
		for range batchIters {
			call(batch)
		}
	}) / float64(batchIters)
	if predErr != nil {
		return timings{}, nil, predErr
	}
	outs, err := m.Predict(ctx, batch)
	if err != nil {
		return timings{}, nil, err
	}
	for _, o := range outs {
		if o.Name == name {
			return timings{single: single / 1e3, batch: whole / 1e3}, o.F64, nil
		}
	}
	return timings{}, nil, fmt.Errorf("no %s output", name)
}

// peerResult is what peer.py prints.
type peerResult struct {
	Method   string    `json:"method"`
	SingleUS float64   `json:"single_us"`
	BatchUS  float64   `json:"batch_us"`
	Rows     int       `json:"rows"`
	Output   []float64 `json:"output"`
}

func report(w io.Writer, fixture string, ours timings, peer peerResult, diff float64) error {
	fmt.Fprintf(w, "fixture: %s\nscikit-learn method: %s, GOMAXPROCS: %d, max |paddock - sklearn| = %.3g\n\n",
		fixture, peer.Method, runtime.GOMAXPROCS(0), diff)
	fmt.Fprintf(w, "%-14s %16s %16s %8s\n", "call", "paddock µs/call", "sklearn µs/call", "ratio")
	fmt.Fprintf(w, "%-14s %16.2f %16.2f %8.4f\n", "single row", ours.single, peer.SingleUS, ours.single/peer.SingleUS)
	fmt.Fprintf(w, "%-14s %16.2f %16.2f %8.4f\n", fmt.Sprintf("batch of %d", peer.Rows), ours.batch, peer.BatchUS, ours.batch/peer.BatchUS)
	_, err := fmt.Fprintf(w, "ratio = paddock / sklearn; below 1 means Paddock is faster\n")
	return err
}

func tensor(rows [][]float64) flavor.Tensor {
	t := flavor.Tensor{Name: "input", DType: flavor.Float64, Shape: []int{len(rows), len(rows[0])}}
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
