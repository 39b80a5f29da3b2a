package modeldir

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/modeldir/mlmodel"
)

func TestLoadedSignature(t *testing.T) {
	f64 := func(name string, shape ...int) flavor.TensorSpec {
		return flavor.TensorSpec{Name: name, DType: flavor.Float64, Shape: shape}
	}
	names := func(prefix string, n int) []string {
		var out []string
		for i := range n {
			out = append(out, prefix+string(rune('0'+i)))
		}
		return out
	}
	tests := []struct {
		dir     string
		inputs  []flavor.TensorSpec
		columns []string
		outputs []string
		task    flavor.Task
	}{
		// Named double columns: one tabular input, MLflow's column names.
		{"xgboost_json", []flavor.TensorSpec{f64("input", -1, 10)}, names("f", 10), []string{"predictions", "probabilities"}, flavor.TaskClassification},
		// A tensor spec: no column names; the model's outputs, which
		// include the probabilities the schema does not name.
		{"xgboost_tensor", []flavor.TensorSpec{f64("input", -1, 10)}, nil, []string{"predictions", "probabilities"}, flavor.TaskClassification},
		{"sklearn_pickle_proba", []flavor.TensorSpec{f64("input", -1, 12)}, nil, []string{"predictions", "probabilities"}, flavor.TaskClassification},
		// Mixed string and double columns: one tensor per column.
		{"sklearn_cloudpickle_columns", []flavor.TensorSpec{
			{Name: "color", DType: flavor.String, Shape: []int{-1}}, f64("a", -1),
			{Name: "size", DType: flavor.String, Shape: []int{-1}}, f64("b", -1), f64("c", -1),
		}, []string{"color", "a", "size", "b", "c"}, []string{"predictions", "probabilities"}, flavor.TaskClassification},
		{"onnx_transformer", []flavor.TensorSpec{{Name: "input", DType: flavor.Int64, Shape: []int{-1, 16}}}, nil, []string{"output"}, flavor.TaskOther},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			l := load(t, mlDir(t, tt.dir), Options{})
			sig := l.Signature
			if !reflect.DeepEqual(sig.Inputs, tt.inputs) {
				t.Errorf("inputs = %+v, want %+v", sig.Inputs, tt.inputs)
			}
			var cols, outs []string
			for _, c := range sig.Columns {
				cols = append(cols, c.Name)
			}
			for _, o := range sig.Outputs {
				outs = append(outs, o.Name)
			}
			if tt.columns != nil && !slices.Equal(cols, tt.columns) {
				t.Errorf("columns = %v, want %v", cols, tt.columns)
			}
			if !slices.Equal(outs, tt.outputs) || sig.Task != tt.task {
				t.Errorf("outputs %v, task %s; want %v, %s", outs, sig.Task, tt.outputs, tt.task)
			}
		})
	}
}

func TestMergeSignature(t *testing.T) {
	tabular := flavor.Signature{Task: flavor.TaskRegression,
		Inputs:  []flavor.TensorSpec{{Name: "input", DType: flavor.Float64, Shape: []int{-1, 3}}},
		Outputs: []flavor.TensorSpec{{Name: "predictions", DType: flavor.Float64, Shape: []int{-1}}}}
	onnxSig := flavor.Signature{Task: flavor.TaskOther,
		Inputs:  []flavor.TensorSpec{{Name: "x", DType: flavor.Float32, Shape: []int{-1, -1}}},
		Outputs: []flavor.TensorSpec{{Name: "output", DType: flavor.Float32, Shape: []int{-1, 4}}}}
	tests := []struct {
		name   string
		own    flavor.Signature
		inputs string
		want   []flavor.TensorSpec // nil: an error
	}{
		{"long and double columns fit a float64 matrix", tabular,
			`[{"type": "long", "name": "age"}, {"type": "double", "name": "income"}, {"type": "boolean", "name": "vip"}]`,
			tabular.Inputs},
		{"unnamed columns", tabular, `[{"type": "double"}, {"type": "double"}, {"type": "double"}]`, tabular.Inputs},
		{"too few columns", tabular, `[{"type": "double", "name": "a"}, {"type": "double", "name": "b"}]`, nil},
		{"string column into a numeric model", tabular,
			`[{"type": "string", "name": "a"}, {"type": "double", "name": "b"}, {"type": "double", "name": "c"}]`, nil},
		{"tensor names win, dimensions merge", onnxSig,
			`[{"name": "features", "type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 20]}}]`,
			[]flavor.TensorSpec{{Name: "features", DType: flavor.Float32, Shape: []int{-1, 20}}}},
		{"tensor rank differs", onnxSig, `[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]`, nil},
		{"tensor count differs", onnxSig, `[{"name": "a", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}},
			{"name": "b", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]`, nil},
		{"string tensor into a float model", onnxSig, `[{"type": "tensor", "tensor-spec": {"dtype": "object", "shape": [-1, 2]}}]`, nil},
		{"fixed dimension differs", tabular, `[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &mlmodel.Signature{Inputs: tt.inputs}
			specs, err := s.InputSchema()
			if err != nil {
				t.Fatal(err)
			}
			declared, err := s.Convert()
			if err != nil {
				t.Fatal(err)
			}
			got, err := mergeSignature(tt.own, declared, specs)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("merged %+v, want an error", got.Inputs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Inputs, tt.want) || !reflect.DeepEqual(got.Outputs, tt.own.Outputs) || got.Task != tt.own.Task {
				t.Fatalf("merged %+v", got)
			}
			if declared.Columns != nil && !reflect.DeepEqual(got.Columns, declared.Columns) {
				t.Fatalf("columns %+v, want %+v", got.Columns, declared.Columns)
			}
		})
	}
}

// A descriptor whose signature does not fit the model is refused.
func TestLoadRefusesSignatureMismatch(t *testing.T) {
	dir := copyDir(t, mlDir(t, "onnx_mlp"))
	replaceInFile(t, dir, "MLmodel", `"shape": [-1, 20]`, `"shape": [-1, 19]`)
	_, err := Load(t.Context(), dir, Options{})
	if !errors.Is(err, flavor.ErrCorrupt) || !contains(err, "does not fit the model") {
		t.Fatalf("err = %v", err)
	}
}
