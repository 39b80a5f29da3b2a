// Package flavortest is the conformance suite every flavor passes: for each
// fixture (a model trained by the real library, its inputs and the
// library's own outputs) the flavor must load the model and reproduce the
// outputs within a tolerance.
package flavortest

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// FixturesDir returns the repository's testdata/fixtures directory.
func FixturesDir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate flavortest source")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "fixtures")
}

// Fixtures lists the fixture directories of one kind ("xgboost",
// "sklearn", "onnx").
func Fixtures(t testing.TB, kind string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(FixturesDir(t), kind, "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no %s fixtures found: %v", kind, err)
	}
	return dirs
}

// Case describes how to check one fixture.
type Case struct {
	// Dir is the fixture directory (model file, inputs.json, expected.json).
	Dir string
	// Load loads the model from Dir.
	Load func(dir string) (flavor.Model, error)
	// Output is the output tensor compared with expected.json; empty means
	// the first output.
	Output string
	// Tol is the absolute tolerance per element.
	Tol float64
}

// Run loads the fixture's model, predicts its inputs as one batch and row
// by row, and compares both with expected.json.
func Run(t *testing.T, c Case) {
	t.Helper()
	m, err := c.Load(c.Dir)
	if err != nil {
		t.Fatalf("load %s: %v", c.Dir, err)
	}
	defer m.Close()
	rows := readRows(t, filepath.Join(c.Dir, "inputs.json"))
	want := readFlat(t, filepath.Join(c.Dir, "expected.json"))
	sig := m.Signature()
	if len(sig.Inputs) == 0 {
		t.Fatal("signature has no inputs")
	}
	dtype := sig.Inputs[0].DType
	got := predict(t, m, c.Output, InputTensor(sig.Inputs[0].Name, dtype, rows))
	compare(t, "batch", got, want, c.Tol)
	per := len(want) / len(rows)
	for i := range rows {
		one := predict(t, m, c.Output, InputTensor(sig.Inputs[0].Name, dtype, rows[i:i+1]))
		compare(t, "row", one, want[i*per:(i+1)*per], c.Tol)
	}
}

func predict(t *testing.T, m flavor.Model, name string, in flavor.Tensor) []float64 {
	t.Helper()
	outs, err := m.Predict(context.Background(), []flavor.Tensor{in})
	if err != nil {
		t.Fatalf("predict: %v", err)
	}
	if len(outs) == 0 {
		t.Fatal("predict returned no outputs")
	}
	out := outs[0]
	if name != "" {
		found := false
		for _, o := range outs {
			if o.Name == name {
				out, found = o, true
			}
		}
		if !found {
			t.Fatalf("no output named %q", name)
		}
	}
	return Float64s(out)
}

// Float64s converts a numeric tensor's data to float64.
func Float64s(t flavor.Tensor) []float64 {
	switch t.DType {
	case flavor.Float64:
		return t.F64
	case flavor.Float32:
		out := make([]float64, len(t.F32))
		for i, v := range t.F32 {
			out[i] = float64(v)
		}
		return out
	case flavor.Int64:
		out := make([]float64, len(t.I64))
		for i, v := range t.I64 {
			out[i] = float64(v)
		}
		return out
	}
	return nil
}

func compare(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(got[i] - want[i]); !(d <= tol) {
			t.Fatalf("%s: value %d = %.9g, want %.9g (diff %.3g > %.3g)", what, i, got[i], want[i], d, tol)
		}
	}
}

// InputTensor builds a [len(rows), width] tensor of the given type; NaN
// (a JSON null) stands for a missing value.
func InputTensor(name string, dtype flavor.DType, rows [][]float64) flavor.Tensor {
	width := 0
	if len(rows) > 0 {
		width = len(rows[0])
	}
	t := flavor.Tensor{Name: name, DType: dtype, Shape: []int{len(rows), width}}
	for _, r := range rows {
		for _, v := range r {
			switch dtype {
			case flavor.Float32:
				t.F32 = append(t.F32, float32(v))
			case flavor.Int64:
				t.I64 = append(t.I64, int64(v))
			default:
				t.F64 = append(t.F64, v)
			}
		}
	}
	if dtype != flavor.Float32 && dtype != flavor.Int64 {
		t.DType = flavor.Float64
	}
	return t
}

func readRows(t *testing.T, path string) [][]float64 {
	t.Helper()
	var raw [][]*float64
	readJSON(t, path, &raw)
	rows := make([][]float64, len(raw))
	for i, r := range raw {
		rows[i] = make([]float64, len(r))
		for j, v := range r {
			if v == nil {
				rows[i][j] = math.NaN()
			} else {
				rows[i][j] = *v
			}
		}
	}
	return rows
}

func readFlat(t *testing.T, path string) []float64 {
	t.Helper()
	var raw any
	readJSON(t, path, &raw)
	var out []float64
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case float64:
			out = append(out, x)
		}
	}
	walk(raw)
	return out
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
