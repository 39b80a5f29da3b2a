package sklearn

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
)

func loadFixture(t *testing.T, name string) *Model {
	t.Helper()
	m, err := Load(filepath.Join(flavortest.FixturesDir(t), "sklearn", name))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSignatureTabular(t *testing.T) {
	sig := loadFixture(t, "random_forest").Signature()
	if sig.Task != flavor.TaskClassification || !reflect.DeepEqual(sig.Classes, []string{"0", "1", "2"}) {
		t.Fatalf("task %q classes %v", sig.Task, sig.Classes)
	}
	want := []flavor.TensorSpec{{Name: "input", DType: flavor.Float64, Shape: []int{-1, 12}}}
	if !reflect.DeepEqual(sig.Inputs, want) {
		t.Fatalf("inputs %+v", sig.Inputs)
	}
	if len(sig.Columns) != 12 || sig.Columns[0].Name != "x0" || sig.Columns[11].Name != "x11" {
		t.Fatalf("columns %+v", sig.Columns)
	}
	outs := []flavor.TensorSpec{
		{Name: flavor.OutputPredictions, DType: flavor.Int64, Shape: []int{-1}},
		{Name: flavor.OutputProbabilities, DType: flavor.Float64, Shape: []int{-1, 3}},
	}
	if !reflect.DeepEqual(sig.Outputs, outs) {
		t.Fatalf("outputs %+v", sig.Outputs)
	}

	reg := loadFixture(t, "ridge_two_targets").Signature()
	if reg.Task != flavor.TaskRegression || !reflect.DeepEqual(reg.Outputs[0].Shape, []int{-1, 2}) {
		t.Fatalf("ridge signature %+v", reg)
	}
	if s := loadFixture(t, "joblib_scaler_tree").Signature(); !reflect.DeepEqual(s.Classes, []string{"cat", "dog", "emu"}) || s.Outputs[0].DType != flavor.String {
		t.Fatalf("string labels: %+v", s)
	}
}

func TestSignaturePerColumn(t *testing.T) {
	sig := loadFixture(t, "column_onehot_logreg").Signature()
	want := []flavor.TensorSpec{
		{Name: "color", DType: flavor.String, Shape: []int{-1}},
		{Name: "a", DType: flavor.Float64, Shape: []int{-1}},
		{Name: "size", DType: flavor.String, Shape: []int{-1}},
		{Name: "b", DType: flavor.Float64, Shape: []int{-1}},
		{Name: "c", DType: flavor.Float64, Shape: []int{-1}},
	}
	if !reflect.DeepEqual(sig.Inputs, want) {
		t.Fatalf("inputs %+v", sig.Inputs)
	}
	if sig.Columns[2] != (flavor.ColumnSpec{Name: "size", DType: flavor.String}) {
		t.Fatalf("columns %+v", sig.Columns)
	}
	if !reflect.DeepEqual(sig.Classes, []string{"high", "low", "mid"}) {
		t.Fatalf("classes %v", sig.Classes)
	}
}

func TestInputErrors(t *testing.T) {
	tree := loadFixture(t, "decision_tree_classifier")
	linear := loadFixture(t, "scaler_logreg_binary")
	mixed := loadFixture(t, "column_drop_first_gbr")
	row := func(n int, v float64) [][]float64 {
		r := make([]float64, n)
		for i := range r {
			r[i] = v
		}
		return [][]float64{r}
	}
	good := columnTensors(t, mixed, []map[string]any{{"color": "red", "a": 1.0, "b": 2.0, "c": 0.5}})
	unknown := columnTensors(t, mixed, []map[string]any{{"color": "violet", "a": 1.0, "b": 2.0, "c": 0.5}})
	cases := []struct {
		name string
		m    *Model
		in   []flavor.Tensor
		want string
	}{
		{"too few features", tree, []flavor.Tensor{flavortest.InputTensor("input", flavor.Float64, row(7, 0))}, "want [batch, 8]"},
		{"two tensors", tree, []flavor.Tensor{{}, {}}, "want 1 input tensor"},
		{"short data", tree, []flavor.Tensor{{Name: "input", DType: flavor.Float64, Shape: []int{2, 8}, F64: make([]float64, 8)}}, "but 8 float64 values"},
		{"strings", tree, []flavor.Tensor{{Name: "input", DType: flavor.String, Shape: []int{1, 8}, Str: make([]string, 8)}}, "holds strings"},
		{"NaN into tree", tree, []flavor.Tensor{flavortest.InputTensor("input", flavor.Float64, row(8, math.NaN()))}, "trees cannot take"},
		{"float32 overflow", tree, []flavor.Tensor{flavortest.InputTensor("input", flavor.Float64, row(8, 1e39))}, "trees cannot take"},
		{"NaN into logistic", linear, []flavor.Tensor{flavortest.InputTensor("input", flavor.Float64, row(12, math.NaN()))}, "impute missing values"},
		{"unknown category", mixed, unknown, "unknown category"},
		{"missing column", mixed, good[:3], "want 4 input tensors"},
		{"wrong column type", mixed, append([]flavor.Tensor{{Name: "color", DType: flavor.Float64, Shape: []int{1}, F64: []float64{1}}}, good[1:]...), "want string"},
		{"misnamed column", mixed, append([]flavor.Tensor{{Name: "colour", DType: flavor.String, Shape: []int{1}, Str: []string{"red"}}}, good[1:]...), `want "color"`},
		{"row counts differ", mixed, append(good[:3:3], flavor.Tensor{Name: "c", DType: flavor.Float64, Shape: []int{2}, F64: []float64{1, 2}}), "has 2 rows"},
	}
	for _, c := range cases {
		_, err := c.m.Predict(context.Background(), c.in)
		if !errors.Is(err, flavor.ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want ErrInput containing %q", c.name, err, c.want)
		}
	}
	if _, err := mixed.Predict(context.Background(), good); err != nil {
		t.Fatalf("valid mixed input: %v", err)
	}
}

// TestInputDTypes accepts float32 and int64 tensors as well as float64.
func TestInputDTypes(t *testing.T) {
	m := loadFixture(t, "linear_regression")
	rows := [][]float64{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {-1, 0, 1, 0, -1, 0, 1, 0, 2, 2, 2, 2}}
	want := predictByName(t, m, []flavor.Tensor{flavortest.InputTensor("input", flavor.Float64, rows)}, flavor.OutputPredictions)
	for _, dt := range []flavor.DType{flavor.Float32, flavor.Int64} {
		got := predictByName(t, m, []flavor.Tensor{flavortest.InputTensor("input", dt, rows)}, flavor.OutputPredictions)
		compareFloats(t, string(dt), got.F64, want.F64)
	}
	empty := predictByName(t, m, []flavor.Tensor{{Name: "input", DType: flavor.Float64, Shape: []int{0, 12}}}, flavor.OutputPredictions)
	if len(empty.F64) != 0 || empty.Shape[0] != 0 {
		t.Fatalf("empty batch gave %+v", empty)
	}
}

func TestPredictCanceled(t *testing.T) {
	m := loadFixture(t, "linear_regression")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Predict(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// TestConcurrentPredict shares one model between goroutines (run with
// -race): predictions must not interfere.
func TestConcurrentPredict(t *testing.T) {
	m := loadFixture(t, "column_onehot_logreg")
	dir := filepath.Join(flavortest.FixturesDir(t), "sklearn", "column_onehot_logreg")
	in := fixtureInputs(t, m, dir)
	want := predictByName(t, m, in, flavor.OutputProbabilities)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			outs, err := m.Predict(context.Background(), in)
			if err == nil && !reflect.DeepEqual(outs[1].F64, want.F64) {
				err = errors.New("concurrent predictions differ")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
