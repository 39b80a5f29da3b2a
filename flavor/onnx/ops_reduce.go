package onnx

import (
	"math"
)

// reduceKind identifies a Reduce* operator.
type reduceKind uint8

const (
	reduceSum reduceKind = iota
	reduceMean
	reduceMax
	reduceMin
	reduceProd
	reduceSumSquare
)

// buildReduce handles both axes conventions: an attribute (before opset
// 18; ReduceSum switched already at 13) or an optional second input.
func buildReduce(kind reduceKind) builder {
	return func(b *buildCtx) (kernel, error) {
		axesAsInput := b.opset >= 18 || (kind == reduceSum && b.opset >= 13)
		maxIn := 1
		if axesAsInput {
			maxIn = 2
		}
		if err := b.arity(1, maxIn, 1, 1); err != nil {
			return nil, err
		}
		keep, err := b.attrInt("keepdims", 1)
		if err != nil {
			return nil, err
		}
		noop, err := b.attrInt("noop_with_empty_axes", 0)
		if err != nil {
			return nil, err
		}
		attrAxes, _, err := b.attrInts("axes")
		if err != nil {
			return nil, err
		}
		return one(func(in []*tensor) (*tensor, error) {
			axes := attrAxes
			if len(in) > 1 && in[1] != nil {
				if axes, err = in[1].ints(); err != nil {
					return nil, err
				}
			}
			return reduce(kind, in[0], axes, keep != 0, noop != 0)
		}), nil
	}
}

// reducedShapes returns the input shape with reduced dims set to 1 (kept)
// and the output shape, plus how many elements fold into each output.
func reducedShapes(shape []int, axes []int64, keep bool) (kept, out []int, count int, err error) {
	red := make([]bool, len(shape))
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
	}
	for _, a := range axes {
		ax, err := normAxis(a, len(shape))
		if err != nil {
			return nil, nil, 0, err
		}
		red[ax] = true
	}
	count = 1
	for i, d := range shape {
		if red[i] {
			count *= d
			kept = append(kept, 1)
			if keep {
				out = append(out, 1)
			}
			continue
		}
		kept = append(kept, d)
		out = append(out, d)
	}
	if out == nil {
		out = []int{}
	}
	return kept, out, count, nil
}

func reduce(kind reduceKind, x *tensor, axes []int64, keep, noop bool) (*tensor, error) {
	if len(axes) == 0 && noop {
		return x, nil
	}
	kept, shape, count, err := reducedShapes(x.shape, axes, keep)
	if err != nil {
		return nil, err
	}
	bc, err := newBcast(x.shape, kept)
	if err != nil {
		return nil, err
	}
	out, err := newTensor(x.dtype, shape)
	if err != nil {
		return nil, err
	}
	switch x.dtype.store() {
	case storeF32:
		acc := make([]float64, len(out.f32))
		reduceInto(kind, bc, x.f32, acc, count)
		for i, v := range acc {
			out.f32[i] = float32(v)
		}
	case storeI64:
		acc := make([]float64, len(out.i64))
		reduceInto(kind, bc, x.i64, acc, count)
		for i, v := range acc {
			out.i64[i] = int64(v)
		}
	default:
		return nil, typeErr("a numeric tensor", x)
	}
	return out, nil
}

// reduceInto folds x into acc in float64, which is at least as accurate
// as the float32 pairwise sums PyTorch uses.
func reduceInto[T float32 | int64](kind reduceKind, bc *bcast, x []T, acc []float64, count int) {
	initial := map[reduceKind]float64{reduceMax: math.Inf(-1), reduceMin: math.Inf(1), reduceProd: 1}[kind]
	for i := range acc {
		acc[i] = initial
	}
	if len(x) > 0 {
		n, sa := bc.runLen(), bc.innerStride(1)
		bc.each(func(o int, offs []int) {
			ai := offs[1]
			for _, v := range x[o : o+n] {
				acc[ai] = fold(kind, acc[ai], float64(v))
				ai += sa
			}
		})
	}
	if kind == reduceMean {
		for i := range acc {
			acc[i] /= float64(count)
		}
	}
}

