// Package benchkit holds what the model benchmarks share: timing the best
// of several runs, running a Python peer script and reading its JSON
// answer, reading fixture rows, and comparing two sets of predictions.
package benchkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"time"
)

// Python is the Debian interpreter that has the real libraries.
const Python = "/usr/bin/python3"

// Best runs f once to warm up, then repeats times, and returns the
// fastest run in nanoseconds: on a shared machine the minimum is the
// least disturbed measurement.
func Best(repeats int, f func()) float64 {
	f()
	fastest := math.Inf(1)
	for range repeats {
		start := time.Now()
		f()
		fastest = min(fastest, float64(time.Since(start).Nanoseconds()))
	}
	return fastest
}

// RunPeer runs script under Python with args and decodes its standard
// output, one JSON document, into out.
func RunPeer(ctx context.Context, script []byte, out any, args ...string) error {
	cmd := exec.CommandContext(ctx, Python, append([]string{"-"}, args...)...)
	cmd.Stdin = bytes.NewReader(script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s peer script: %w: %s", Python, err, stderr.String())
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("peer script output: %w", err)
	}
	return nil
}

// ReadRows reads a fixture's inputs.json: rows of numbers, null meaning a
// missing value (NaN).
func ReadRows(path string) ([][]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw [][]*float64
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w (only numeric row fixtures are supported here)", path, err)
	}
	rows := make([][]float64, len(raw))
	for i, r := range raw {
		rows[i] = make([]float64, len(r))
		for j, v := range r {
			rows[i][j] = math.NaN()
			if v != nil {
				rows[i][j] = *v
			}
		}
	}
	return rows, nil
}

// MaxDiff is the largest absolute difference between two prediction
// sets, +Inf when their lengths differ.
func MaxDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}
