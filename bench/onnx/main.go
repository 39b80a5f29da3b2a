// Command onnx-bench times Paddock's pure-Go ONNX engine against PyTorch
// on the mlp_softmax fixture, at batch 64 and batch 1, in one run on the
// same inputs.
//
// PyTorch runs an eager nn.Sequential rebuilt from the ONNX file's own
// initializers (torch_bench.py checks it reproduces the fixture's
// expected.json), timed with torch.set_num_threads(1), with torch's
// default thread count and with one thread per CPU (duplicates dropped). Both sides are timed per call, including their
// own input and output handling.
//
// Usage (from the repository root):
//
//	go run ./bench/onnx [-iterations 2000]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/onnx"
)

const python = "/usr/bin/python3"

type torchResult struct {
	Torch          string               `json:"torch"`
	DefaultThreads int                  `json:"default_threads"`
	Threads        []int                `json:"threads"`
	ExpectedDrift  float64              `json:"expected_drift"`
	NsPerCall      map[string]float64   `json:"ns_per_call"`
	Outputs        map[string][]float64 `json:"outputs"`
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "onnx-bench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("onnx-bench", flag.ContinueOnError)
	iterations := fs.Int("iterations", 2000, "calls per timing run")
	dir := fs.String("model", filepath.Join("testdata", "fixtures", "onnx", "mlp_softmax"), "fixture directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := onnx.Load(*dir)
	if err != nil {
		return err
	}
	width := m.Signature().Inputs[0].Shape[1]
	batches := map[string][][]float32{"batch64": randomRows(64, width), "batch1": randomRows(1, width)}
	tr, err := runTorch(*dir, batches, *iterations)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model %s: Paddock onnx (GOMAXPROCS=%d) vs PyTorch %s (default threads %d)\n",
		filepath.Base(*dir), runtime.GOMAXPROCS(0), tr.Torch, tr.DefaultThreads)
	fmt.Fprintf(stdout, "%-8s %-9s %14s %14s %8s %10s\n", "case", "torch thr", "paddock ns/row", "torch ns/row", "ratio", "max |diff|")
	for _, name := range []string{"batch64", "batch1"} {
		rows := batches[name]
		in := tensor(rows)
		got, err := m.Predict(context.Background(), []flavor.Tensor{in})
		if err != nil {
			return err
		}
		diff := maxDiff(got[0].F32, tr.Outputs[name])
		ours := timeGo(m, in, *iterations) / float64(len(rows))
		for _, threads := range tr.Threads {
			theirs := tr.NsPerCall[fmt.Sprintf("%s/threads=%d", name, threads)] / float64(len(rows))
			fmt.Fprintf(stdout, "%-8s %-9d %14.0f %14.0f %7.2fx %10.2g\n", name, threads, ours, theirs, ours/theirs, diff)
		}
	}
	fmt.Fprintln(stdout, "ratio = Paddock time / PyTorch time (lower is better)")
	return nil
}

func randomRows(n, width int) [][]float32 {
	r := rand.New(rand.NewPCG(42, uint64(n)))
	rows := make([][]float32, n)
	for i := range rows {
		rows[i] = make([]float32, width)
		for j := range rows[i] {
			rows[i][j] = float32(r.NormFloat64())
		}
	}
	return rows
}

func tensor(rows [][]float32) flavor.Tensor {
	t := flavor.Tensor{Name: "input", DType: flavor.Float32, Shape: []int{len(rows), len(rows[0])}}
	for _, r := range rows {
		t.F32 = append(t.F32, r...)
	}
	return t
}

// runTorch writes the inputs to a temp file and runs torch_bench.py.
func runTorch(dir string, batches map[string][][]float32, iterations int) (*torchResult, error) {
	f, err := os.CreateTemp("", "onnx-bench-*.json")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if err := json.NewEncoder(f).Encode(batches); err != nil {
		return nil, err
	}
	f.Close()
	script := filepath.Join("bench", "onnx", "torch_bench.py")
	cmd := exec.Command(python, script, dir, f.Name(), fmt.Sprint(iterations))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", python, script, err)
	}
	var tr torchResult
	if err := json.Unmarshal(out, &tr); err != nil {
		return nil, fmt.Errorf("torch_bench.py output: %w", err)
	}
	return &tr, nil
}

// timeGo returns the median over 5 runs of the mean ns per Predict call,
// after a warm-up, mirroring torch_bench.py.
func timeGo(m *onnx.Model, in flavor.Tensor, iterations int) float64 {
	ctx := context.Background()
	inputs := []flavor.Tensor{in}
	for i := 0; i < max(iterations/10, 10); i++ {
		m.Predict(ctx, inputs)
	}
	runs := make([]float64, 5)
	for r := range runs {
		start := time.Now()
		for i := 0; i < iterations; i++ {
			m.Predict(ctx, inputs)
		}
		runs[r] = float64(time.Since(start).Nanoseconds()) / float64(iterations)
	}
	sort.Float64s(runs)
	return runs[len(runs)/2]
}

func maxDiff(a []float32, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-b[i]))
	}
	return d
}
