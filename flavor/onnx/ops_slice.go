package onnx

import (
	"math"

	"github.com/paddockml/paddock/flavor"
)

// copyBlock copies n elements from src at so to dst at do; both tensors
// have the same storage.
func copyBlock(dst, src *tensor, do, so, n int) {
	switch src.dtype.store() {
	case storeF32:
		copy(dst.f32[do:do+n], src.f32[so:so+n])
	case storeI64:
		copy(dst.i64[do:do+n], src.i64[so:so+n])
	case storeBool:
		copy(dst.b[do:do+n], src.b[so:so+n])
	}
}

// gatherStrided fills dst (of shape outShape, row-major) from src, where
// output element at multi-index i comes from src offset
// base + sum(i[d] * srcStrides[d]).
func gatherStrided(dst, src *tensor, outShape, srcStrides []int, base int) {
	switch src.dtype.store() {
	case storeF32:
		stridedCopy(dst.f32, src.f32, outShape, srcStrides, base)
	case storeI64:
		stridedCopy(dst.i64, src.i64, outShape, srcStrides, base)
	case storeBool:
		stridedCopy(dst.b, src.b, outShape, srcStrides, base)
	}
}

func stridedCopy[T any](dst, src []T, shape, st []int, base int) {
	if len(dst) == 0 {
		return
	}
	r := len(shape)
	if r == 0 {
		dst[0] = src[base]
		return
	}
	idx := make([]int, r)
	inner, is := shape[r-1], st[r-1]
	off := base
	for o := 0; o < len(dst); o += inner {
		s := off
		for j := range dst[o : o+inner] {
			dst[o+j] = src[s]
			s += is
		}
		for d := r - 2; d >= 0; d-- {
			idx[d]++
			off += st[d]
			if idx[d] < shape[d] {
				break
			}
			off -= st[d] * shape[d]
			idx[d] = 0
		}
	}
}

func buildTranspose(b *buildCtx) (kernel, error) {
	if err := b.arity(1, 1, 1, 1); err != nil {
		return nil, err
	}
	perm, hasPerm, err := b.attrInts("perm")
	if err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		x := in[0]
		p := perm
		if !hasPerm {
			p = make([]int64, x.rank())
			for i := range p {
				p[i] = int64(x.rank() - 1 - i)
			}
		}
		return transpose(x, p)
	}), nil
}

func transpose(x *tensor, perm []int64) (*tensor, error) {
	if len(perm) != x.rank() {
		return nil, flavor.InputError("Transpose perm %v for rank %d", perm, x.rank())
	}
	seen := make([]bool, len(perm))
	shape := make([]int, len(perm))
	st := make([]int, len(perm))
	xs := strides(x.shape)
	for i, p := range perm {
		if p < 0 || int(p) >= len(perm) || seen[p] {
			return nil, corruptf("Transpose perm %v is not a permutation", perm)
		}
		seen[p] = true
		shape[i], st[i] = x.shape[p], xs[p]
	}
	out, err := newTensor(x.dtype, shape)
	if err != nil {
		return nil, err
	}
	if x.rank() == 2 && x.dtype == typeFloat && perm[0] == 1 {
		transpose2D(out.f32, x.f32, x.shape[0], x.shape[1])
		return out, nil
	}
	gatherStrided(out, x, shape, st, 0)
	return out, nil
}

func buildSlice(b *buildCtx) (kernel, error) {
	if err := b.arity(3, 5, 1, 1); err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		x := in[0]
		var params [4][]int64
		for i := range params {
			if i+1 < len(in) && in[i+1] != nil {
				v, err := in[i+1].ints()
				if err != nil {
					return nil, err
				}
				params[i] = v
			}
		}
		return slice(x, params[0], params[1], params[2], params[3])
	}), nil
}

// slice implements Slice (opset 10+) with ONNX's clamping rules: indices
// may be negative (from the end) or far out of range (INT64_MAX means
// "to the end"); negative steps walk backwards.
func slice(x *tensor, starts, ends, axes, steps []int64) (*tensor, error) {
	if len(ends) != len(starts) || (axes != nil && len(axes) != len(starts)) || (steps != nil && len(steps) != len(starts)) {
		return nil, flavor.InputError("Slice starts/ends/axes/steps lengths differ")
	}
	shape := append([]int(nil), x.shape...)
	begin := make([]int, x.rank())
	step := make([]int, x.rank())
	for i := range step {
		step[i] = 1
	}
	done := make([]bool, x.rank())
	for i := range starts {
		ax := int64(i)
		if axes != nil {
			ax = axes[i]
		}
		a, err := normAxis(ax, x.rank())
		if err != nil || done[a] {
			return nil, flavor.InputError("Slice axis %d invalid or repeated for rank %d", ax, x.rank())
		}
		done[a] = true
		s := int64(1)
		if steps != nil {
			s = steps[i]
		}
		if s == 0 {
			return nil, flavor.InputError("Slice step 0")
		}
		begin[a], shape[a] = sliceRange(starts[i], ends[i], s, int64(x.shape[a]))
		step[a] = int(s)
	}
	out, err := newTensor(x.dtype, shape)
	if err != nil {
		return nil, err
	}
	xs := strides(x.shape)
	base := 0
	st := make([]int, x.rank())
	for d := range st {
		base += begin[d] * xs[d]
		st[d] = step[d] * xs[d]
	}
	gatherStrided(out, x, shape, st, base)
	return out, nil
}

