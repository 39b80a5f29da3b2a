package mlmodel

import (
	"fmt"

	"github.com/paddockml/paddock/flavor"
)

// The MLflow names of each dtype, for descriptors Paddock writes.
var (
	mlflowColumnType = map[flavor.DType]string{
		flavor.Float64: "double", flavor.Float32: "float", flavor.Int64: "long",
		flavor.Bool: "boolean", flavor.String: "string",
	}
	numpyName = map[flavor.DType]string{
		flavor.Float64: "float64", flavor.Float32: "float32", flavor.Int64: "int64",
		flavor.Bool: "bool", flavor.String: "object",
	}
)

// FromFlavor builds the MLmodel signature describing sig, the reverse of
// Convert: named required columns when sig.Columns lists them (a tabular
// model), tensor specs otherwise, and tensor specs for the outputs.
func FromFlavor(sig flavor.Signature) (*Signature, error) {
	var in []Spec
	if len(sig.Columns) > 0 {
		for _, c := range sig.Columns {
			t, ok := mlflowColumnType[c.DType]
			if !ok {
				return nil, fmt.Errorf("column %q: no MLflow type for dtype %q", c.Name, c.DType)
			}
			required := true
			in = append(in, Spec{Name: c.Name, Type: t, Required: &required})
		}
	} else {
		var err error
		if in, err = tensorSpecsOf(sig.Inputs); err != nil {
			return nil, err
		}
	}
	out, err := tensorSpecsOf(sig.Outputs)
	if err != nil {
		return nil, err
	}
	s := new(Signature)
	if s.Inputs, err = FormatSchema(in); err != nil {
		return nil, err
	}
	if s.Outputs, err = FormatSchema(out); err != nil {
		return nil, err
	}
	return s, s.validate()
}

func tensorSpecsOf(specs []flavor.TensorSpec) ([]Spec, error) {
	out := make([]Spec, 0, len(specs))
	for _, t := range specs {
		dt, ok := numpyName[t.DType]
		if !ok {
			return nil, fmt.Errorf("tensor %q: no numpy dtype for %q", t.Name, t.DType)
		}
		if t.Shape == nil {
			// MLflow has no unknown rank, and [] would mean a scalar.
			return nil, fmt.Errorf("tensor %q: no shape", t.Name)
		}
		out = append(out, Spec{Name: t.Name, Type: TensorType, Tensor: &TensorInfo{DType: dt, Shape: t.Shape}})
	}
	return out, nil
}
