package pyworker

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// The mlflow package is not installed here, so these tests exercise the
// worker's mlflow-free loading paths on directories laid out the way
// mlflow.pyfunc.save_model writes them.

// scaleModel duck-types mlflow.pyfunc.PythonModel. It lives in the
// model's code/ directory, as with save_model(code_paths=...), so the
// pickle refers to it by module name.
const scaleModel = `
import pandas as pd

class ScaleModel:
    def load_context(self, context):
        with open(context.artifacts["weights"]) as f:
            self.wa, self.wb = [float(v) for v in f.read().split()]
        self.offset = context.model_config["offset"]

    def predict(self, context, model_input):
        if not isinstance(model_input, pd.DataFrame):
            raise TypeError("expected a DataFrame, got %s" % type(model_input))
        if list(model_input.columns) != ["a", "b"]:
            raise ValueError("columns %s" % list(model_input.columns))
        return model_input["a"] * self.wa + model_input["b"] * self.wb + self.offset
`

const scaleMLmodel = `artifact_path: model
flavors:
  python_function:
    cloudpickle_version: 2.2.1
    code: code
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.pyfunc.model
    python_model: python_model.pkl
    python_version: 3.11.2
    artifacts:
      weights:
        path: artifacts/weights.txt
        uri: /home/someone/weights.txt
    model_config:
      offset: 0.5
mlflow_version: 2.9.2
model_uuid: 0f3c1e5e2a8f4b1c9d3e7a6b5c4d3e2f
signature:
  inputs: '[{"type": "double", "name": "a", "required": true}, {"type": "double", "name": "b", "required": true}]'
  outputs: '[{"type": "double", "required": true}]'
  params: null
`

func TestMLflowPythonModelWithoutMlflow(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	dir := writeFiles(t, map[string]string{
		"MLmodel":               scaleMLmodel,
		"code/scale_model.py":   scaleModel,
		"artifacts/weights.txt": "2 -0.25\n",
	})
	pickleModel := `import pickle, sys
sys.path.insert(0, sys.argv[1] + "/code")
from scale_model import ScaleModel
with open(sys.argv[1] + "/python_model.pkl", "wb") as f:
    pickle.dump(ScaleModel(), f)
`
	if out, err := exec.Command(testPython, "-c", pickleModel, dir).CombinedOutput(); err != nil {
		t.Fatalf("pickle the model: %v\n%s", err, out)
	}
	m := loadModel(t, dir, cfg)

	sig := m.Signature()
	if len(sig.Inputs) != 1 || sig.Inputs[0].Name != "input" || !slices.Equal(sig.Inputs[0].Shape, []int{-1, 2}) ||
		len(sig.Columns) != 2 || sig.Columns[1].Name != "b" {
		t.Fatalf("signature from MLmodel = %+v", sig)
	}
	x := []float64{1, 2, -3, 0.5, 0, 8}
	outs, err := m.Predict(context.Background(), []flavor.Tensor{f64("input", []int{3, 2}, x...)})
	if err != nil {
		t.Fatal(err)
	}
	got := output(t, outs, flavor.OutputPredictions)
	for i := range 3 {
		if want := x[2*i]*2 + x[2*i+1]*-0.25 + 0.5; got.F64[i] != want {
			t.Errorf("prediction %d = %v, want %v", i, got.F64[i], want)
		}
	}
}

