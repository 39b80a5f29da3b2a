package modeldir

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
)

// Each MLflow directory holds a fixture's model saved the way MLflow
// saves it; loaded through its MLmodel, it must reproduce the fixture's
// expected.json, the library's own output.
func TestLoadMLflowDirectories(t *testing.T) {
	tests := []struct {
		dir, kind, src string
		flavor         string
		predictFn      string
		output         string
		tol            float64
	}{
		{"xgboost_json", "xgboost", "binary_logitraw", XGBoost, PredictFnPredict, flavor.OutputPredictions, 1e-6},
		{"xgboost_tensor", "xgboost", "gblinear_multi_softprob", XGBoost, PredictFnPredict, flavor.OutputPredictions, 1e-6},
		{"sklearn_pickle_proba", "sklearn", "random_forest", Sklearn, PredictFnProba, flavor.OutputProbabilities, 1e-9},
		{"sklearn_regressor", "sklearn", "gradient_boosting_regressor", Sklearn, PredictFnPredict, flavor.OutputPredictions, 1e-9},
		{"onnx_mlp", "onnx", "mlp_softmax", ONNX, PredictFnPredict, "", 1e-5},
		// MLflow's default save_as_external_data=True: weights in a side file.
		{"onnx_external_data", "onnx", "mlp_softmax", ONNX, PredictFnPredict, "", 1e-5},
		{"onnx_transformer", "onnx", "transformer_encoder", ONNX, PredictFnPredict, "", 1e-5},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := mlDir(t, tt.dir)
			l := load(t, dir, Options{})
			if l.Flavor != tt.flavor || l.PredictFn != tt.predictFn || l.Descriptor == nil {
				t.Fatalf("Flavor %q, PredictFn %q, Descriptor %v; want %q, %q", l.Flavor, l.PredictFn, l.Descriptor != nil, tt.flavor, tt.predictFn)
			}
			flavortest.Run(t, flavortest.Case{
				Dir:    fixture(t, tt.kind, tt.src),
				Load:   func(string) (flavor.Model, error) { return loadModel(dir) },
				Output: tt.output,
				Tol:    tt.tol,
			})
		})
	}
}

func loadModel(dir string) (flavor.Model, error) {
	l, err := Load(context.Background(), dir, Options{})
	if err != nil {
		return nil, err
	}
	return l.Model, nil
}

// The cloudpickle fixture is a Pipeline fitted on a DataFrame with string
// columns: one tensor per column, named by the MLmodel schema.
func TestLoadCloudpickleColumns(t *testing.T) {
	l := load(t, mlDir(t, "sklearn_cloudpickle_columns"), Options{})
	if l.Flavor != Sklearn || l.PredictFn != PredictFnPredict {
		t.Fatalf("Flavor %q, PredictFn %q", l.Flavor, l.PredictFn)
	}
	var rows []map[string]any
	src := fixture(t, "sklearn", "column_onehot_logreg")
	readJSON(t, filepath.Join(src, "inputs.json"), &rows)
	var wantProba [][]float64
	var wantLabels []string
	readJSON(t, filepath.Join(src, "expected.json"), &wantProba)
	readJSON(t, filepath.Join(src, "expected_predict.json"), &wantLabels)

	inputs := columnTensors(t, l.Signature, rows)
	outs, err := l.Model.Predict(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	labels := output(t, outs, flavor.OutputPredictions)
	if !slices.Equal(labels.Str, wantLabels) {
		t.Errorf("labels = %v, want %v", labels.Str, wantLabels)
	}
	proba := output(t, outs, flavor.OutputProbabilities)
	for i, row := range wantProba {
		for j, want := range row {
			if got := proba.F64[i*len(row)+j]; math.Abs(got-want) > 1e-9 {
				t.Fatalf("probability [%d,%d] = %v, want %v", i, j, got, want)
			}
		}
	}
}

// columnTensors builds one [rows] tensor per signature input from row
// objects keyed by column name.
func columnTensors(t *testing.T, sig flavor.Signature, rows []map[string]any) []flavor.Tensor {
	t.Helper()
	var out []flavor.Tensor
	for _, spec := range sig.Inputs {
		tn := flavor.Tensor{Name: spec.Name, DType: spec.DType, Shape: []int{len(rows)}}
		for _, r := range rows {
			v, ok := r[spec.Name]
			if !ok {
				t.Fatalf("input %q is not a column of inputs.json", spec.Name)
			}
			switch spec.DType {
			case flavor.String:
				tn.Str = append(tn.Str, v.(string))
			case flavor.Float64:
				f, _ := v.(float64) // null: missing
				if v == nil {
					f = math.NaN()
				}
				tn.F64 = append(tn.F64, f)
			default:
				t.Fatalf("input %q: dtype %s", spec.Name, spec.DType)
			}
		}
		out = append(out, tn)
	}
	return out
}

// A python_function-only directory runs in a Python worker, which loads
// the custom loader_module without mlflow.
func TestLoadPyfuncCustom(t *testing.T) {
	dir := mlDir(t, "pyfunc_custom")
	l := load(t, dir, testOptions(t))
	if l.Flavor != Python {
		t.Fatalf("Flavor = %q", l.Flavor)
	}
	var rows [][]float64
	var want []float64
	readJSON(t, filepath.Join(dir, "inputs.json"), &rows)
	readJSON(t, filepath.Join(dir, "expected.json"), &want)
	in := flavortest.InputTensor(l.Signature.Inputs[0].Name, flavor.Float64, rows)
	outs, err := l.Model.Predict(context.Background(), []flavor.Tensor{in})
	if err != nil {
		t.Fatal(err)
	}
	got := flavortest.Float64s(outs[0])
	if len(got) != len(want) {
		t.Fatalf("got %d predictions, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("prediction %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// MLflow's loader modules for the native flavors are served natively even
// when the native flavor's own entry is missing.
func TestPyfuncLoaderModuleServedNatively(t *testing.T) {
	dir := copyDir(t, mlDir(t, "sklearn_pickle_proba"))
	writeFile(t, dir, "MLmodel", `flavors:
  python_function:
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict_proba
`)
	l := load(t, dir, Options{})
	if l.Flavor != Sklearn || l.PredictFn != PredictFnProba {
		t.Fatalf("Flavor %q, PredictFn %q", l.Flavor, l.PredictFn)
	}
	flavortest.Run(t, flavortest.Case{
		Dir:    fixture(t, "sklearn", "random_forest"),
		Load:   func(string) (flavor.Model, error) { return loadModel(dir) },
		Output: flavor.OutputProbabilities, Tol: 1e-9,
	})
}

// The model file is whatever data names: model.xgb holding JSON loads too
// (XGBoost's format is recognised by content, not by name).
func TestXGBoostDataNamesTheFile(t *testing.T) {
	dir := copyDir(t, mlDir(t, "xgboost_json"))
	if err := os.Rename(filepath.Join(dir, "model.json"), filepath.Join(dir, "model.xgb")); err != nil {
		t.Fatal(err)
	}
	replaceInFile(t, dir, "MLmodel", "data: model.json", "data: model.xgb")
	replaceInFile(t, dir, "MLmodel", "data: model.json", "data: model.xgb")
	flavortest.Run(t, flavortest.Case{
		Dir:    fixture(t, "xgboost", "binary_logitraw"),
		Load:   func(string) (flavor.Model, error) { return loadModel(dir) },
		Output: flavor.OutputPredictions, Tol: 1e-6,
	})
}
