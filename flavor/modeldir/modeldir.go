// Package modeldir loads any model artifact directory: it reads the
// directory's MLmodel descriptor (MLflow's format), picks the flavor that
// serves it, and loads it with that flavor's package.
//
// Flavor resolution prefers Paddock's native evaluators over Python, as
// MLflow writes a python_function flavor next to every native one:
//
//  1. the flavor named by metadata.paddock.flavor, when present;
//  2. otherwise the first of xgboost, sklearn and onnx the descriptor lists;
//  3. otherwise python_function: natively when its loader_module is
//     mlflow.xgboost, mlflow.sklearn or mlflow.onnx, else in Python
//     worker processes (package pyworker);
//  4. otherwise the model is refused, naming the flavors it has.
//
// A directory without MLmodel is recognised by its conventional file:
// model.json (xgboost), model.pkl (sklearn), model.onnx (onnx) or
// paddock_model.py (python_function, run by pyworker).
//
// Every path a descriptor names must stay inside the directory: absolute
// paths and ".." are refused, and model files are opened through an
// os.Root, so a symbolic link cannot lead outside either.
package modeldir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/modeldir/mlmodel"
	"github.com/paddockml/paddock/flavor/pyworker"
)

// The flavors Load serves, named by their MLmodel keys.
const (
	XGBoost = "xgboost"
	Sklearn = "sklearn"
	ONNX    = "onnx"
	// Python is served by Python worker processes: an MLflow pyfunc or a
	// directory with paddock_model.py.
	Python = mlmodel.PythonFunction
)

// The prediction methods a python_function's predict_fn may name.
const (
	PredictFnPredict = "predict"
	PredictFnProba   = "predict_proba"
)

// Options controls loading.
type Options struct {
	// Python configures the worker processes of python_function models.
	Python pyworker.Config
}

// Loaded is a model loaded from a directory.
type Loaded struct {
	// Model predicts.
	Model flavor.Model
	// Flavor is the flavor that loaded it: XGBoost, Sklearn, ONNX or Python.
	Flavor string
	// Descriptor is the directory's MLmodel file; nil without one.
	Descriptor *Descriptor
	// PredictFn is the method the model's pyfunc predict calls:
	// PredictFnPredict (serve the predictions output) or PredictFnProba
	// (serve the probabilities output).
	PredictFn string
	// Signature is the model's signature as the descriptor declares it
	// (see Load), or the model's own without one.
	Signature flavor.Signature
}

// Load loads the model in dir. ctx bounds starting Python workers.
//
// When the descriptor declares a signature, Loaded.Signature takes its
// inputs and column names (MLflow's names for the model's columns) and
// the model's own input dtypes, outputs, task and classes, which are what
// Predict accepts and returns. A declared signature whose inputs disagree
// with the model's in number, fixed dimension or kind (string against
// numeric) is an error wrapping flavor.ErrCorrupt.
func Load(ctx context.Context, dir string, opts Options) (*Loaded, error) {
	d, err := mlmodel.Read(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return loadConventional(ctx, dir, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	p, err := resolve(d)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	l, err := p.load(ctx, dir, opts)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	l.Descriptor = d
	if err := l.applyDescriptor(); err != nil {
		l.Model.Close()
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	return l, nil
}

// loadConventional loads a directory without MLmodel by its model file.
func loadConventional(ctx context.Context, dir string, opts Options) (*Loaded, error) {
	name, err := Detect(dir)
	if err != nil {
		return nil, err
	}
	p := plan{flavor: name, file: conventionalFile[name], predictFn: PredictFnPredict}
	l, err := p.load(ctx, dir, opts)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	l.Signature = l.Model.Signature()
	return l, nil
}
