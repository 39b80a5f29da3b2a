package onnx

import (
	"math"

	"github.com/paddockml/paddock/flavor"
)

// Shape-manipulating operators. Those that only change the shape (Reshape,
// Flatten, Squeeze, Unsqueeze, Identity) alias the input data, which is
// safe because tensors are immutable once produced.

func buildReshape(b *buildCtx) (kernel, error) {
	if err := b.arity(2, 2, 1, 1); err != nil {
		return nil, err
	}
	allowZero, err := b.attrInt("allowzero", 0)
	if err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		spec, err := in[1].ints()
		if err != nil {
			return nil, err
		}
		shape, err := reshapeTarget(in[0].shape, spec, allowZero != 0)
		if err != nil {
			return nil, err
		}
		return in[0].withShape(shape), nil
	}), nil
}

// reshapeTarget resolves Reshape's shape input: 0 copies the input's dim
// (unless allowzero), -1 is inferred from the element count.
func reshapeTarget(in []int, spec []int64, allowZero bool) ([]int, error) {
	if len(spec) > maxRank {
		return nil, flavor.InputError("Reshape to rank %d", len(spec))
	}
	total, _ := numElements(in)
	shape := make([]int, len(spec))
	infer, known := -1, 1
	for i, d := range spec {
		switch {
		case d == 0 && !allowZero:
			if i >= len(in) {
				return nil, flavor.InputError("Reshape %v: dim %d copies a missing input dim of %v", spec, i, in)
			}
			shape[i] = in[i]
		case d == -1 && infer < 0:
			infer = i
			continue
		case d < 0 || d > maxElements:
			return nil, flavor.InputError("Reshape to invalid shape %v", spec)
		default:
			shape[i] = int(d)
		}
		if shape[i] != 0 && known > maxElements/shape[i] {
			return nil, flavor.InputError("Reshape to oversized shape %v", spec)
		}
		known *= shape[i]
	}
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, flavor.InputError("cannot reshape %v into %v", in, spec)
		}
		shape[infer] = total / known
	} else if known != total {
		return nil, flavor.InputError("cannot reshape %v (%d elements) into %v", in, total, spec)
	}
	return shape, nil
}

func buildFlatten(b *buildCtx) (kernel, error) {
	if err := b.arity(1, 1, 1, 1); err != nil {
		return nil, err
	}
	axis, err := b.attrInt("axis", 1)
	if err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		x := in[0]
		ax := int(axis)
		if axis < 0 {
			ax += x.rank()
		}
		if ax < 0 || ax > x.rank() {
			return nil, flavor.InputError("Flatten axis %d for rank %d", axis, x.rank())
		}
		outer, _ := numElements(x.shape[:ax])
		inner, _ := numElements(x.shape[ax:])
		return x.withShape([]int{outer, inner}), nil
	}), nil
}

// axesSource says where Squeeze/Unsqueeze read their axes: an input from opset
// 13, an attribute before.
func axesSource(b *buildCtx) (attr []int64, fromInput bool, err error) {
	if b.opset >= 13 {
		return nil, true, b.arity(1, 2, 1, 1)
	}
	if err := b.arity(1, 1, 1, 1); err != nil {
		return nil, false, err
	}
	attr, _, err = b.attrInts("axes")
	return attr, false, err
}

func readAxes(attr []int64, fromInput bool, in []*tensor) ([]int64, error) {
	if fromInput && len(in) > 1 && in[1] != nil {
		return in[1].ints()
	}
	return attr, nil
}

func buildSqueeze(b *buildCtx) (kernel, error) {
	attr, fromInput, err := axesSource(b)
	if err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		axes, err := readAxes(attr, fromInput, in)
		if err != nil {
			return nil, err
		}
		x := in[0]
		drop := make([]bool, x.rank())
		for _, a := range axes {
			ax, err := normAxis(a, x.rank())
			if err != nil {
				return nil, err
			}
			if x.shape[ax] != 1 {
				return nil, flavor.InputError("Squeeze axis %d has size %d", a, x.shape[ax])
			}
			drop[ax] = true
		}
		shape := []int{}
		for i, d := range x.shape {
			if !drop[i] && (len(axes) > 0 || d != 1) {
				shape = append(shape, d)
			}
		}
		return x.withShape(shape), nil
	}), nil
}

func buildUnsqueeze(b *buildCtx) (kernel, error) {
	attr, fromInput, err := axesSource(b)
	if err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		axes, err := readAxes(attr, fromInput, in)
		if err != nil {
			return nil, err
		}
		x := in[0]
		rank := x.rank() + len(axes)
		if rank > maxRank {
			return nil, flavor.InputError("Unsqueeze to rank %d", rank)
		}
		ins := make([]bool, rank)
		for _, a := range axes {
			ax, err := normAxis(a, rank)
			if err != nil {
				return nil, err
			}
			if ins[ax] {
				return nil, flavor.InputError("Unsqueeze repeats axis %d", a)
			}
			ins[ax] = true
		}
		shape := make([]int, rank)
		j := 0
		for i := range shape {
			shape[i] = 1
			if !ins[i] {
				shape[i] = x.shape[j]
				j++
			}
		}
		return x.withShape(shape), nil
	}), nil
}

func buildShape(b *buildCtx) (kernel, error) {
	if err := b.arity(1, 1, 1, 1); err != nil {
		return nil, err
	}
	start, err := b.attrInt("start", 0)
	if err != nil {
		return nil, err
	}
	end, err := b.attrInt("end", int64(maxRank+1))
	if err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		r := int64(in[0].rank())
		s, e := clampIndex(start, r), clampIndex(end, r)
		dims := []int64{}
		for i := s; i < e; i++ {
			dims = append(dims, int64(in[0].shape[i]))
		}
		return vectorI64(dims), nil
	}), nil
}

