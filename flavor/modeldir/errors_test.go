package modeldir

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// Every broken or unsupported directory is refused with an error that
// wraps the right sentinel and says what is wrong.
func TestLoadErrors(t *testing.T) {
	xgbMLmodel := func(conf string) string {
		return "flavors:\n  xgboost:\n" + conf
	}
	tests := []struct {
		name  string
		setup func(t *testing.T) string // returns the model directory
		want  error
		msgs  []string
	}{
		{"only a pytorch flavor", files(map[string]string{"MLmodel": "flavors:\n  pytorch:\n    model_data: data\n    pytorch_version: 2.1.0\n"}),
			flavor.ErrUnsupported, []string{"flavor pytorch"}},
		{"unknown flavors are all named", files(map[string]string{"MLmodel": "flavors:\n  pytorch: {}\n  keras: {}\n"}),
			flavor.ErrUnsupported, []string{"keras, pytorch"}},
		{"missing data file", fromFixture("xgboost_json", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "model.json"))
		}), flavor.ErrCorrupt, []string{"model.json", "no such file"}},
		{"data climbs out", files(map[string]string{"MLmodel": xgbMLmodel("    data: ../../etc/passwd\n    model_format: json\n")}),
			flavor.ErrCorrupt, []string{`"../../etc/passwd" leaves the model directory`}},
		{"absolute data path", files(map[string]string{"MLmodel": "flavors:\n  onnx:\n    data: /etc/passwd\n"}),
			flavor.ErrCorrupt, []string{"leaves the model directory"}},
		{"pickled_model climbs out", files(map[string]string{"MLmodel": "flavors:\n  sklearn:\n    pickled_model: a/../../model.pkl\n"}),
			flavor.ErrCorrupt, []string{"leaves the model directory"}},
		{"symlink out of the directory", fromFixture("sklearn_pickle_proba", func(t *testing.T, dir string) {
			target, _ := filepath.Abs(filepath.Join(fixture(t, "sklearn", "random_forest"), "model.pkl"))
			os.Remove(filepath.Join(dir, "model.pkl"))
			symlink(t, target, filepath.Join(dir, "model.pkl"))
		}), flavor.ErrCorrupt, []string{"escapes"}},
		{"pyfunc data symlink out of the directory", func(t *testing.T) string {
			dir := files(map[string]string{"MLmodel": "flavors:\n  python_function:\n    loader_module: custom\n    data: data\n"})(t)
			symlink(t, "/etc", filepath.Join(dir, "data"))
			return dir
		}, flavor.ErrCorrupt, []string{"python_function path", "escapes"}},
		{"data is a directory", fromFixture("onnx_mlp", func(t *testing.T, dir string) {
			replaceInFile(t, dir, "MLmodel", "data: model.onnx", "data: sub") // the onnx flavor's
			os.Mkdir(filepath.Join(dir, "sub"), 0o755)
		}), flavor.ErrCorrupt, []string{"not a regular file"}},
		{"no data key", files(map[string]string{"MLmodel": xgbMLmodel("    model_format: json\n")}),
			flavor.ErrCorrupt, []string{"names no model file (data)"}},
		{"malformed yaml", files(map[string]string{"MLmodel": "artifact_path: model\nflavors:\n  xgboost:\n    data: \"model.json\n    model_format: json\n"}),
			flavor.ErrCorrupt, []string{"MLmodel", "line 4"}},
		{"flavors is a list", files(map[string]string{"MLmodel": "flavors:\n- xgboost\n"}),
			flavor.ErrCorrupt, []string{"line 2"}},
		{"data is a mapping", files(map[string]string{"MLmodel": xgbMLmodel("    model_format: json\n    data:\n      file: model.json\n")}),
			flavor.ErrCorrupt, []string{"flavor xgboost", "line 5"}},
		{"predict_fn is a list", files(map[string]string{"MLmodel": "flavors:\n  python_function:\n    loader_module: m\n    predict_fn: [predict]\n"}),
			flavor.ErrCorrupt, []string{"line 4"}},
		{"xgboost ubj format", files(map[string]string{"MLmodel": xgbMLmodel("    data: model.ubj\n    model_format: ubj\n")}),
			flavor.ErrUnsupported, []string{"model_format ubj", `model_format="json"`}},
		{"xgboost deprecated format", files(map[string]string{"MLmodel": xgbMLmodel("    data: model.deprecated\n    model_format: deprecated\n")}),
			flavor.ErrUnsupported, []string{"legacy binary"}},
		{"MLflow's default xgb format from XGBoost 1.7", fromFixture("xgboost_default_xgb", nil),
			flavor.ErrUnsupported, []string{"model.xgb", "legacy binary"}},
		{"ONNX external data linked out of the directory", fromFixture("onnx_external_data", func(t *testing.T, dir string) {
			const data = "e23550fd-7390-5951-a91f-e0c4eb065044"
			target, _ := filepath.Abs(filepath.Join(mlDir(t, "onnx_external_data"), data))
			os.Remove(filepath.Join(dir, data))
			symlink(t, target, filepath.Join(dir, data))
		}), flavor.ErrCorrupt, []string{`onnx model file "model.onnx"`, "escapes"}},
		{"ONNX external data file missing", fromFixture("onnx_external_data", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "e23550fd-7390-5951-a91f-e0c4eb065044"))
		}), flavor.ErrCorrupt, []string{"e23550fd-7390-5951-a91f-e0c4eb065044", "no such file"}},
		{"sklearn skops format", fromFixture("sklearn_regressor", func(t *testing.T, dir string) {
			replaceInFile(t, dir, "MLmodel", "serialization_format: pickle", "serialization_format: skops")
		}), flavor.ErrUnsupported, []string{`serialization_format "skops"`}},
		{"predict_fn Paddock does not serve", fromFixture("sklearn_regressor", func(t *testing.T, dir string) {
			replaceInFile(t, dir, "MLmodel", "predict_fn: predict", "predict_fn: predict_log_proba")
		}), flavor.ErrUnsupported, []string{`predict_fn "predict_log_proba"`}},
		{"predict_proba of a regressor", fromFixture("sklearn_regressor", func(t *testing.T, dir string) {
			replaceInFile(t, dir, "MLmodel", "predict_fn: predict", "predict_fn: predict_proba")
		}), flavor.ErrUnsupported, []string{"no probabilities output"}},
		{"paddock flavor not in the descriptor", fromFixture("xgboost_tensor", func(t *testing.T, dir string) {
			replaceInFile(t, dir, "MLmodel", "flavor: xgboost", "flavor: onnx")
		}), flavor.ErrCorrupt, []string{`metadata.paddock.flavor "onnx"`}},
		{"truncated model file", fromFixture("xgboost_json", func(t *testing.T, dir string) {
			os.Truncate(filepath.Join(dir, "model.json"), 1000)
		}), flavor.ErrCorrupt, []string{"model.json"}},
		{"unsupported signature type", fromFixture("sklearn_regressor", func(t *testing.T, dir string) {
			replaceInFile(t, dir, "MLmodel", `{"type": "double", "name": "x0"`, `{"type": "array", "items": {"type": "double"}, "name": "x0"`)
		}), flavor.ErrUnsupported, []string{`column type "array"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.setup(t)
			l, err := Load(t.Context(), dir, testOptions(t))
			if err == nil {
				l.Model.Close()
				t.Fatal("Load succeeded")
			}
			t.Log(err)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			for _, m := range tt.msgs {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("err = %v, want it to mention %q", err, m)
				}
			}
		})
	}
}

// A missing model file is also recognisable as such.
func TestMissingFileWrapsNotExist(t *testing.T) {
	dir := copyDir(t, mlDir(t, "onnx_mlp"))
	os.Remove(filepath.Join(dir, "model.onnx"))
	if _, err := Load(t.Context(), dir, Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
}

// A link that stays inside the directory is fine.
func TestSymlinkInsideDirectory(t *testing.T) {
	dir := copyDir(t, mlDir(t, "xgboost_json"))
	os.Mkdir(filepath.Join(dir, "store"), 0o755)
	if err := os.Rename(filepath.Join(dir, "model.json"), filepath.Join(dir, "store", "booster.json")); err != nil {
		t.Fatal(err)
	}
	symlink(t, "store/booster.json", filepath.Join(dir, "model.json"))
	load(t, dir, Options{})
}

// A python_function model whose loader needs mlflow fails in the worker
// with a clear error rather than being served wrongly.
func TestPyfuncNeedingMlflow(t *testing.T) {
	dir := files(map[string]string{"MLmodel": `flavors:
  python_function:
    data: data
    loader_module: mlflow.pytorch
    pickle_module_name: mlflow.pytorch.pickle_module
  pytorch:
    model_data: data
    pytorch_version: 2.1.0
`})(t)
	_, err := Load(t.Context(), dir, testOptions(t))
	if !errors.Is(err, flavor.ErrUnsupported) || !strings.Contains(err.Error(), "needs the mlflow package") {
		t.Fatalf("err = %v", err)
	}
}

// files returns a setup writing the given files into a new directory.
func files(m map[string]string) func(t *testing.T) string {
	return func(t *testing.T) string {
		dir := t.TempDir()
		for name, content := range m {
			writeFile(t, dir, name, content)
		}
		return dir
	}
}

// fromFixture returns a setup copying an MLflow fixture and changing it.
func fromFixture(name string, change func(t *testing.T, dir string)) func(t *testing.T) string {
	return func(t *testing.T) string {
		dir := copyDir(t, mlDir(t, name))
		if change != nil {
			change(t, dir)
		}
		return dir
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// An MLmodel linking outside the directory is not read.
func TestMLmodelSymlinkOutside(t *testing.T) {
	outside := files(map[string]string{"MLmodel": "flavors:\n  secret: {token: hunter2}\n"})(t)
	dir := t.TempDir()
	symlink(t, filepath.Join(outside, "MLmodel"), filepath.Join(dir, "MLmodel"))
	if _, err := ReadDescriptor(dir); err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("ReadDescriptor = %v", err)
	}
	if _, err := Load(t.Context(), dir, Options{}); err == nil || !strings.Contains(err.Error(), "escapes") {
		t.Fatalf("Load = %v", err)
	}
}