func TestMLflowCustomLoaderModule(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	dir := writeFiles(t, map[string]string{
		"MLmodel": `flavors:
  python_function:
    loader_module: custom_flavor
    code: code
    data: data
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]'
`,
		"code/custom_flavor.py": `
import os
import numpy as np

class Scaled:
    def __init__(self, k):
        self.k = k

    def predict(self, model_input):
        if not isinstance(model_input, np.ndarray):
            raise TypeError("expected an ndarray, got %s" % type(model_input))
        return (model_input * self.k).astype(np.float32)

def _load_pyfunc(data_path):
    with open(os.path.join(data_path, "k.txt")) as f:
        return Scaled(float(f.read()))
`,
		"data/k.txt": "1.5",
	})
	m := loadModel(t, dir, cfg)
	if in := m.Signature().Inputs; len(in) != 1 || in[0].DType != flavor.Float32 {
		t.Fatalf("inputs = %+v", in)
	}
	outs, err := m.Predict(context.Background(), []flavor.Tensor{{
		Name: "input", DType: flavor.Float32, Shape: []int{1, 2}, F32: []float32{2, -0.5}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := outs[0]; got.DType != flavor.Float32 || !slices.Equal(got.F32, []float32{3, -0.75}) {
		t.Fatalf("outputs = %+v", got)
	}
}

func TestMLflowBuiltinFlavorNeedsMlflow(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	dir := writeFiles(t, map[string]string{"MLmodel": `flavors:
  python_function:
    loader_module: mlflow.sklearn
    model_path: model.pkl
  sklearn:
    pickled_model: model.pkl
`})
	_, err := Load(context.Background(), dir, cfg)
	if !errors.Is(err, flavor.ErrUnsupported) || !strings.Contains(err.Error(), "needs the mlflow package") {
		t.Fatalf("err = %v, want ErrUnsupported naming mlflow", err)
	}
}

func TestMLmodelParsing(t *testing.T) {
	pyfunc := "flavors:\n  python_function:\n    loader_module: m\n"
	tests := []struct {
		name    string
		mlmodel string
		want    error // nil: parses
		check   func(t *testing.T, conf *pyfuncConf, columns []string, sig *flavor.Signature)
	}{
		{name: "no signature", mlmodel: pyfunc, check: func(t *testing.T, conf *pyfuncConf, columns []string, sig *flavor.Signature) {
			if conf.LoaderModule != "m" || sig != nil || columns != nil {
				t.Errorf("got %+v %v %+v", conf, columns, sig)
			}
		}},
		{name: "mixed column types", mlmodel: pyfunc + `signature:
  inputs: '[{"type": "long", "name": "age"}, {"type": "string", "name": "city"}]'
`, check: func(t *testing.T, _ *pyfuncConf, columns []string, sig *flavor.Signature) {
			want := []flavor.TensorSpec{{Name: "age", DType: flavor.Int64, Shape: []int{-1}}, {Name: "city", DType: flavor.String, Shape: []int{-1}}}
			if !slices.EqualFunc(sig.Inputs, want, specEqual) || !slices.Equal(columns, []string{"age", "city"}) {
				t.Errorf("got %+v, columns %v", sig.Inputs, columns)
			}
		}},
		{name: "unnamed columns", mlmodel: pyfunc + `signature:
  inputs: '[{"type": "float"}, {"type": "float"}]'
  outputs: '[{"type": "long"}]'
`, check: func(t *testing.T, _ *pyfuncConf, columns []string, sig *flavor.Signature) {
			if columns != nil || sig.Inputs[0].DType != flavor.Float32 || !slices.Equal(sig.Inputs[0].Shape, []int{-1, 2}) ||
				sig.Outputs[0].Name != flavor.OutputPredictions || !slices.Equal(sig.Outputs[0].Shape, []int{-1}) {
				t.Errorf("got %+v, columns %v", sig, columns)
			}
		}},
		{name: "named tensors", mlmodel: pyfunc + `signature:
  inputs: '[{"name": "ids", "type": "tensor", "tensor-spec": {"dtype": "int32", "shape": [-1, 128]}},
            {"name": "mask", "type": "tensor", "tensor-spec": {"dtype": "bool", "shape": [-1, 128]}}]'
`, check: func(t *testing.T, _ *pyfuncConf, _ []string, sig *flavor.Signature) {
			want := []flavor.TensorSpec{{Name: "ids", DType: flavor.Int64, Shape: []int{-1, 128}}, {Name: "mask", DType: flavor.Bool, Shape: []int{-1, 128}}}
			if !slices.EqualFunc(sig.Inputs, want, specEqual) {
				t.Errorf("got %+v", sig.Inputs)
			}
		}},
		{name: "not yaml", mlmodel: "flavors: [\n", want: flavor.ErrCorrupt},
		{name: "no pyfunc", mlmodel: "flavors:\n  sklearn: {}\n", want: flavor.ErrUnsupported},
		{name: "escaping data path", mlmodel: pyfunc + "    data: ../../etc\n", want: flavor.ErrCorrupt},
		{name: "absolute artifact", mlmodel: pyfunc + "    artifacts:\n      w: {path: /etc/passwd}\n", want: flavor.ErrCorrupt},
		{name: "bad schema json", mlmodel: pyfunc + "signature:\n  inputs: '[{'\n", want: flavor.ErrCorrupt},
		{name: "datetime column", mlmodel: pyfunc + "signature:\n  inputs: '[{\"type\": \"datetime\"}]'\n", want: flavor.ErrUnsupported},
		{name: "mixed schema", mlmodel: pyfunc + `signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}, {"type": "double"}]'
`, want: flavor.ErrUnsupported},
		{name: "complex tensor", mlmodel: pyfunc + `signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "complex128", "shape": [-1]}}]'
`, want: flavor.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf, columns, sig, err := parseMLmodel([]byte(tt.mlmodel))
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, conf, columns, sig)
		})
	}
}

func specEqual(a, b flavor.TensorSpec) bool {
	return a.Name == b.Name && a.DType == b.DType && slices.Equal(a.Shape, b.Shape)
}

func TestInspectDirRejectsHugeMetadata(t *testing.T) {
	dir := writeFiles(t, map[string]string{"MLmodel": strings.Repeat("#", maxMetaFile+1)})
	if _, err := inspectDir(dir); !errors.Is(err, flavor.ErrCorrupt) {
		t.Fatalf("err = %v", err)
	}
	if _, err := inspectDir(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing directory accepted")
	}
}

func TestMLflowMixedColumnsTravelAsDataFrame(t *testing.T) {
	checkNoLeaks(t)
	cfg, _ := testConfig(t)
	dir := writeFiles(t, map[string]string{
		"MLmodel": `flavors:
  python_function:
    loader_module: frame_flavor
    code: code
signature:
  inputs: '[{"type": "long", "name": "age"}, {"type": "string", "name": "city"}]'
`,
		"code/frame_flavor.py": `
import pandas as pd

class Greeter:
    def predict(self, df):
        if not isinstance(df, pd.DataFrame) or list(df.columns) != ["age", "city"]:
            raise TypeError("expected a DataFrame with age and city, got %r" % (df,))
        return pd.DataFrame({"older": df["age"] + 1, "greeting": "hello " + df["city"]})

def _load_pyfunc(data_path):
    return Greeter()
`,
	})
	m := loadModel(t, dir, cfg)
	outs, err := m.Predict(context.Background(), []flavor.Tensor{
		{DType: flavor.Int64, Shape: []int{2}, I64: []int64{41, 7}},
		{DType: flavor.String, Shape: []int{2}, Str: []string{"Oslo", "Lyon"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := output(t, outs, "older"); !slices.Equal(got.I64, []int64{42, 8}) {
		t.Errorf("older = %+v", got)
	}
	if got := output(t, outs, "greeting"); !slices.Equal(got.Str, []string{"hello Oslo", "hello Lyon"}) {
		t.Errorf("greeting = %+v", got)
	}
}
