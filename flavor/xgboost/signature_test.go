package xgboost

import (
	"reflect"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

func TestSignature(t *testing.T) {
	in := func(n int) []flavor.TensorSpec {
		return []flavor.TensorSpec{{Name: InputName, DType: flavor.Float64, Shape: []int{-1, n}}}
	}
	preds := func(shape ...int) flavor.TensorSpec {
		return flavor.TensorSpec{Name: flavor.OutputPredictions, DType: flavor.Float64, Shape: shape}
	}
	probs := func(k int) flavor.TensorSpec {
		return flavor.TensorSpec{Name: flavor.OutputProbabilities, DType: flavor.Float64, Shape: []int{-1, k}}
	}
	cases := map[string]struct {
		task    flavor.Task
		inputs  []flavor.TensorSpec
		outputs []flavor.TensorSpec
		classes []string
		column0 string
		column9 string
	}{
		"binary_logistic":             {flavor.TaskClassification, in(20), []flavor.TensorSpec{preds(-1), probs(2)}, []string{"0", "1"}, "f0", "f9"},
		"binary_hinge":                {flavor.TaskClassification, in(10), []flavor.TensorSpec{preds(-1), probs(2)}, []string{"0", "1"}, "f0", "f9"},
		"multi_softprob":              {flavor.TaskClassification, in(20), []flavor.TensorSpec{preds(-1, 3), probs(3)}, []string{"0", "1", "2"}, "f0", "f9"},
		"multi_softmax":               {flavor.TaskClassification, in(10), []flavor.TensorSpec{preds(-1), probs(3)}, []string{"0", "1", "2"}, "f0", "f9"},
		"reg_squarederror":            {flavor.TaskRegression, in(20), []flavor.TensorSpec{preds(-1)}, nil, "f0", "f9"},
		"reg_logistic":                {flavor.TaskRegression, in(10), []flavor.TensorSpec{preds(-1)}, nil, "f0", "f9"},
		"multi_target_regression":     {flavor.TaskRegression, in(10), []flavor.TensorSpec{preds(-1, 2)}, nil, "f0", "f9"},
		"rank_ndcg":                   {flavor.TaskRanking, in(10), []flavor.TensorSpec{preds(-1)}, nil, "f0", "f9"},
		"categorical_binary_logistic": {flavor.TaskClassification, in(10), []flavor.TensorSpec{preds(-1), probs(2)}, []string{"0", "1"}, "num_0", "colour"},
	}
	seen := 0
	for _, f := range loadFixtures(t) {
		c, ok := cases[f.name]
		if !ok {
			continue
		}
		seen++
		s := f.m.Signature()
		if s.Task != c.task || !reflect.DeepEqual(s.Inputs, c.inputs) || !reflect.DeepEqual(s.Outputs, c.outputs) ||
			!reflect.DeepEqual(s.Classes, c.classes) {
			t.Errorf("%s: signature %+v", f.name, s)
		}
		if len(s.Columns) != f.m.NumFeature() || s.Columns[0].Name != c.column0 || s.Columns[9].Name != c.column9 {
			t.Errorf("%s: columns %v", f.name, s.Columns)
		}
		// Signature returns a copy: editing it must not change the model.
		s.Inputs[0].Shape[1] = 99
		s.Columns[0].Name = "changed"
		if again := f.m.Signature(); again.Inputs[0].Shape[1] == 99 || again.Columns[0].Name == "changed" {
			t.Errorf("%s: Signature shares memory with the model", f.name)
		}
	}
	if seen != len(cases) {
		t.Errorf("checked %d fixtures, want %d", seen, len(cases))
	}
}