// clampIndex maps a possibly negative index into [0, n].
func clampIndex(i, n int64) int64 {
	if i < 0 {
		i += n
	}
	return min(max(i, 0), n)
}

func buildSize(b *buildCtx) (kernel, error) {
	if err := b.arity(1, 1, 1, 1); err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		return &tensor{dtype: typeInt64, shape: []int{}, i64: []int64{int64(in[0].len())}}, nil
	}), nil
}

func buildConstant(b *buildCtx) (kernel, error) {
	if err := b.arity(0, 0, 1, 1); err != nil {
		return nil, err
	}
	if len(b.node.attrs) != 1 {
		return nil, corruptf("Constant node %q has %d attributes, want 1", b.node.name, len(b.node.attrs))
	}
	a := b.node.attrs[0]
	var t *tensor
	var err error
	switch a.name {
	case "value":
		if a.t == nil {
			return nil, corruptf("Constant value is not a tensor")
		}
		t, err = a.t.toTensor()
	case "value_float":
		t = scalarF32(a.f)
	case "value_floats":
		t = &tensor{dtype: typeFloat, shape: []int{len(a.floats)}, f32: a.floats}
	case "value_int":
		t = &tensor{dtype: typeInt64, shape: []int{}, i64: []int64{a.i}}
	case "value_ints":
		t = vectorI64(a.ints)
	default:
		return nil, unsupportedf("Constant with attribute %q", a.name)
	}
	if err != nil {
		return nil, err
	}
	return one(func([]*tensor) (*tensor, error) { return t, nil }), nil
}

func buildConstantOfShape(b *buildCtx) (kernel, error) {
	if err := b.arity(1, 1, 1, 1); err != nil {
		return nil, err
	}
	fill := &tensor{dtype: typeFloat, shape: []int{1}, f32: []float32{0}}
	if a, err := b.attrOf("value", attrTensor); err != nil {
		return nil, err
	} else if a != nil && a.t != nil {
		if fill, err = a.t.toTensor(); err != nil {
			return nil, err
		}
		if fill.len() != 1 {
			return nil, corruptf("ConstantOfShape value has %d elements", fill.len())
		}
	}
	return one(func(in []*tensor) (*tensor, error) {
		dims, err := in[0].ints()
		if err != nil {
			return nil, err
		}
		shape, err := shapeFromInts(dims)
		if err != nil {
			return nil, err
		}
		return expandTo(fill.withShape([]int{}), shape)
	}), nil
}

// shapeFromInts converts a shape tensor's values, rejecting negatives and
// oversized products before anything is allocated.
func shapeFromInts(dims []int64) ([]int, error) {
	if len(dims) > maxRank {
		return nil, flavor.InputError("shape of rank %d", len(dims))
	}
	shape := make([]int, len(dims))
	for i, d := range dims {
		if d < 0 || d > maxElements {
			return nil, flavor.InputError("invalid shape %v", dims)
		}
		shape[i] = int(d)
	}
	if _, err := numElements(shape); err != nil {
		return nil, err
	}
	return shape, nil
}

func buildExpand(b *buildCtx) (kernel, error) {
	if err := b.arity(2, 2, 1, 1); err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		dims, err := in[1].ints()
		if err != nil {
			return nil, err
		}
		shape, err := shapeFromInts(dims)
		if err != nil {
			return nil, err
		}
		return expandTo(in[0], shape)
	}), nil
}

// expandTo broadcasts x against shape (bidirectionally, as Expand does)
// and materialises the result.
func expandTo(x *tensor, shape []int) (*tensor, error) {
	out, err := broadcastShape(x.shape, shape)
	if err != nil {
		return nil, err
	}
	t, err := newTensor(x.dtype, out)
	if err != nil {
		return nil, err
	}
	gatherStrided(t, x, out, alignedStrides(x.shape, out), 0)
	return t, nil
}

// alignedStrides returns the strides of shape right-aligned to out, with 0
// where shape broadcasts.
func alignedStrides(shape, out []int) []int {
	st := make([]int, len(out))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 {
			st[len(out)-len(shape)+i] = acc
		}
		acc *= shape[i]
	}
	return st
}

func buildRange(b *buildCtx) (kernel, error) {
	if err := b.arity(3, 3, 1, 1); err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		for _, t := range in {
			if t.len() != 1 || t.dtype != in[0].dtype {
				return nil, corruptf("Range takes three scalars of one type")
			}
		}
		start, limit, delta := in[0].float64At(0), in[1].float64At(0), in[2].float64At(0)
		if delta == 0 {
			return nil, flavor.InputError("Range with delta 0")
		}
		n := (limit - start) / delta
		if n != n || n > maxElements {
			return nil, flavor.InputError("Range(%v, %v, %v) is too long", start, limit, delta)
		}
		count := 0
		if n > 0 {
			count = int(math.Ceil(n))
		}
		out, err := newTensor(in[0].dtype, []int{count})
		if err != nil {
			return nil, err
		}
		for i := 0; i < count; i++ {
			switch out.dtype.store() {
			case storeF32:
				out.f32[i] = in[0].f32[0] + float32(i)*in[2].f32[0]
			case storeI64:
				out.i64[i] = in[0].i64[0] + int64(i)*in[2].i64[0]
			default:
				return nil, typeErr("a numeric tensor", in[0])
			}
		}
		return out, nil
	}), nil
}
