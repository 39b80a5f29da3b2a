package pyworker

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/paddockml/paddock/flavor"
)

// pyfuncConf is the python_function flavor of an MLmodel file: what the
// worker needs to load the model without (or with) the mlflow package.
type pyfuncConf struct {
	LoaderModule string                 `yaml:"loader_module" json:"loader_module"`
	Data         string                 `yaml:"data" json:"data,omitempty"`
	Code         string                 `yaml:"code" json:"code,omitempty"`
	PythonModel  string                 `yaml:"python_model" json:"python_model,omitempty"`
	Compression  string                 `yaml:"python_model_compression" json:"python_model_compression,omitempty"`
	Artifacts    map[string]artifactRef `yaml:"artifacts" json:"artifacts,omitempty"`
	ModelConfig  map[string]any         `yaml:"model_config" json:"model_config,omitempty"`
}

type artifactRef struct {
	Path string `yaml:"path" json:"path"`
}

// mlmodel is the part of an MLflow MLmodel file Paddock reads.
type mlmodel struct {
	Flavors   map[string]yaml.Node `yaml:"flavors"`
	Signature *struct {
		Inputs  string `yaml:"inputs"`
		Outputs string `yaml:"outputs"`
	} `yaml:"signature"`
}

// parseMLmodel reads an MLmodel file: its python_function flavor, and its
// signature converted to a flavor.Signature when it has one.
func parseMLmodel(b []byte) (*pyfuncConf, []string, *flavor.Signature, error) {
	var m mlmodel
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: MLmodel: %w", flavor.ErrCorrupt, err)
	}
	node, ok := m.Flavors["python_function"]
	if !ok {
		return nil, nil, nil, fmt.Errorf("%w: MLmodel has no python_function flavor", flavor.ErrUnsupported)
	}
	var conf pyfuncConf
	if err := node.Decode(&conf); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: MLmodel python_function: %w", flavor.ErrCorrupt, err)
	}
	if err := conf.check(); err != nil {
		return nil, nil, nil, fmt.Errorf("%w: MLmodel python_function: %w", flavor.ErrCorrupt, err)
	}
	if m.Signature == nil || m.Signature.Inputs == "" {
		return &conf, nil, nil, nil
	}
	sig, columns, err := convertSignature(m.Signature.Inputs, m.Signature.Outputs)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("MLmodel signature: %w", err)
	}
	return &conf, columns, &sig, nil
}

// check refuses paths that leave the model directory and a model_config
// that cannot travel as JSON.
func (c *pyfuncConf) check() error {
	paths := []string{c.Data, c.Code, c.PythonModel}
	for _, a := range c.Artifacts {
		paths = append(paths, a.Path)
	}
	for _, p := range paths {
		if p != "" && !filepath.IsLocal(p) {
			return fmt.Errorf("path %q leaves the model directory", p)
		}
	}
	if _, err := json.Marshal(c.ModelConfig); err != nil {
		return fmt.Errorf("model_config: %w", err)
	}
	return nil
}

// mlflowSpec is one entry of an MLflow schema: a column ({name, type}) or
// a tensor ({name, type: "tensor", tensor-spec}).
type mlflowSpec struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	TensorSpec *struct {
		DType string `json:"dtype"`
		Shape []int  `json:"shape"`
	} `json:"tensor-spec"`
}

// Column types of MLflow's schema and the dtype each becomes.
var mlflowColumnTypes = map[string]flavor.DType{
	"double": flavor.Float64, "float": flavor.Float32, "long": flavor.Int64,
	"integer": flavor.Int64, "boolean": flavor.Bool, "string": flavor.String,
}

// numpy dtypes of MLflow tensor specs and the dtype each becomes.
var numpyTypes = map[string]flavor.DType{
	"float64": flavor.Float64, "float32": flavor.Float32, "float16": flavor.Float32,
	"int64": flavor.Int64, "int32": flavor.Int64, "int16": flavor.Int64, "int8": flavor.Int64,
	"uint32": flavor.Int64, "uint16": flavor.Int64, "uint8": flavor.Int64,
	"bool": flavor.Bool, "str": flavor.String, "object": flavor.String,
}

