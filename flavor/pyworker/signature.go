package pyworker

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/paddockml/paddock/flavor"
)

// signatureFile is the optional file in a model directory that declares
// the model's signature as flavor.Signature JSON. It wins over a
// signature in MLmodel and over one reported by the model's code.
const signatureFile = "signature.json"

// maxInputElements bounds the element count of one input tensor; far
// more than any frame can carry, it only keeps shape arithmetic from
// overflowing.
const maxInputElements = 1 << 30

var knownDTypes = []flavor.DType{flavor.Float32, flavor.Float64, flavor.Int64, flavor.String, flavor.Bool}

// parseSignature decodes and validates flavor.Signature JSON.
func parseSignature(b []byte) (flavor.Signature, error) {
	var sig flavor.Signature
	if err := json.Unmarshal(b, &sig); err != nil {
		return sig, err
	}
	return sig, checkSignature(&sig)
}

// checkSignature validates sig and fills an empty task with "other".
func checkSignature(sig *flavor.Signature) error {
	if sig.Task == "" {
		sig.Task = flavor.TaskOther
	}
	for _, group := range []struct {
		what  string
		specs []flavor.TensorSpec
	}{{"input", sig.Inputs}, {"output", sig.Outputs}} {
		seen := map[string]bool{}
		for _, s := range group.specs {
			if s.Name == "" || seen[s.Name] {
				return fmt.Errorf("%s name %q is empty or repeated", group.what, s.Name)
			}
			seen[s.Name] = true
			if !slices.Contains(knownDTypes, s.DType) {
				return fmt.Errorf("%s %q: unknown dtype %q", group.what, s.Name, s.DType)
			}
			for _, d := range s.Shape {
				if d < -1 {
					return fmt.Errorf("%s %q: bad dimension %d", group.what, s.Name, d)
				}
			}
		}
	}
	return nil
}

// checkInputs validates a predict call's tensors against the signature
// and returns the name each tensor is sent under. With a signature, the
// tensors match its inputs by position and take their names; without one,
// a tensor keeps its own name or is called input_<i>.
func checkInputs(sig flavor.Signature, inputs []flavor.Tensor) ([]string, error) {
	if len(inputs) == 0 {
		return nil, flavor.InputError("no input tensors")
	}
	if len(sig.Inputs) > 0 && len(inputs) != len(sig.Inputs) {
		return nil, flavor.InputError("got %d input tensors, model takes %d", len(inputs), len(sig.Inputs))
	}
	names := make([]string, len(inputs))
	seen := make(map[string]bool, len(inputs))
	for i := range inputs {
		t := &inputs[i]
		names[i] = inputName(sig, t, i)
		if seen[names[i]] {
			return nil, flavor.InputError("input name %q repeated", names[i])
		}
		seen[names[i]] = true
		if err := checkTensor(names[i], t); err != nil {
			return nil, err
		}
		if i < len(sig.Inputs) {
			if err := matchSpec(sig.Inputs[i], t); err != nil {
				return nil, err
			}
		}
	}
	return names, nil
}

func inputName(sig flavor.Signature, t *flavor.Tensor, i int) string {
	switch {
	case i < len(sig.Inputs):
		return sig.Inputs[i].Name
	case t.Name != "":
		return t.Name
	}
	return fmt.Sprintf("input_%d", i)
}

// checkTensor checks that t's data slice matches its dtype and shape.
func checkTensor(name string, t *flavor.Tensor) error {
	n := 1
	for _, d := range t.Shape {
		if d < 0 {
			return flavor.InputError("input %q: negative dimension in shape %v", name, t.Shape)
		}
		if d != 0 && n > maxInputElements/d {
			return flavor.InputError("input %q: shape %v is too large", name, t.Shape)
		}
		n *= d
	}
	var have int
	switch t.DType {
	case flavor.Float32:
		have = len(t.F32)
	case flavor.Float64:
		have = len(t.F64)
	case flavor.Int64:
		have = len(t.I64)
	case flavor.String:
		have = len(t.Str)
	case flavor.Bool:
		have = len(t.Bool)
	default:
		return flavor.InputError("input %q: unknown dtype %q", name, t.DType)
	}
	if have != n {
		return flavor.InputError("input %q: shape %v needs %d values, got %d", name, t.Shape, n, have)
	}
	return nil
}

func matchSpec(spec flavor.TensorSpec, t *flavor.Tensor) error {
	if t.DType != spec.DType {
		return flavor.InputError("input %q: dtype %s, model expects %s", spec.Name, t.DType, spec.DType)
	}
	if spec.Shape == nil {
		return nil
	}
	if len(t.Shape) != len(spec.Shape) {
		return flavor.InputError("input %q: shape %v, model expects %v", spec.Name, t.Shape, spec.Shape)
	}
	for i, d := range spec.Shape {
		if d >= 0 && t.Shape[i] != d {
			return flavor.InputError("input %q: shape %v, model expects %v", spec.Name, t.Shape, spec.Shape)
		}
	}
	return nil
}
