package mlmodel

import (
	"encoding/json"
	"fmt"

	"github.com/paddockml/paddock/flavor"
)

// PythonFunction is MLflow's python_function flavor name.
const PythonFunction = "python_function"

// PyFunc is the python_function flavor of an MLmodel file: what a Python
// worker needs to load the model without (or with) the mlflow package.
// Its JSON form travels to the worker.
type PyFunc struct {
	// LoaderModule is the module whose _load_pyfunc loads the model
	// (mlflow.sklearn, mlflow.pyfunc.model, or a custom module).
	LoaderModule string `yaml:"loader_module" json:"loader_module"`
	// Data is the model's data path, relative to the model directory.
	Data string `yaml:"data" json:"data,omitempty"`
	// ModelPath is the data path under the key mlflow.sklearn uses.
	ModelPath string `yaml:"model_path" json:"model_path,omitempty"`
	// Code is the directory of code to put on sys.path.
	Code string `yaml:"code" json:"code,omitempty"`
	// PythonModel is the pickled mlflow.pyfunc.PythonModel.
	PythonModel string `yaml:"python_model" json:"python_model,omitempty"`
	// Compression is the python_model's compression, if any.
	Compression string `yaml:"python_model_compression" json:"python_model_compression,omitempty"`
	// Artifacts are the PythonModel's artifacts, by name.
	Artifacts map[string]ArtifactRef `yaml:"artifacts" json:"artifacts,omitempty"`
	// ModelConfig is passed to the model's loader.
	ModelConfig map[string]any `yaml:"model_config" json:"model_config,omitempty"`
	// PredictFn is the estimator method pyfunc predict calls (MLflow
	// 2.x sklearn flavor): "predict" when empty, or "predict_proba".
	PredictFn string `yaml:"predict_fn" json:"predict_fn,omitempty"`
	// PythonVersion is the interpreter version the model was saved with.
	PythonVersion string `yaml:"python_version" json:"python_version,omitempty"`
}

// ArtifactRef is one artifact of a PythonModel.
type ArtifactRef struct {
	Path string `yaml:"path" json:"path"`
}

// PyFunc decodes and checks the python_function flavor. A descriptor
// without one is an error wrapping flavor.ErrUnsupported.
func (d *Descriptor) PyFunc() (*PyFunc, error) {
	var p PyFunc
	ok, err := d.DecodeFlavor(PythonFunction, &p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s has no %s flavor", flavor.ErrUnsupported, FileName, PythonFunction)
	}
	if err := p.check(); err != nil {
		return nil, corrupt("flavor %s: %v", PythonFunction, err)
	}
	return &p, nil
}

// Paths lists the paths the flavor names, relative to the model directory.
func (p *PyFunc) Paths() []string {
	var paths []string
	for _, s := range []string{p.Data, p.ModelPath, p.Code, p.PythonModel} {
		if s != "" {
			paths = append(paths, s)
		}
	}
	for _, a := range p.Artifacts {
		if a.Path != "" {
			paths = append(paths, a.Path)
		}
	}
	return paths
}

// check refuses paths that leave the model directory and a model_config
// that cannot travel as JSON.
func (p *PyFunc) check() error {
	for _, path := range p.Paths() {
		if err := CheckPath(path); err != nil {
			return err
		}
	}
	if _, err := json.Marshal(p.ModelConfig); err != nil {
		return fmt.Errorf("model_config: %w", err)
	}
	return nil
}
