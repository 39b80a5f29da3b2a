package modeldir

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/modeldir/mlmodel"
)

// plan is how to load a model directory: which flavor, from which file.
type plan struct {
	flavor string
	// file is the native model file, relative to the directory.
	file      string
	predictFn string
	// pyfunc is the python_function flavor, when the descriptor has one.
	pyfunc *mlmodel.PyFunc
}

// nativeOrder is the preference among native flavors when a descriptor
// lists several (MLflow never writes more than one).
var nativeOrder = []string{XGBoost, Sklearn, ONNX}

// loaderFlavors are the python_function loader modules whose models
// Paddock reads natively.
var loaderFlavors = map[string]string{"mlflow.xgboost": XGBoost, "mlflow.sklearn": Sklearn, "mlflow.onnx": ONNX}

// The per-flavor configurations, in MLflow's keys.
type (
	xgboostConf struct {
		Data        string `yaml:"data"`
		ModelFormat string `yaml:"model_format"`
	}
	sklearnConf struct {
		PickledModel        string `yaml:"pickled_model"`
		SerializationFormat string `yaml:"serialization_format"`
	}
	onnxConf struct {
		Data string `yaml:"data"`
	}
)

// resolve picks the flavor that serves a descriptor and checks its
// configuration.
func resolve(d *mlmodel.Descriptor) (plan, error) {
	p := plan{predictFn: PredictFnPredict}
	if _, ok := d.Flavors[Python]; ok {
		pf, err := d.PyFunc()
		if err != nil {
			return p, err
		}
		p.pyfunc = pf
		if pf.PredictFn != "" {
			p.predictFn = pf.PredictFn
		}
	}
	if p.predictFn != PredictFnPredict && p.predictFn != PredictFnProba {
		return p, fmt.Errorf("%w: predict_fn %q (Paddock serves predict and predict_proba)", flavor.ErrUnsupported, p.predictFn)
	}
	var err error
	if p.flavor, err = chooseFlavor(d, p.pyfunc); err != nil {
		return p, err
	}
	if p.flavor != Python {
		p.file, err = nativeFile(d, p.flavor, p.pyfunc)
	}
	return p, err
}

// chooseFlavor applies the resolution order of the package doc.
func chooseFlavor(d *mlmodel.Descriptor, pf *mlmodel.PyFunc) (string, error) {
	meta, err := d.Paddock()
	if err != nil {
		return "", err
	}
	if name := meta.Flavor; name != "" {
		if _, ok := d.Flavors[name]; !ok || !(slices.Contains(nativeOrder, name) || name == Python) {
			return "", fmt.Errorf("%w: metadata.paddock.flavor %q is not a servable flavor of this model", flavor.ErrCorrupt, name)
		}
		return name, nil
	}
	for _, name := range nativeOrder {
		if _, ok := d.Flavors[name]; ok {
			return name, nil
		}
	}
	if pf != nil {
		if name, ok := loaderFlavors[pf.LoaderModule]; ok {
			return name, nil
		}
		return Python, nil
	}
	names := slices.Sorted(maps.Keys(d.Flavors))
	return "", fmt.Errorf("%w: flavor %s (Paddock serves xgboost, sklearn, onnx and python_function)",
		flavor.ErrUnsupported, strings.Join(names, ", "))
}

// nativeFile returns the model file of a native flavor, from its own
// configuration or, without one, from the python_function's.
func nativeFile(d *mlmodel.Descriptor, name string, pf *mlmodel.PyFunc) (string, error) {
	var file, key string
	var err error
	switch name {
	case XGBoost:
		file, key, err = xgboostFile(d, pf)
	case Sklearn:
		file, key, err = sklearnFile(d, pf)
	case ONNX:
		file, key, err = onnxFile(d, pf)
	}
	if err != nil {
		return "", err
	}
	if file == "" {
		return "", fmt.Errorf("%w: %s flavor names no model file (%s)", flavor.ErrCorrupt, name, key)
	}
	if err := mlmodel.CheckPath(file); err != nil {
		return "", fmt.Errorf("%w: %s flavor %s: %v", flavor.ErrCorrupt, name, key, err)
	}
	return file, nil
}

// fallback is the data path of a python_function whose loader module
// Paddock serves natively.
func fallback(pf *mlmodel.PyFunc, key string) (string, string) {
	if pf == nil {
		return "", key
	}
	if pf.ModelPath != "" {
		return pf.ModelPath, "python_function model_path"
	}
	return pf.Data, "python_function data"
}

// xgboostFile checks model_format: MLflow saves model.<format> with
// Booster.save_model, which writes JSON only for "json". The default
// "xgb" is XGBoost's legacy binary (1.x) or UBJSON (2.x); the xgboost
// package recognises those by content and refuses them clearly.
func xgboostFile(d *mlmodel.Descriptor, pf *mlmodel.PyFunc) (string, string, error) {
	var c xgboostConf
	ok, err := d.DecodeFlavor(XGBoost, &c)
	if err != nil || !ok {
		file, key := fallback(pf, "data")
		return file, key, err
	}
	switch c.ModelFormat {
	case "json", "xgb", "":
	case "ubj":
		return "", "", fmt.Errorf("%w: xgboost model_format ubj (UBJSON); save the model with model_format=\"json\"", flavor.ErrUnsupported)
	case "deprecated":
		return "", "", fmt.Errorf("%w: xgboost model_format deprecated (legacy binary); save the model with model_format=\"json\"", flavor.ErrUnsupported)
	default:
		return "", "", fmt.Errorf("%w: xgboost model_format %q", flavor.ErrUnsupported, c.ModelFormat)
	}
	return c.Data, "data", nil
}

// sklearnFile checks serialization_format. A cloudpickle of an estimator
// refers to scikit-learn's classes by name, like pickle, so both go to the
// restricted unpickler, which refuses anything it cannot rebuild.
func sklearnFile(d *mlmodel.Descriptor, pf *mlmodel.PyFunc) (string, string, error) {
	var c sklearnConf
	ok, err := d.DecodeFlavor(Sklearn, &c)
	if err != nil || !ok {
		file, key := fallback(pf, "pickled_model")
		return file, key, err
	}
	switch c.SerializationFormat {
	case "pickle", "cloudpickle", "":
	default:
		return "", "", fmt.Errorf("%w: sklearn serialization_format %q (Paddock reads pickle and cloudpickle)", flavor.ErrUnsupported, c.SerializationFormat)
	}
	return c.PickledModel, "pickled_model", nil
}

func onnxFile(d *mlmodel.Descriptor, pf *mlmodel.PyFunc) (string, string, error) {
	var c onnxConf
	ok, err := d.DecodeFlavor(ONNX, &c)
	if err != nil || !ok {
		file, key := fallback(pf, "data")
		return file, key, err
	}
	return c.Data, "data", nil
}
