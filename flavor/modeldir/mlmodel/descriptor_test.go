package mlmodel

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

const minimal = "flavors:\n  python_function:\n    loader_module: m\n"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		want      error
		msg       string // substring of the error
	}{
		{"not yaml", "flavors: [\n", flavor.ErrCorrupt, "line"},
		{"tab indentation", "artifact_path: model\nflavors:\n  sklearn:\n    a: 1\n\tb: 2\n", flavor.ErrCorrupt, "line 4"},
		{"empty", "", flavor.ErrCorrupt, "empty"},
		{"scalar document", "just text\n", flavor.ErrCorrupt, "not a mapping"},
		{"no flavors", "run_id: abc\n", flavor.ErrCorrupt, "no flavors"},
		{"flavors is a list", "flavors: [sklearn, onnx]\n", flavor.ErrCorrupt, "line 1"},
		{"flavor config is a string", "flavors:\n  sklearn: model.pkl\n", flavor.ErrCorrupt, "line 2"},
		{"signature is a string", minimal + "signature: yes\n", flavor.ErrCorrupt, "line 4"},
		{"inputs is a list", minimal + "signature:\n  inputs: [1, 2]\n", flavor.ErrCorrupt, "line 5"},
		{"metadata is a list", minimal + "metadata: [1]\n", flavor.ErrCorrupt, "line 4"},
		{"model_size_bytes is text", minimal + "model_size_bytes: big\n", flavor.ErrCorrupt, "line 4"},
		{"schema not json", minimal + "signature:\n  inputs: '[{'\n", flavor.ErrCorrupt, "schema"},
		{"schema empty", minimal + "signature:\n  inputs: '[]'\n", flavor.ErrCorrupt, "empty"},
		{"schema entry without type", minimal + "signature:\n  inputs: '[{\"name\": \"a\"}]'\n", flavor.ErrCorrupt, "no type"},
		{"tensor without spec", minimal + "signature:\n  inputs: '[{\"type\": \"tensor\"}]'\n", flavor.ErrCorrupt, "tensor-spec"},
		{"bad dimension", minimal + `signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-2]}}]'
`, flavor.ErrCorrupt, "dimension -2"},
		{"repeated name", minimal + `signature:
  inputs: '[{"type": "double", "name": "a"}, {"type": "long", "name": "a"}]'
`, flavor.ErrCorrupt, "repeats"},
		{"named and unnamed", minimal + `signature:
  inputs: '[{"type": "double", "name": "a"}, {"type": "long"}]'
`, flavor.ErrCorrupt, "named and unnamed"},
		{"columns and tensors", minimal + `signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}, {"type": "double"}]'
`, flavor.ErrUnsupported, "mixes columns and tensors"},
		{"params not json", minimal + "signature:\n  inputs: '[{\"type\": \"double\"}]'\n  params: '{'\n", flavor.ErrCorrupt, "params"},
		{"example escapes", minimal + "saved_input_example_info:\n  artifact_path: ../x.json\n  type: dataframe\n", flavor.ErrCorrupt, "leaves"},
		{"paddock metadata not a map", minimal + "metadata:\n  paddock: [1]\n", flavor.ErrCorrupt, "metadata.paddock"},
		{"too large", minimal + "#" + strings.Repeat("x", MaxFileBytes), flavor.ErrCorrupt, "over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.doc))
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Parse = %+v, %v; want %v containing %q", d, err, tt.want, tt.msg)
			}
		})
	}
}

