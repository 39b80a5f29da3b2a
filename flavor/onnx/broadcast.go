package onnx

import (
	"github.com/paddockml/paddock/flavor"
)

// broadcastShape returns the numpy-style broadcast of the given shapes:
// shapes are right-aligned and each dimension must match or be 1.
func broadcastShape(shapes ...[]int) ([]int, error) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := make([]int, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			switch {
			case d == out[off+i] || d == 1:
			case out[off+i] == 1:
				out[off+i] = d
			default:
				return nil, flavor.InputError("shapes %v cannot be broadcast together", shapes)
			}
		}
	}
	return out, nil
}

// bcast walks the output of an n-ary broadcasting op in contiguous runs.
// Adjacent dimensions in which every operand either broadcasts or not are
// merged first, so the common cases (same shape, bias over the last axis,
// scalar operand) become one or a few long runs instead of an odometer
// step per element.
type bcast struct {
	out     []int   // broadcast output shape
	dims    []int   // coalesced dimensions
	strides [][]int // per operand, per coalesced dimension; 0 = broadcast
}

func newBcast(shapes ...[]int) (*bcast, error) {
	out, err := broadcastShape(shapes...)
	if err != nil {
		return nil, err
	}
	rank := len(out)
	full := make([][]int, len(shapes))
	for k, s := range shapes {
		full[k] = make([]int, rank)
		st := 1
		for i := len(s) - 1; i >= 0; i-- {
			if s[i] != 1 {
				full[k][rank-len(s)+i] = st
			}
			st *= s[i]
		}
	}
	b := &bcast{out: out, strides: make([][]int, len(shapes))}
	for i := 0; i < rank; i++ {
		if out[i] == 1 {
			continue // size-1 dims contribute nothing to the walk
		}
		last := len(b.dims) - 1
		if last >= 0 && b.mergeable(full, i) {
			b.dims[last] *= out[i]
			for k := range full {
				b.strides[k][last] = full[k][i]
			}
			continue
		}
		b.dims = append(b.dims, out[i])
		for k := range full {
			b.strides[k] = append(b.strides[k], full[k][i])
		}
	}
	return b, nil
}

// mergeable reports whether output dim i can fold into the previous
// coalesced dim: for every operand both are broadcast, or dim i is
// contiguous with the previous one.
func (b *bcast) mergeable(full [][]int, i int) bool {
	last := len(b.dims) - 1
	for k := range full {
		prev, cur := b.strides[k][last], full[k][i]
		if (prev == 0) != (cur == 0) {
			return false
		}
		if prev != 0 && prev != cur*b.out[i] {
			return false
		}
	}
	return true
}

// runLen is the length of each contiguous run each passes to fn.
func (b *bcast) runLen() int {
	if len(b.dims) == 0 {
		return 1
	}
	return b.dims[len(b.dims)-1]
}

// innerStride is operand k's stride within a run: 1, or 0 when it is
// broadcast along the run.
func (b *bcast) innerStride(k int) int {
	if len(b.dims) == 0 {
		return 0
	}
	return b.strides[k][len(b.dims)-1]
}

// each calls fn for every run with the output offset and each operand's
// offset. offs is reused between calls.
func (b *bcast) each(fn func(o int, offs []int)) {
	for _, d := range b.dims {
		if d == 0 {
			return
		}
	}
	offs := make([]int, len(b.strides))
	r := len(b.dims)
	if r <= 1 {
		fn(0, offs)
		return
	}
	outer := b.dims[:r-1]
	idx := make([]int, len(outer))
	run := b.dims[r-1]
	for o := 0; ; o += run {
		fn(o, offs)
		d := len(outer) - 1
		for ; d >= 0; d-- {
			idx[d]++
			for k := range offs {
				offs[k] += b.strides[k][d]
			}
			if idx[d] < outer[d] {
				break
			}
			for k := range offs {
				offs[k] -= b.strides[k][d] * outer[d]
			}
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// binaryMap applies f over two broadcast operands into out (sized to the
// broadcast shape). It is the generic path; hot float arithmetic has its
// own loops in ops_binary.go.
func binaryMap[A, B, O any](bc *bcast, a []A, b []B, out []O, f func(A, B) O) {
	if len(out) == 0 {
		return
	}
	n, sa, sb := bc.runLen(), bc.innerStride(0), bc.innerStride(1)
	bc.each(func(o int, offs []int) {
		ai, bi := offs[0], offs[1]
		dst := out[o : o+n]
		for j := range dst {
			dst[j] = f(a[ai], b[bi])
			ai += sa
			bi += sb
		}
	})
}
