// Command pyworker measures what serving a Python model through
// flavor/pyworker costs over calling it inside Python.
//
// It writes a small numpy model (16 features to 4 outputs), loads it with
// pyworker.Load (one worker, /usr/bin/python3), and times Model.Predict
// for batches of 1, 64 and 4096 rows. It then runs peer.py, which loads
// the same model file in-process and times its predict on the same rows.
// Both sides print the best of several runs; the ratio (Paddock / Python,
// lower is better) is the price of the process boundary: framing, JSON
// and two pipe hops per call.
//
//	go run ./bench/pyworker
package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/pyworker"
)

//go:embed model.py
var modelScript []byte

//go:embed peer.py
var peerScript []byte

// python is the Debian interpreter that has numpy.
const python = "/usr/bin/python3"

// features is the model's input width; batches are the row counts timed.
const features = 16

var batches = []int{1, 64, 4096}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/pyworker:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("pyworker", flag.ContinueOnError)
	iters := fs.Int("iters", 4096, "rows per timed run (calls = iters/rows, at least 1)")
	repeats := fs.Int("repeats", 5, "timed runs per measurement; the best is kept")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "paddock-bench-pyworker")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	modelFile := filepath.Join(dir, "paddock_model.py")
	if err := os.WriteFile(modelFile, modelScript, 0o644); err != nil {
		return err
	}
	ours, sums, err := timePaddock(ctx, dir, *iters, *repeats)
	if err != nil {
		return err
	}
	peer, err := timePeer(ctx, dir, modelFile, *iters, *repeats)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-6s %16s %16s %8s %s\n", "rows", "paddock µs/call", "python µs/call", "ratio", "checksums")
	for _, rows := range batches {
		p := peer[strconv.Itoa(rows)]
		if math.Abs(p.Checksum-sums[rows]) > 1e-9*math.Max(1, math.Abs(p.Checksum)) {
			return fmt.Errorf("rows %d: outputs differ: paddock sum %v, python sum %v", rows, sums[rows], p.Checksum)
		}
		fmt.Fprintf(stdout, "%-6d %16.1f %16.1f %8.1f %v\n", rows,
			ours[rows]/1e3, p.NsPerCall/1e3, ours[rows]/p.NsPerCall, sums[rows])
	}
	return nil
}

// timePaddock returns, per batch size, the best ns per Predict call and
// the sum of the last outputs.
func timePaddock(ctx context.Context, dir string, iters, repeats int) (map[int]float64, map[int]float64, error) {
	m, err := pyworker.Load(ctx, dir, pyworker.Config{Python: python, HealthInterval: -1})
	if err != nil {
		return nil, nil, err
	}
	defer m.Close()
	ns, sums := map[int]float64{}, map[int]float64{}
	for _, rows := range batches {
		in := []flavor.Tensor{inputs(rows)}
		n := max(1, iters/rows)
		best := math.Inf(1)
		var out []flavor.Tensor
		for range repeats {
			start := time.Now()
			for range n {
				if out, err = m.Predict(ctx, in); err != nil {
					return nil, nil, err
				}
			}
			best = min(best, float64(time.Since(start).Nanoseconds())/float64(n))
		}
		ns[rows], sums[rows] = best, sum(out[0].F64)
	}
	return ns, sums, nil
}

// inputs builds the same rows as peer.py: (i % 97) / 8 - 6.
func inputs(rows int) flavor.Tensor {
	t := flavor.Tensor{Name: "x", DType: flavor.Float64, Shape: []int{rows, features}, F64: make([]float64, rows*features)}
	for i := range t.F64 {
		t.F64[i] = float64(i%97)/8 - 6
	}
	return t
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

type peerResult struct {
	NsPerCall float64 `json:"ns_per_call"`
	Checksum  float64 `json:"checksum"`
}

func timePeer(ctx context.Context, dir, modelFile string, iters, repeats int) (map[string]peerResult, error) {
	script := filepath.Join(dir, "peer.py")
	if err := os.WriteFile(script, peerScript, 0o644); err != nil {
		return nil, err
	}
	args := []string{script, modelFile, strconv.Itoa(iters), strconv.Itoa(repeats)}
	for _, rows := range batches {
		args = append(args, strconv.Itoa(rows))
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("peer: %w\n%s", err, stderr.String())
	}
	var out map[string]peerResult
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("peer output: %w", err)
	}
	return out, nil
}