func TestParseKeepsEveryField(t *testing.T) {
	doc := `artifact_path: model
databricks_runtime: 14.3.x-cpu-ml-scala2.12
flavors:
  python_function:
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict_proba
  sklearn:
    code: null
    pickled_model: model.pkl
metadata:
  owner: ana
  paddock:
    flavor: sklearn
mlflow_version: 2.14.2
model_size_bytes: 1234
model_uuid: 0f3c1e5e2a8f4b1c9d3e7a6b5c4d3e2f
run_id: 8ede7df408dd42ed9fc39019ef7df309
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
  params: '[{"name": "k", "type": "long", "default": 3, "shape": null}]'
utc_time_created: '2024-06-03 09:15:27.418262'
`
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if d.ArtifactPath != "model" || d.MLflowVersion != "2.14.2" || d.ModelSizeBytes != 1234 ||
		d.ModelUUID != "0f3c1e5e2a8f4b1c9d3e7a6b5c4d3e2f" || d.RunID != "8ede7df408dd42ed9fc39019ef7df309" ||
		d.UTCTimeCreated != "2024-06-03 09:15:27.418262" || d.Metadata["owner"] != "ana" {
		t.Errorf("top-level fields: %+v", d)
	}
	if d.Extra["databricks_runtime"] != "14.3.x-cpu-ml-scala2.12" {
		t.Errorf("unknown key not kept: %v", d.Extra)
	}
	if ex := d.InputExample; ex == nil || ex.ArtifactPath != "input_example.json" || ex.Type != "dataframe" || ex.PandasOrient != "split" {
		t.Errorf("input example: %+v", ex)
	}
	if p, err := d.Paddock(); err != nil || p.Flavor != "sklearn" {
		t.Errorf("Paddock() = %+v, %v", p, err)
	}
	pf, err := d.PyFunc()
	if err != nil || pf.LoaderModule != "mlflow.sklearn" || pf.ModelPath != "model.pkl" || pf.PredictFn != "predict_proba" {
		t.Errorf("PyFunc() = %+v, %v", pf, err)
	}
	params, err := d.Signature.ParamSchema()
	if err != nil || len(params) != 1 || params[0].Name != "k" || params[0].Default != float64(3) {
		t.Errorf("params = %+v, %v", params, err)
	}
	if d.Flavors["sklearn"]["code"] != nil || d.Flavors["sklearn"]["pickled_model"] != "model.pkl" {
		t.Errorf("sklearn flavor = %v", d.Flavors["sklearn"])
	}
}

func TestDecodeFlavorReportsFileLine(t *testing.T) {
	d, err := Parse([]byte("flavors:\n  onnx:\n    data:\n      nested: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		Data string `yaml:"data"`
	}
	ok, err := d.DecodeFlavor("onnx", &conf)
	if !ok || !errors.Is(err, flavor.ErrCorrupt) || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("DecodeFlavor = %v, %v; want ErrCorrupt at line 4", ok, err)
	}
	if ok, err := d.DecodeFlavor("sklearn", &conf); ok || err != nil {
		t.Fatalf("absent flavor: %v, %v", ok, err)
	}
}

func TestPyFuncPaths(t *testing.T) {
	for _, doc := range []string{
		minimal + "    data: ../../etc\n",
		minimal + "    code: /usr/lib/python3\n",
		minimal + "    model_path: a/../../b\n",
		minimal + "    artifacts:\n      w: {path: /etc/passwd}\n",
	} {
		d, err := Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.PyFunc(); !errors.Is(err, flavor.ErrCorrupt) || !strings.Contains(err.Error(), "leaves the model directory") {
			t.Errorf("%q: err = %v", doc, err)
		}
	}
	d, _ := Parse([]byte("flavors:\n  sklearn: {}\n"))
	if _, err := d.PyFunc(); !errors.Is(err, flavor.ErrUnsupported) {
		t.Errorf("no python_function: err = %v", err)
	}
}

func TestWriteRoundTrip(t *testing.T) {
	dir := t.TempDir()
	sig, err := FromFlavor(flavor.Signature{
		Inputs:  []flavor.TensorSpec{{Name: "input", DType: flavor.Float64, Shape: []int{-1, 2}}},
		Outputs: []flavor.TensorSpec{{Name: "predictions", DType: flavor.Float64, Shape: []int{-1}}},
		Columns: []flavor.ColumnSpec{{Name: "age", DType: flavor.Int64}, {Name: "income", DType: flavor.Float64}},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := &Descriptor{
		ArtifactPath: "model",
		Flavors: map[string]map[string]any{
			"sklearn":         {"pickled_model": "model.pkl", "serialization_format": "pickle", "code": nil},
			"python_function": {"loader_module": "mlflow.sklearn", "model_path": "model.pkl", "env": map[string]any{"conda": "conda.yaml"}},
		},
		Metadata:       map[string]any{"paddock": map[string]any{"flavor": "sklearn"}},
		MLflowVersion:  "2.14.2",
		ModelUUID:      "abc",
		Signature:      sig,
		UTCTimeCreated: "2024-06-03 09:15:27.418262",
		Extra:          map[string]any{"env_vars": []any{"TOKEN"}},
	}
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	out, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	out.nodes = nil
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", out, in)
	}
	b, _ := os.ReadFile(filepath.Join(dir, FileName))
	for _, want := range []string{"  params: null\n", "utc_time_created: \"2024-06-03 09:15:27.418262\"\n", "env_vars:\n- TOKEN\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("MLmodel lacks %q:\n%s", want, b)
		}
	}
	if err := Write(dir, &Descriptor{}); err == nil {
		t.Error("descriptor without flavors written")
	}
}
