package xgboost

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
)

// fixture is a loaded fixture: model, rows and Booster.predict's output.
type fixture struct {
	name string
	m    *Model
	rows [][]float64
	want []float64
}

func loadFixtures(t *testing.T) []fixture {
	t.Helper()
	var out []fixture
	for _, dir := range flavortest.Fixtures(t, "xgboost") {
		m, err := Load(dir)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		out = append(out, fixture{filepath.Base(dir), m, readInputs(t, dir), readExpected(t, dir)})
	}
	return out
}

func readExpected(t *testing.T, dir string) []float64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var nested [][]float64
	if json.Unmarshal(b, &nested) == nil {
		return slices.Concat(nested...)
	}
	var flat []float64
	if err := json.Unmarshal(b, &flat); err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	return flat
}

// TestPredictRow checks PredictRow itself against Booster.predict and that
// it allocates nothing.
func TestPredictRow(t *testing.T) {
	for _, f := range loadFixtures(t) {
		w := f.m.OutputWidth()
		out := make([]float64, w)
		for i, row := range f.rows {
			f.m.PredictRow(row, out)
			for j, v := range out {
				if d := math.Abs(v - f.want[i*w+j]); !(d <= conformanceTol) {
					t.Fatalf("%s row %d: got %v, want %v", f.name, i, out, f.want[i*w:(i+1)*w])
				}
			}
		}
		allocs := testing.AllocsPerRun(20, func() {
			for _, row := range f.rows {
				f.m.PredictRow(row, out)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: PredictRow allocates %v times per batch of rows", f.name, allocs)
		}
	}
}

func TestPredictRowPanicsOnWrongLength(t *testing.T) {
	m, err := Parse(strings.NewReader(tinyModel))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "want 2 and 1") {
			t.Fatalf("recovered %v, want a length panic", r)
		}
	}()
	m.PredictRow([]float64{1}, make([]float64, 1))
}

// TestProbabilities checks the probabilities output against the
// predictions for every classifier fixture.
func TestProbabilities(t *testing.T) {
	for _, f := range loadFixtures(t) {
		if f.m.Signature().Task != flavor.TaskClassification || f.m.numClasses() == 0 {
			continue
		}
		outs := predictRows(t, f.m, f.rows)
		if len(outs) != 2 || outs[1].Name != flavor.OutputProbabilities {
			t.Fatalf("%s: outputs %v, want predictions and probabilities", f.name, outs)
		}
		k := f.m.numClasses()
		if !slices.Equal(outs[1].Shape, []int{len(f.rows), k}) {
			t.Fatalf("%s: probabilities shape %v", f.name, outs[1].Shape)
		}
		for i := range f.rows {
			p := outs[1].F64[i*k : (i+1)*k]
			checkProbabilityRow(t, f, i, p, outs[0].F64)
		}
	}
}

func checkProbabilityRow(t *testing.T, f fixture, i int, p, preds []float64) {
	t.Helper()
	sum := 0.0
	for _, v := range p {
		sum += v
	}
	if math.Abs(sum-1) > 1e-6 {
		t.Fatalf("%s row %d: probabilities %v sum to %v", f.name, i, p, sum)
	}
	switch f.m.Objective() {
	case "binary:logistic", "binary:hinge":
		if p[1] != preds[i] {
			t.Fatalf("%s row %d: P(1) = %v, prediction %v", f.name, i, p[1], preds[i])
		}
	case "binary:logitraw":
		if (p[1] > 0.5) != (preds[i] > 0) {
			t.Fatalf("%s row %d: P(1) = %v for margin %v", f.name, i, p[1], preds[i])
		}
	case "multi:softmax":
		if float64(argmax(p)) != preds[i] {
			t.Fatalf("%s row %d: probabilities %v, predicted class %v", f.name, i, p, preds[i])
		}
	case "multi:softprob":
		if !slices.Equal(p, preds[i*len(p):(i+1)*len(p)]) {
			t.Fatalf("%s row %d: probabilities differ from predictions", f.name, i)
		}
	default:
		t.Fatalf("%s: unexpected classifier objective %s", f.name, f.m.Objective())
	}
}

func predictRows(t *testing.T, m *Model, rows [][]float64) []flavor.Tensor {
	t.Helper()
	outs, err := m.Predict(context.Background(), []flavor.Tensor{flavortest.InputTensor(InputName, flavor.Float64, rows)})
	if err != nil {
		t.Fatal(err)
	}
	return outs
}

