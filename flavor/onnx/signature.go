package onnx

import (
	"github.com/paddockml/paddock/flavor"
)

// describe fills the model's signature from the graph's declared inputs
// and outputs.
func (m *Model) describe(g *graphProto) error {
	m.sig.Task = flavor.TaskOther
	isInit := map[string]bool{}
	for _, t := range g.initializers {
		isInit[t.name] = true
	}
	for _, v := range g.inputs {
		if isInit[v.name] {
			continue
		}
		spec, err := tensorSpec(v)
		if err != nil {
			return err
		}
		m.sig.Inputs = append(m.sig.Inputs, spec)
		var fixed []int
		if v.hasShape {
			fixed = spec.Shape
		}
		m.fixed = append(m.fixed, fixed)
	}
	for _, v := range g.outputs {
		spec, err := tensorSpec(v)
		if err != nil {
			return err
		}
		m.sig.Outputs = append(m.sig.Outputs, spec)
	}
	return nil
}

func tensorSpec(v *valueInfo) (flavor.TensorSpec, error) {
	if !v.isTensor {
		return flavor.TensorSpec{}, unsupportedf("graph value %q is not a tensor", v.name)
	}
	dt, ok := publicType(v.elemType)
	if !ok {
		return flavor.TensorSpec{}, unsupportedf("graph value %q has element type %v", v.name, v.elemType)
	}
	spec := flavor.TensorSpec{Name: v.name, DType: dt}
	if v.hasShape {
		spec.Shape = make([]int, len(v.dims))
		for i, d := range v.dims {
			spec.Shape[i] = -1
			if d.hasValue && d.value >= 0 && d.value <= maxElements {
				spec.Shape[i] = int(d.value)
			}
		}
	}
	return spec, nil
}

// publicType maps ONNX element types to the flavor's; narrow integers are
// widened to int64.
func publicType(d dataType) (flavor.DType, bool) {
	switch d.store() {
	case storeF32:
		return flavor.Float32, true
	case storeI64:
		return flavor.Int64, true
	case storeBool:
		return flavor.Bool, true
	}
	return "", false
}

// convertInputs checks inputs against the signature and wraps them as
// engine tensors. Float64 data is accepted for float inputs and rounded.
func (m *Model) convertInputs(inputs []flavor.Tensor) ([]*tensor, error) {
	if len(inputs) != len(m.sig.Inputs) {
		return nil, flavor.InputError("model takes %d inputs, got %d", len(m.sig.Inputs), len(inputs))
	}
	out := make([]*tensor, len(inputs))
	for i := range inputs {
		t, err := m.convertInput(i, &inputs[i])
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

func (m *Model) convertInput(i int, in *flavor.Tensor) (*tensor, error) {
	spec := m.sig.Inputs[i]
	n, err := numElements(in.Shape)
	if err != nil {
		return nil, err
	}
	if fixed := m.fixed[i]; fixed != nil {
		if len(in.Shape) != len(fixed) {
			return nil, flavor.InputError("input %q has shape %v, want rank %d", spec.Name, in.Shape, len(fixed))
		}
		for d, want := range fixed {
			if want >= 0 && in.Shape[d] != want {
				return nil, flavor.InputError("input %q has shape %v, want %v (-1 = any)", spec.Name, in.Shape, fixed)
			}
		}
	}
	t := &tensor{shape: append([]int(nil), in.Shape...)}
	have := -1
	switch {
	case spec.DType == flavor.Float32 && in.DType == flavor.Float32:
		t.dtype, t.f32, have = typeFloat, in.F32, len(in.F32)
	case spec.DType == flavor.Float32 && in.DType == flavor.Float64:
		t.dtype, have = typeFloat, len(in.F64)
		t.f32 = make([]float32, len(in.F64))
		for j, v := range in.F64 {
			t.f32[j] = float32(v)
		}
	case spec.DType == flavor.Int64 && in.DType == flavor.Int64:
		t.dtype, t.i64, have = typeInt64, in.I64, len(in.I64)
	case spec.DType == flavor.Bool && in.DType == flavor.Bool:
		t.dtype, t.b, have = typeBool, in.Bool, len(in.Bool)
	default:
		return nil, flavor.InputError("input %q has dtype %s, want %s", spec.Name, in.DType, spec.DType)
	}
	if have != n {
		return nil, flavor.InputError("input %q has %d values for shape %v", spec.Name, have, in.Shape)
	}
	return t, nil
}

// exportTensor copies an engine tensor into a caller-owned flavor.Tensor.
func exportTensor(name string, t *tensor) flavor.Tensor {
	out := flavor.Tensor{Name: name, Shape: append([]int{}, t.shape...)}
	switch t.dtype.store() {
	case storeF32:
		out.DType, out.F32 = flavor.Float32, append([]float32{}, t.f32...)
	case storeI64:
		out.DType, out.I64 = flavor.Int64, append([]int64{}, t.i64...)
	case storeBool:
		out.DType, out.Bool = flavor.Bool, append([]bool{}, t.b...)
	}
	return out
}