// sliceRange returns the first index and element count along one axis.
func sliceRange(start, end, step, dim int64) (int, int) {
	norm := func(v int64) int64 {
		if v < 0 {
			if v < math.MinInt64+dim {
				return -1
			}
			return v + dim
		}
		return v
	}
	s, e := norm(start), norm(end)
	if step > 0 {
		s, e = min(max(s, 0), dim), min(max(e, 0), dim)
		if e <= s {
			return 0, 0
		}
		return int(s), int((e-s-1)/step + 1)
	}
	s, e = min(max(s, 0), dim-1), min(max(e, -1), dim-1)
	if s <= e {
		return 0, 0
	}
	back := -step
	if back < 0 { // step was MinInt64
		back = math.MaxInt64
	}
	return int(s), int((s-e-1)/back + 1)
}

func buildConcat(b *buildCtx) (kernel, error) {
	if err := b.arity(1, -1, 1, 1); err != nil {
		return nil, err
	}
	axis, err := b.attrInt("axis", math.MinInt64)
	if err != nil || axis == math.MinInt64 {
		return nil, corruptf("Concat needs an axis attribute")
	}
	return one(func(in []*tensor) (*tensor, error) { return concat(in, axis) }), nil
}

func concat(in []*tensor, axis int64) (*tensor, error) {
	first := in[0]
	ax, err := normAxis(axis, first.rank())
	if err != nil {
		return nil, err
	}
	shape := append([]int(nil), first.shape...)
	shape[ax] = 0
	for _, t := range in {
		if t == nil || t.dtype != first.dtype || t.rank() != first.rank() {
			return nil, corruptf("Concat inputs differ in type or rank")
		}
		for d := range shape {
			if d != ax && t.shape[d] != first.shape[d] {
				return nil, flavor.InputError("Concat of shapes %v and %v on axis %d", first.shape, t.shape, ax)
			}
		}
		shape[ax] += t.shape[ax]
	}
	out, err := newTensor(first.dtype, shape)
	if err != nil {
		return nil, err
	}
	outer, _, inner := split3(shape, ax)
	o := 0
	for i := 0; i < outer; i++ {
		for _, t := range in {
			n := t.shape[ax] * inner
			copyBlock(out, t, o, i*n, n)
			o += n
		}
	}
	return out, nil
}

func buildSplit(b *buildCtx) (kernel, error) {
	if err := b.arity(1, 2, 1, maxOutputs); err != nil {
		return nil, err
	}
	axis, err := b.attrInt("axis", 0)
	if err != nil {
		return nil, err
	}
	attrSplit, _, err := b.attrInts("split")
	if err != nil {
		return nil, err
	}
	nOut := len(b.node.outputs)
	return pure(func(in []*tensor) ([]*tensor, error) {
		sizes := attrSplit
		if len(in) > 1 && in[1] != nil {
			if sizes, err = in[1].ints(); err != nil {
				return nil, err
			}
		}
		return split(in[0], axis, sizes, nOut)
	}), nil
}

func split(x *tensor, axis int64, sizes []int64, nOut int) ([]*tensor, error) {
	ax, err := normAxis(axis, x.rank())
	if err != nil {
		return nil, err
	}
	dim := int64(x.shape[ax])
	if sizes == nil {
		part := (dim + int64(nOut) - 1) / int64(nOut)
		for rest := dim; len(sizes) < nOut; rest -= part {
			sizes = append(sizes, min(part, max(rest, 0)))
		}
	}
	var sum int64
	for _, s := range sizes {
		if s < 0 {
			return nil, flavor.InputError("Split size %d", s)
		}
		sum += s
	}
	if len(sizes) != nOut || sum != dim {
		return nil, flavor.InputError("Split sizes %v do not cover dim %d in %d parts", sizes, dim, nOut)
	}
	outs := make([]*tensor, nOut)
	var at int64
	for i, s := range sizes {
		o, err := slice(x, []int64{at}, []int64{at + s}, []int64{int64(ax)}, nil)
		if err != nil {
			return nil, err
		}
		outs[i], at = o, at+s
	}
	return outs, nil
}

func buildGather(b *buildCtx) (kernel, error) {
	if err := b.arity(2, 2, 1, 1); err != nil {
		return nil, err
	}
	axis, err := b.attrInt("axis", 0)
	if err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) { return gather(in[0], in[1], axis) }), nil
}

// gather implements Gather: out = data.shape[:axis] + indices.shape +
// data.shape[axis+1:]. Negative indices count from the end; anything
// outside [-n, n) is the caller's error (e.g. a token id beyond the
// vocabulary), reported as ErrInput rather than a panic.
func gather(data, idx *tensor, axis int64) (*tensor, error) {
	ax, err := normAxis(axis, data.rank())
	if err != nil {
		return nil, err
	}
	ids, err := idx.ints()
	if err != nil {
		return nil, err
	}
	outer, n, inner := split3(data.shape, ax)
	shape := append(append(append([]int(nil), data.shape[:ax]...), idx.shape...), data.shape[ax+1:]...)
	out, err := newTensor(data.dtype, shape)
	if err != nil {
		return nil, err
	}
	o := 0
	for i := 0; i < outer; i++ {
		for _, id := range ids {
			if id < -int64(n) || id >= int64(n) {
				return nil, flavor.InputError("Gather index %d out of range [%d, %d)", id, -n, n)
			}
			if id < 0 {
				id += int64(n)
			}
			copyBlock(out, data, o, (i*n+int(id))*inner, inner)
			o += inner
		}
	}
	return out, nil
}
