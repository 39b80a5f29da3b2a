package modeldir

import (
	"errors"
	"io/fs"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
	"github.com/paddockml/paddock/flavor/modeldir/mlmodel"
)

func TestReadDescriptor(t *testing.T) {
	d, err := ReadDescriptor(mlDir(t, "sklearn_cloudpickle_columns"))
	if err != nil {
		t.Fatal(err)
	}
	if d.ArtifactPath != "model" || d.MLflowVersion != "2.14.2" || d.ModelSizeBytes <= 0 ||
		len(d.ModelUUID) != 32 || len(d.RunID) != 32 || d.UTCTimeCreated != "2024-06-03 09:15:27.418262" {
		t.Errorf("descriptor fields: %+v", d)
	}
	if d.InputExample == nil || d.InputExample.ArtifactPath != "input_example.json" || d.InputExample.PandasOrient != "split" {
		t.Errorf("input example: %+v", d.InputExample)
	}
	if d.Flavors[Sklearn]["serialization_format"] != "cloudpickle" || d.Flavors[Python]["predict_fn"] != "predict" {
		t.Errorf("flavors: %v", d.Flavors)
	}
	specs, err := d.Signature.InputSchema()
	if err != nil || len(specs) != 5 || specs[0].Name != "color" || specs[0].Type != "string" || specs[0].Required == nil || !*specs[0].Required {
		t.Errorf("input schema: %+v, %v", specs, err)
	}
	out, err := d.Signature.OutputSchema()
	if err != nil || len(out) != 1 || out[0].Type != "tensor" || out[0].Tensor.DType != "object" {
		t.Errorf("output schema: %+v, %v", out, err)
	}
	if _, err := ReadDescriptor(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("no MLmodel: err = %v", err)
	}
	bad := files(map[string]string{"MLmodel": "flavors:\n  onnx:\n    data: model.onnx\nsignature:\n  inputs: '[{\"type\": }]'\n"})(t)
	if _, err := ReadDescriptor(bad); !errors.Is(err, flavor.ErrCorrupt) {
		t.Errorf("bad schema JSON: err = %v", err)
	}
}

// A descriptor Paddock writes must read in PyYAML, the library MLflow
// loads MLmodel files with, exactly as the MLflow-written original does;
// and Paddock must read it back unchanged.
func TestWriteDescriptorReadsLikeMLflows(t *testing.T) {
	for _, name := range []string{"xgboost_tensor", "sklearn_cloudpickle_columns", "onnx_mlp", "pyfunc_custom"} {
		t.Run(name, func(t *testing.T) {
			src := mlDir(t, name)
			d, err := ReadDescriptor(src)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := WriteDescriptor(dir, d); err != nil {
				t.Fatal(err)
			}
			again, err := ReadDescriptor(dir)
			if err != nil {
				t.Fatal(err)
			}
			if again.Signature.Inputs != d.Signature.Inputs || again.ModelUUID != d.ModelUUID || len(again.Flavors) != len(d.Flavors) {
				t.Errorf("read back %+v", again)
			}
			compare := `import sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
b = yaml.safe_load(open(sys.argv[2]))
if a != b:
    sys.exit("differ:\n%r\n%r" % (a, b))`
			cmd := exec.Command(testPython, "-c", compare, filepath.Join(src, "MLmodel"), filepath.Join(dir, "MLmodel"))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("PyYAML: %v\n%s", err, out)
			}
		})
	}
}

// Paddock writes MLmodel files for its own models; such a directory loads
// through its descriptor like an MLflow one.
func TestLoadDescriptorPaddockWrote(t *testing.T) {
	dir := copyDir(t, fixture(t, "xgboost", "reg_squarederror"))
	m, err := loadModel(dir) // by its conventional file
	if err != nil {
		t.Fatal(err)
	}
	sig, err := mlmodel.FromFlavor(m.Signature())
	m.Close()
	if err != nil {
		t.Fatal(err)
	}
	d := &Descriptor{
		Flavors: map[string]map[string]any{
			XGBoost: {"data": "model.json", "model_format": "json", "model_class": "xgboost.core.Booster"},
			Python:  {"loader_module": "mlflow.xgboost", "data": "model.json"},
		},
		Metadata:  map[string]any{"paddock": map[string]any{"flavor": XGBoost}},
		Signature: sig,
	}
	if err := WriteDescriptor(dir, d); err != nil {
		t.Fatal(err)
	}
	l := load(t, dir, Options{})
	if l.Flavor != XGBoost || l.Descriptor == nil || len(l.Signature.Inputs) != 1 || l.Signature.Inputs[0].Shape[1] != 20 {
		t.Fatalf("Loaded %+v", l)
	}
	flavortest.Run(t, flavortest.Case{Dir: dir, Load: loadModel, Output: flavor.OutputPredictions, Tol: 1e-6})
}