func fold(kind reduceKind, a, v float64) float64 {
	switch kind {
	case reduceSum, reduceMean:
		return a + v
	case reduceSumSquare:
		return a + v*v
	case reduceProd:
		return a * v
	case reduceMax:
		if v > a || v != v {
			return v
		}
	case reduceMin:
		if v < a || v != v {
			return v
		}
	}
	return a
}

// split3 views shape as [outer, shape[axis], inner].
func split3(shape []int, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for i, d := range shape {
		switch {
		case i < axis:
			outer *= d
		case i > axis:
			inner *= d
		}
	}
	return outer, shape[axis], inner
}

func buildArgExtreme(isMax bool) builder {
	return func(b *buildCtx) (kernel, error) {
		if err := b.arity(1, 1, 1, 1); err != nil {
			return nil, err
		}
		axis, err := b.attrInt("axis", 0)
		if err != nil {
			return nil, err
		}
		keep, err := b.attrInt("keepdims", 1)
		if err != nil {
			return nil, err
		}
		last, err := b.attrInt("select_last_index", 0)
		if err != nil {
			return nil, err
		}
		return one(func(in []*tensor) (*tensor, error) {
			return argExtreme(in[0], axis, keep != 0, last != 0, isMax)
		}), nil
	}
}

func argExtreme(x *tensor, axis int64, keep, last, isMax bool) (*tensor, error) {
	ax, err := normAxis(axis, x.rank())
	if err != nil {
		return nil, err
	}
	if x.shape[ax] == 0 {
		return nil, corruptf("ArgMax/ArgMin over an empty axis")
	}
	_, shape, _, _ := reducedShapes(x.shape, []int64{int64(ax)}, keep)
	out, err := newTensor(typeInt64, shape)
	if err != nil {
		return nil, err
	}
	outer, n, inner := split3(x.shape, ax)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			base := o*n*inner + i
			best, bestV := 0, x.float64At(base)
			for k := 1; k < n; k++ {
				v := x.float64At(base + k*inner)
				better := (isMax && v > bestV) || (!isMax && v < bestV) || (last && v == bestV)
				if better {
					best, bestV = k, v
				}
			}
			out.i64[o*inner+i] = int64(best)
		}
	}
	return out, nil
}

// buildSoftmax implements Softmax and LogSoftmax with opset 13 semantics:
// normalise along one axis (default -1), not over a flattened 2-D view.
func buildSoftmax(log bool) builder {
	return func(b *buildCtx) (kernel, error) {
		if err := b.arity(1, 1, 1, 1); err != nil {
			return nil, err
		}
		if b.opset < 13 {
			return nil, unsupportedf("%s before opset 13", b.node.opType)
		}
		axis, err := b.attrInt("axis", -1)
		if err != nil {
			return nil, err
		}
		return one(func(in []*tensor) (*tensor, error) { return softmax(in[0], axis, log) }), nil
	}
}

func softmax(x *tensor, axis int64, log bool) (*tensor, error) {
	if err := wantFloat(x); err != nil {
		return nil, err
	}
	ax, err := normAxis(axis, x.rank())
	if err != nil {
		return nil, err
	}
	out := newF32Like(x)
	outer, n, inner := split3(x.shape, ax)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			base := o*n*inner + i
			softmaxLine(out.f32, x.f32, base, n, inner, log)
		}
	}
	return out, nil
}

// softmaxLine normalises the n elements at base, base+stride, ...
// subtracting the maximum first so exp cannot overflow. Exponentials are
// computed once and parked in dst (as float32) until the sum is known.
func softmaxLine(dst, src []float32, base, n, stride int, log bool) {
	m := math.Inf(-1)
	for k := 0; k < n; k++ {
		m = max(m, float64(src[base+k*stride]))
	}
	var sum float64
	for k := 0; k < n; k++ {
		e := math.Exp(float64(src[base+k*stride]) - m)
		sum += e
		if !log {
			dst[base+k*stride] = float32(e)
		}
	}
	if log {
		ls := math.Log(sum)
		for k := 0; k < n; k++ {
			dst[base+k*stride] = float32(float64(src[base+k*stride]) - m - ls)
		}
		return
	}
	inv := 1 / sum
	for k := 0; k < n; k++ {
		dst[base+k*stride] = float32(float64(dst[base+k*stride]) * inv)
	}
}