// TestPredictLargeBatch runs a batch big enough to be split across
// goroutines and compares it with PredictRow, row by row.
func TestPredictLargeBatch(t *testing.T) {
	for _, f := range loadFixtures(t) {
		var rows [][]float64
		for range 40 {
			rows = append(rows, f.rows...)
		}
		got := predictRows(t, f.m, rows)[0].F64
		w := f.m.OutputWidth()
		for i := range rows {
			j := i % len(f.rows)
			if !closeTo(got[i*w:(i+1)*w], f.want[j*w:(j+1)*w]) {
				t.Fatalf("%s row %d: batch %v, want %v", f.name, i, got[i*w:(i+1)*w], f.want[j*w:(j+1)*w])
			}
		}
	}
}

func closeTo(a, b []float64) bool {
	for i := range a {
		if !(math.Abs(a[i]-b[i]) <= conformanceTol) {
			return false
		}
	}
	return true
}

// TestPredictFloat32 feeds float32 inputs and expects exactly the float64
// results on the same (float32) values.
func TestPredictFloat32(t *testing.T) {
	for _, f := range loadFixtures(t) {
		rows := make([][]float64, len(f.rows))
		for i, r := range f.rows {
			for _, v := range r {
				rows[i] = append(rows[i], float64(float32(v)))
			}
		}
		want := predictRows(t, f.m, rows)[0].F64
		in := flavortest.InputTensor(InputName, flavor.Float32, rows)
		outs, err := f.m.Predict(context.Background(), []flavor.Tensor{in})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(outs[0].F64, want) {
			t.Fatalf("%s: float32 input gives %v, want %v", f.name, outs[0].F64[:4], want[:4])
		}
	}
}

func TestPredictEmptyBatch(t *testing.T) {
	m, err := Parse(strings.NewReader(tinyModel))
	if err != nil {
		t.Fatal(err)
	}
	in := flavor.Tensor{Name: InputName, DType: flavor.Float64, Shape: []int{0, 2}}
	outs, err := m.Predict(context.Background(), []flavor.Tensor{in})
	if err != nil || len(outs) != 1 || !slices.Equal(outs[0].Shape, []int{0}) || len(outs[0].F64) != 0 {
		t.Fatalf("empty batch: %v, %v", outs, err)
	}
}

func TestPredictCanceled(t *testing.T) {
	m, err := Parse(strings.NewReader(tinyModel))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := flavor.Tensor{Name: InputName, DType: flavor.Float64, Shape: []int{1, 2}, F64: []float64{0, 0}}
	if _, err := m.Predict(ctx, []flavor.Tensor{in}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestPredictInputErrors(t *testing.T) {
	m, err := Parse(strings.NewReader(tinyModel))
	if err != nil {
		t.Fatal(err)
	}
	f64 := func(shape []int, n int) flavor.Tensor {
		return flavor.Tensor{Name: InputName, DType: flavor.Float64, Shape: shape, F64: make([]float64, n)}
	}
	cases := []struct {
		name   string
		inputs []flavor.Tensor
		msg    string
	}{
		{"no inputs", nil, "got 0"},
		{"two inputs", []flavor.Tensor{f64([]int{1, 2}, 2), f64([]int{1, 2}, 2)}, "got 2"},
		{"one-dimensional", []flavor.Tensor{f64([]int{2}, 2)}, "want [rows, 2]"},
		{"wrong width", []flavor.Tensor{f64([]int{1, 3}, 3)}, "want [rows, 2]"},
		{"negative rows", []flavor.Tensor{f64([]int{-1, 2}, 2)}, "want [rows, 2]"},
		{"too little data", []flavor.Tensor{f64([]int{2, 2}, 3)}, "holds 3 values"},
		{"too much data", []flavor.Tensor{f64([]int{1, 2}, 4)}, "holds 4 values"},
		{"overflowing shape", []flavor.Tensor{f64([]int{math.MaxInt / 2, 2}, 2)}, "holds 2 values"},
		{"int64", []flavor.Tensor{{DType: flavor.Int64, Shape: []int{1, 2}, I64: []int64{1, 2}}}, "dtype int64"},
		{"string", []flavor.Tensor{{DType: flavor.String, Shape: []int{1, 2}, Str: []string{"a", "b"}}}, "dtype string"},
	}
	for _, c := range cases {
		_, err := m.Predict(context.Background(), c.inputs)
		if !errors.Is(err, flavor.ErrInput) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want ErrInput mentioning %q", c.name, err, c.msg)
		}
	}
}
