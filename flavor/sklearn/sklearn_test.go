package sklearn

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
)

// tolerance is the agreement required with scikit-learn's own output.
const tolerance = 1e-6

// about is the part of a fixture's about.json the tests read.
type about struct {
	Estimator string `json:"estimator"`
	Inputs    string `json:"inputs"` // "objects" for per-column inputs
	Output    string `json:"output"`
}

func readAbout(t *testing.T, dir string) about {
	t.Helper()
	var a about
	readJSON(t, filepath.Join(dir, "about.json"), &a)
	return a
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

func loadModel(dir string) (flavor.Model, error) { return Load(dir) }

// TestConformance checks every numeric fixture with the shared suite:
// the whole batch and each row alone must match expected.json.
func TestConformance(t *testing.T) {
	ran := 0
	for _, dir := range flavortest.Fixtures(t, "sklearn") {
		if readAbout(t, dir).Inputs == "objects" {
			continue // per-column string inputs: TestMixedFixtures
		}
		ran++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			m, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			output := flavor.OutputPredictions
			if m.Signature().Task == flavor.TaskClassification {
				output = flavor.OutputProbabilities
			}
			if a := readAbout(t, dir); a.Output != "" && a.Output != output {
				t.Fatalf("about.json says output %q, model task gives %q", a.Output, output)
			}
			flavortest.Run(t, flavortest.Case{Dir: dir, Load: loadModel, Output: output, Tol: tolerance})
		})
	}
	if ran < 20 {
		t.Fatalf("only %d numeric fixtures", ran)
	}
}

// TestPredictedLabels compares the predictions output of classifiers with
// scikit-learn's predict() (expected_predict.json).
func TestPredictedLabels(t *testing.T) {
	for _, dir := range flavortest.Fixtures(t, "sklearn") {
		path := filepath.Join(dir, "expected_predict.json")
		if _, err := os.Stat(path); err != nil {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			var want []any
			readJSON(t, path, &want)
			got := predictByName(t, m, fixtureInputs(t, m, dir), flavor.OutputPredictions)
			if got.Shape[0] != len(want) {
				t.Fatalf("got %d labels, want %d", got.Shape[0], len(want))
			}
			for i, w := range want {
				if g := labelAt(got, i); g != w {
					t.Fatalf("row %d: label %v (%T), want %v (%T)", i, g, g, w, w)
				}
			}
		})
	}
}

// labelAt returns a label as encoding/json would decode it.
func labelAt(t flavor.Tensor, i int) any {
	switch t.DType {
	case flavor.Int64:
		return float64(t.I64[i])
	case flavor.String:
		return t.Str[i]
	case flavor.Bool:
		return t.Bool[i]
	}
	return t.F64[i]
}

// TestMixedFixtures checks the fixtures whose inputs hold string columns,
// batch and row by row, against expected.json.
func TestMixedFixtures(t *testing.T) {
	ran := 0
	for _, dir := range flavortest.Fixtures(t, "sklearn") {
		if readAbout(t, dir).Inputs != "objects" {
			continue
		}
		ran++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			output := flavor.OutputPredictions
			if m.Signature().Task == flavor.TaskClassification {
				output = flavor.OutputProbabilities
			}
			var rows []map[string]any
			readJSON(t, filepath.Join(dir, "inputs.json"), &rows)
			var want any
			readJSON(t, filepath.Join(dir, "expected.json"), &want)
			flat := flatten(want)
			got := predictByName(t, m, columnTensors(t, m, rows), output)
			compareFloats(t, "batch", got.F64, flat)
			per := len(flat) / len(rows)
			for i := range rows {
				one := predictByName(t, m, columnTensors(t, m, rows[i:i+1]), output)
				compareFloats(t, "row", one.F64, flat[i*per:(i+1)*per])
			}
		})
	}
	if ran < 2 {
		t.Fatalf("only %d mixed fixtures", ran)
	}
}

// fixtureInputs builds the predict inputs for any fixture.
func fixtureInputs(t *testing.T, m *Model, dir string) []flavor.Tensor {
	t.Helper()
	if readAbout(t, dir).Inputs == "objects" {
		var rows []map[string]any
		readJSON(t, filepath.Join(dir, "inputs.json"), &rows)
		return columnTensors(t, m, rows)
	}
	var raw [][]*float64
	readJSON(t, filepath.Join(dir, "inputs.json"), &raw)
	rows := make([][]float64, len(raw))
	for i, r := range raw {
		for _, v := range r {
			f := math.NaN()
			if v != nil {
				f = *v
			}
			rows[i] = append(rows[i], f)
		}
	}
	return []flavor.Tensor{flavortest.InputTensor("input", flavor.Float64, rows)}
}

// columnTensors builds one tensor per signature input from row objects.
func columnTensors(t *testing.T, m *Model, rows []map[string]any) []flavor.Tensor {
	t.Helper()
	var ins []flavor.Tensor
	for _, spec := range m.Signature().Inputs {
		in := flavor.Tensor{Name: spec.Name, DType: spec.DType, Shape: []int{len(rows)}}
		for _, r := range rows {
			v, ok := r[spec.Name]
			if !ok {
				t.Fatalf("inputs.json rows lack column %q", spec.Name)
			}
			switch spec.DType {
			case flavor.String:
				in.Str = append(in.Str, v.(string))
			default:
				f := math.NaN()
				if v != nil {
					f = v.(float64)
				}
				in.F64 = append(in.F64, f)
			}
		}
		ins = append(ins, in)
	}
	return ins
}

func predictByName(t *testing.T, m *Model, ins []flavor.Tensor, name string) flavor.Tensor {
	t.Helper()
	outs, err := m.Predict(context.Background(), ins)
	if err != nil {
		t.Fatalf("predict: %v", err)
	}
	for _, o := range outs {
		if o.Name == name {
			return o
		}
	}
	t.Fatalf("no output %q", name)
	return flavor.Tensor{}
}

func flatten(v any) []float64 {
	var out []float64
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
	case float64:
		out = append(out, x)
	}
	return out
}

func compareFloats(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(got[i] - want[i]); !(d <= tolerance) {
			t.Fatalf("%s: value %d = %.12g, want %.12g (diff %.3g)", what, i, got[i], want[i], d)
		}
	}
}
