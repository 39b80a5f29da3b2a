package mlmodel

import (
	"encoding/json"
	"fmt"

	"github.com/paddockml/paddock/flavor"
)

// Signature is an MLmodel signature as MLflow stores it: each schema a
// JSON string. Empty means absent (MLflow writes null).
type Signature struct {
	// Inputs is the input schema, e.g.
	// `[{"type": "double", "name": "x", "required": true}]`.
	Inputs string `yaml:"inputs"`
	// Outputs is the output schema, in the same form.
	Outputs string `yaml:"outputs"`
	// Params is the inference parameter schema (MLflow 2.6+), e.g.
	// `[{"name": "k", "type": "long", "default": 1, "shape": null}]`.
	Params string `yaml:"params"`
}

// Spec is one entry of an MLflow schema: a column ({type, name,
// required}) or a tensor ({name, type: "tensor", tensor-spec}).
type Spec struct {
	// Name is the column or tensor name; empty when the schema is unnamed.
	Name string `json:"name,omitempty"`
	// Type is an MLflow column type (boolean, integer, long, float,
	// double, string, binary, datetime) or "tensor".
	Type string `json:"type"`
	// Required is false for an optional column (MLflow 2.10+).
	Required *bool `json:"required,omitempty"`
	// Tensor describes a tensor entry.
	Tensor *TensorInfo `json:"tensor-spec,omitempty"`
}

// TensorInfo is the dtype (a numpy dtype name) and shape of a tensor
// spec; -1 marks a variable dimension.
type TensorInfo struct {
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
}

// Param is one entry of a parameter schema.
type Param struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Default any    `json:"default"`
	Shape   []int  `json:"shape"`
}

// TensorType is the Type of a tensor Spec.
const TensorType = "tensor"

// MarshalYAML writes empty schemas as null, as MLflow does: MLflow would
// fail to parse an empty string as JSON.
func (s Signature) MarshalYAML() (any, error) {
	orNull := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	return map[string]any{"inputs": orNull(s.Inputs), "outputs": orNull(s.Outputs), "params": orNull(s.Params)}, nil
}

// InputSchema parses the input schema; nil when there is none.
func (s *Signature) InputSchema() ([]Spec, error) { return ParseSchema(s.Inputs) }

// OutputSchema parses the output schema; nil when there is none.
func (s *Signature) OutputSchema() ([]Spec, error) { return ParseSchema(s.Outputs) }

// ParamSchema parses the parameter schema; nil when there is none.
func (s *Signature) ParamSchema() ([]Param, error) {
	if s.Params == "" {
		return nil, nil
	}
	var params []Param
	if err := json.Unmarshal([]byte(s.Params), &params); err != nil {
		return nil, corrupt("signature params: %v", err)
	}
	for _, p := range params {
		if p.Name == "" || p.Type == "" {
			return nil, corrupt("signature params: entry without name or type")
		}
	}
	return params, nil
}

func (s *Signature) validate() error {
	if _, err := s.InputSchema(); err != nil {
		return err
	}
	if _, err := s.OutputSchema(); err != nil {
		return err
	}
	_, err := s.ParamSchema()
	return err
}

// ParseSchema decodes and checks one schema string: a non-empty JSON
// array of entries that are all columns or all tensors, all named or all
// unnamed, with unique names. Types are not checked against what Paddock
// supports; Convert does that. An empty string is no schema.
func ParseSchema(s string) ([]Spec, error) {
	if s == "" {
		return nil, nil
	}
	var specs []Spec
	if err := json.Unmarshal([]byte(s), &specs); err != nil {
		return nil, corrupt("signature schema: %v", err)
	}
	if len(specs) == 0 {
		return nil, corrupt("signature schema is empty")
	}
	seen := make(map[string]bool, len(specs))
	for i, sp := range specs {
		if err := sp.check(); err != nil {
			return nil, corrupt("signature schema entry %d: %v", i, err)
		}
		if (sp.Type == TensorType) != (specs[0].Type == TensorType) {
			// MLflow refuses such a schema, but a later version might not.
			return nil, fmt.Errorf("%w: %s: signature schema mixes columns and tensors", flavor.ErrUnsupported, FileName)
		}
		if (sp.Name == "") != (specs[0].Name == "") {
			return nil, corrupt("signature schema mixes named and unnamed entries")
		}
		if sp.Name != "" && seen[sp.Name] {
			return nil, corrupt("signature schema repeats name %q", sp.Name)
		}
		seen[sp.Name] = true
	}
	return specs, nil
}

func (sp *Spec) check() error {
	switch {
	case sp.Type == "":
		return fmt.Errorf("no type")
	case sp.Type != TensorType:
		return nil
	case sp.Tensor == nil || sp.Tensor.DType == "":
		return fmt.Errorf("tensor without tensor-spec dtype")
	}
	for _, d := range sp.Tensor.Shape {
		if d < -1 {
			return fmt.Errorf("tensor dimension %d", d)
		}
	}
	return nil
}

// FormatSchema encodes specs as the JSON string a Signature holds.
func FormatSchema(specs []Spec) (string, error) {
	if len(specs) == 0 {
		return "", nil
	}
	b, err := json.Marshal(specs)
	if err != nil {
		return "", fmt.Errorf("encode schema: %w", err)
	}
	return string(b), nil
}
