package mlmodel

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paddockml/paddock/flavor"
)

// Base names of converted specs: tabular inputs and unnamed outputs follow
// the flavors' conventions.
const (
	inputBase  = "input"
	outputBase = flavor.OutputPredictions
)

// columnTypes maps MLflow's column types to dtypes. binary and datetime
// values travel as strings, as in MLflow's JSON scoring format (base64 and
// ISO 8601); it is up to the consumer to accept them.
var columnTypes = map[string]flavor.DType{
	"boolean": flavor.Bool, "integer": flavor.Int64, "long": flavor.Int64,
	"float": flavor.Float32, "double": flavor.Float64,
	"string": flavor.String, "binary": flavor.String, "datetime": flavor.String,
}

// numpyTypes maps the numpy dtype names of tensor specs to dtypes.
var numpyTypes = map[string]flavor.DType{
	"float64": flavor.Float64, "float32": flavor.Float32, "float16": flavor.Float32,
	"int64": flavor.Int64, "int32": flavor.Int64, "int16": flavor.Int64, "int8": flavor.Int64,
	"uint32": flavor.Int64, "uint16": flavor.Int64, "uint8": flavor.Int64,
	"bool": flavor.Bool, "object": flavor.String, "str": flavor.String,
}

// ColumnDType returns the dtype an MLflow column type converts to.
func ColumnDType(mlflowType string) (flavor.DType, error) {
	if dt, ok := columnTypes[mlflowType]; ok {
		return dt, nil
	}
	return "", fmt.Errorf("%w: MLflow column type %q", flavor.ErrUnsupported, mlflowType)
}

// TensorDType returns the dtype a numpy dtype name converts to. numpy
// names fixed-width strings by their bit size ("str160"), so any "str"
// name is a string.
func TensorDType(numpy string) (flavor.DType, error) {
	if dt, ok := numpyTypes[numpy]; ok {
		return dt, nil
	}
	if strings.HasPrefix(numpy, "str") {
		return flavor.String, nil
	}
	return "", fmt.Errorf("%w: tensor dtype %q", flavor.ErrUnsupported, numpy)
}

// Convert turns the signature into a flavor.Signature with task "other".
//
// Tensors map one to one. Columns of one type become a single [-1, n]
// tensor called "input", the tabular convention, except that a lone
// unnamed column (a typical output) stays [-1]; columns of mixed types
// become one [-1] tensor per column. Columns lists the input columns
// when every one is named. Unnamed entries take the base name ("input"
// or "predictions") with their position appended when there are several.
func (s *Signature) Convert() (flavor.Signature, error) {
	sig := flavor.Signature{Task: flavor.TaskOther}
	in, err := s.InputSchema()
	if err != nil {
		return sig, err
	}
	if sig.Inputs, sig.Columns, err = convertSchema(in, inputBase); err != nil {
		return sig, fmt.Errorf("signature inputs: %w", err)
	}
	out, err := s.OutputSchema()
	if err != nil {
		return sig, err
	}
	if sig.Outputs, _, err = convertSchema(out, outputBase); err != nil {
		return sig, fmt.Errorf("signature outputs: %w", err)
	}
	return sig, nil
}

func convertSchema(specs []Spec, base string) ([]flavor.TensorSpec, []flavor.ColumnSpec, error) {
	if len(specs) == 0 {
		return nil, nil, nil
	}
	if specs[0].Type == TensorType {
		out, err := tensorSpecs(specs, base)
		return out, nil, err
	}
	out := make([]flavor.TensorSpec, 0, len(specs))
	cols := make([]flavor.ColumnSpec, 0, len(specs))
	for i, s := range specs {
		dt, err := ColumnDType(s.Type)
		if err != nil {
			return nil, nil, err
		}
		cols = append(cols, flavor.ColumnSpec{Name: s.Name, DType: dt})
		out = append(out, flavor.TensorSpec{Name: specName(s.Name, base, i, len(specs)), DType: dt, Shape: []int{-1}})
	}
	if (len(out) > 1 || specs[0].Name != "") && sameDType(out) {
		out = []flavor.TensorSpec{{Name: base, DType: out[0].DType, Shape: []int{-1, len(out)}}}
	}
	if specs[0].Name == "" {
		cols = nil
	}
	return out, cols, nil
}

func tensorSpecs(specs []Spec, base string) ([]flavor.TensorSpec, error) {
	out := make([]flavor.TensorSpec, 0, len(specs))
	for i, s := range specs {
		dt, err := TensorDType(s.Tensor.DType)
		if err != nil {
			return nil, err
		}
		out = append(out, flavor.TensorSpec{Name: specName(s.Name, base, i, len(specs)), DType: dt, Shape: slices.Clone(s.Tensor.Shape)})
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