// convertSignature turns MLflow's schema strings into a flavor.Signature
// and, for a schema of named columns, the column names.
func convertSignature(inputs, outputs string) (flavor.Signature, []string, error) {
	sig := flavor.Signature{Task: flavor.TaskOther}
	in, err := decodeSchema(inputs)
	if err != nil {
		return sig, nil, err
	}
	if sig.Inputs, sig.Columns, err = schemaSpecs(in, "input"); err != nil {
		return sig, nil, err
	}
	if outputs != "" {
		out, err := decodeSchema(outputs)
		if err != nil {
			return sig, nil, err
		}
		if sig.Outputs, _, err = schemaSpecs(out, flavor.OutputPredictions); err != nil {
			return sig, nil, err
		}
	}
	var names []string
	for _, c := range sig.Columns {
		names = append(names, c.Name)
	}
	return sig, names, checkSignature(&sig)
}

func decodeSchema(s string) ([]mlflowSpec, error) {
	var specs []mlflowSpec
	if err := json.Unmarshal([]byte(s), &specs); err != nil {
		return nil, fmt.Errorf("%w: schema: %w", flavor.ErrCorrupt, err)
	}
	if len(specs) == 0 {
		return nil, fmt.Errorf("%w: empty schema", flavor.ErrCorrupt)
	}
	return specs, nil
}

// schemaSpecs converts a schema. Tensors map one to one. Columns of one
// type become a single [-1, n] tensor called base, the tabular
// convention, except that a lone unnamed column (a typical output) stays
// [-1]; columns of mixed types become one [-1] tensor per column.
// The column list is returned only when every column is named, since only
// then can the worker rebuild the DataFrame the model expects.
func schemaSpecs(specs []mlflowSpec, base string) ([]flavor.TensorSpec, []flavor.ColumnSpec, error) {
	if specs[0].Type == "tensor" {
		out, err := tensorSpecs(specs, base)
		return out, nil, err
	}
	var out []flavor.TensorSpec
	var cols []flavor.ColumnSpec
	for i, s := range specs {
		dt, ok := mlflowColumnTypes[s.Type]
		if !ok {
			return nil, nil, fmt.Errorf("%w: column type %q", flavor.ErrUnsupported, s.Type)
		}
		cols = append(cols, flavor.ColumnSpec{Name: s.Name, DType: dt})
		out = append(out, flavor.TensorSpec{Name: specName(s.Name, base, i, len(specs)), DType: dt, Shape: []int{-1}})
	}
	if (len(out) > 1 || specs[0].Name != "") && sameDType(out) {
		out = []flavor.TensorSpec{{Name: base, DType: out[0].DType, Shape: []int{-1, len(out)}}}
	}
	if slices.ContainsFunc(cols, func(c flavor.ColumnSpec) bool { return c.Name == "" }) {
		cols = nil
	}
	return out, cols, nil
}

func tensorSpecs(specs []mlflowSpec, base string) ([]flavor.TensorSpec, error) {
	out := make([]flavor.TensorSpec, 0, len(specs))
	for i, s := range specs {
		if s.Type != "tensor" || s.TensorSpec == nil {
			return nil, fmt.Errorf("%w: schema mixes tensors and columns", flavor.ErrUnsupported)
		}
		dt, ok := numpyTypes[s.TensorSpec.DType]
		if !ok {
			return nil, fmt.Errorf("%w: tensor dtype %q", flavor.ErrUnsupported, s.TensorSpec.DType)
		}
		out = append(out, flavor.TensorSpec{Name: specName(s.Name, base, i, len(specs)), DType: dt, Shape: s.TensorSpec.Shape})
	}
	return out, nil
}

// specName names an unnamed schema entry after its position.
func specName(name, base string, i, n int) string {
	switch {
	case name != "":
		return name
	case n == 1:
		return base
	}
	return fmt.Sprintf("%s_%d", base, i)
}

func sameDType(specs []flavor.TensorSpec) bool {
	for _, s := range specs[1:] {
		if s.DType != specs[0].DType {
			return false
		}
	}
	return true
}
