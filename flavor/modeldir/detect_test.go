package modeldir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
)

func TestDetectMLflowDirectories(t *testing.T) {
	for name, want := range map[string]string{
		"xgboost_json": XGBoost, "xgboost_tensor": XGBoost, "sklearn_pickle_proba": Sklearn,
		"sklearn_cloudpickle_columns": Sklearn, "onnx_mlp": ONNX, "pyfunc_custom": Python,
	} {
		if got, err := Detect(mlDir(t, name)); err != nil || got != want {
			t.Errorf("Detect(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
}

// Without MLmodel, the conventional file decides; the fixture directories
// of the flavor packages are such directories.
func TestDetectAndLoadWithoutMLmodel(t *testing.T) {
	tests := []struct {
		kind, name, flavor, output string
		tol                        float64
	}{
		{"xgboost", "reg_squarederror", XGBoost, flavor.OutputPredictions, 1e-6},
		{"sklearn", "logreg_ovr", Sklearn, flavor.OutputProbabilities, 1e-9},
		{"onnx", "mlp_sigmoid", ONNX, "", 1e-5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fixture(t, tt.kind, tt.name)
			if got, err := Detect(dir); err != nil || got != tt.flavor {
				t.Fatalf("Detect = %q, %v; want %q", got, err, tt.flavor)
			}
			l := load(t, dir, Options{})
			if l.Flavor != tt.flavor || l.Descriptor != nil || l.PredictFn != PredictFnPredict {
				t.Fatalf("Loaded %+v", l)
			}
			flavortest.Run(t, flavortest.Case{Dir: dir, Load: loadModel, Output: tt.output, Tol: tt.tol})
		})
	}
}

func TestDetectPaddockModel(t *testing.T) {
	dir := files(map[string]string{"paddock_model.py": `
class Doubler:
    def predict(self, inputs):
        return {"predictions": inputs["input"] * 2}

def load(path):
    return Doubler()
`, "signature.json": `{"inputs": [{"name": "input", "dtype": "float64", "shape": [-1, 2]}],
"outputs": [{"name": "predictions", "dtype": "float64", "shape": [-1, 2]}]}`})(t)
	if got, err := Detect(dir); err != nil || got != Python {
		t.Fatalf("Detect = %q, %v", got, err)
	}
	l := load(t, dir, testOptions(t))
	outs, err := l.Model.Predict(t.Context(), []flavor.Tensor{flavortest.InputTensor("input", flavor.Float64, [][]float64{{1, 2.5}})})
	if err != nil {
		t.Fatal(err)
	}
	if got := flavortest.Float64s(outs[0]); len(got) != 2 || got[0] != 2 || got[1] != 5 {
		t.Fatalf("predictions = %v", got)
	}
}

func TestDetectErrors(t *testing.T) {
	both := t.TempDir()
	writeFile(t, both, "model.json", "{}")
	writeFile(t, both, "model.pkl", "x")
	if _, err := Detect(both); !errors.Is(err, flavor.ErrUnsupported) ||
		!strings.Contains(err.Error(), "ambiguous") || !strings.Contains(err.Error(), "model.json (xgboost) and model.pkl (sklearn)") {
		t.Errorf("two model files: err = %v", err)
	}
	if _, err := Load(t.Context(), both, Options{}); !errors.Is(err, flavor.ErrUnsupported) {
		t.Errorf("Load of an ambiguous directory: err = %v", err)
	}
	empty := t.TempDir()
	if _, err := Detect(empty); !errors.Is(err, flavor.ErrUnsupported) || !strings.Contains(err.Error(), "has no MLmodel") {
		t.Errorf("empty directory: err = %v", err)
	}
	if _, err := Detect(filepath.Join(empty, "missing")); err == nil {
		t.Error("missing directory detected")
	}
	file := filepath.Join(empty, "model.json")
	os.WriteFile(file, []byte("{}"), 0o644)
	if _, err := Detect(file); err == nil {
		t.Error("a file detected as a model directory")
	}
	bad := files(map[string]string{"MLmodel": "flavors: [\n", "model.json": "{}"})(t)
	if _, err := Detect(bad); !errors.Is(err, flavor.ErrCorrupt) {
		t.Errorf("malformed MLmodel: err = %v", err)
	}
}
