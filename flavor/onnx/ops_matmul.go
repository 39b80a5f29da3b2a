package onnx

import (
	"github.com/paddockml/paddock/flavor"
)

// buildGemm implements Gemm: Y = alpha·op(A)·op(B) + beta·C. A constant B
// (the weights of every exported nn.Linear) is transposed into k×n layout
// once here, so requests run the i-k-j kernel without repacking.
func buildGemm(b *buildCtx) (kernel, error) {
	if err := b.arity(2, 3, 1, 1); err != nil {
		return nil, err
	}
	g := &gemmOp{}
	var err error
	if g.alpha, err = b.attrFloat("alpha", 1); err != nil {
		return nil, err
	}
	if g.beta, err = b.attrFloat("beta", 1); err != nil {
		return nil, err
	}
	if g.transA, err = b.attrInt("transA", 0); err != nil {
		return nil, err
	}
	if g.transB, err = b.attrInt("transB", 0); err != nil {
		return nil, err
	}
	if w := b.constInput(1); w != nil {
		if g.packed, err = g.packB(w); err != nil {
			return nil, err
		}
		if g.transB != 0 && w.shape[0] < narrowN {
			g.rows = w
		}
	}
	return one(g.run), nil
}

type gemmOp struct {
	alpha, beta    float32
	transA, transB int64
	packed         *tensor // B as k×n when constant
	rows           *tensor // B as n×k (its transB layout) for narrow outputs
}

// narrowN is the output width under which the dot-product kernel is used.
const narrowN = 16

// packB returns B as a k×n float matrix, transposing if transB is set.
func (g *gemmOp) packB(w *tensor) (*tensor, error) {
	if err := wantFloat(w); err != nil {
		return nil, err
	}
	if w.rank() != 2 {
		return nil, flavor.InputError("Gemm B has rank %d", w.rank())
	}
	if g.transB == 0 {
		return w, nil
	}
	t := &tensor{dtype: typeFloat, shape: []int{w.shape[1], w.shape[0]}, f32: make([]float32, len(w.f32))}
	transpose2D(t.f32, w.f32, w.shape[0], w.shape[1])
	return t, nil
}

func (g *gemmOp) run(in []*tensor) (*tensor, error) {
	a, bm := in[0], g.packed
	if err := wantFloat(a); err != nil {
		return nil, err
	}
	if a.rank() != 2 {
		return nil, flavor.InputError("Gemm A has shape %v, want 2-D", a.shape)
	}
	if bm == nil {
		var err error
		if bm, err = g.packB(in[1]); err != nil {
			return nil, err
		}
	}
	m, k := a.shape[0], a.shape[1]
	if g.transA != 0 {
		t := &tensor{dtype: typeFloat, shape: []int{k, m}, f32: make([]float32, len(a.f32))}
		transpose2D(t.f32, a.f32, m, k)
		a, m, k = t, k, m
	}
	if bm.shape[0] != k {
		return nil, flavor.InputError("Gemm of %v by %v: inner dimensions differ", a.shape, bm.shape)
	}
	n := bm.shape[1]
	out, err := newOutput(typeFloat, []int{m, n}) // compute writes every element
	if err != nil {
		return nil, err
	}
	var c *tensor
	if len(in) > 2 {
		c = in[2]
	}
	return out, g.compute(out, a, bm, c, m, n, k)
}

// compute fills out. With the usual alpha = beta = 1 and a row-vector
// bias, rows start as the bias and the product accumulates onto it, the
// order PyTorch's addmm uses.
func (g *gemmOp) compute(out, a, bm, c *tensor, m, n, k int) error {
	if c != nil && c.dtype != typeFloat {
		return typeErr("a float bias", c)
	}
	rowBias := c != nil && g.alpha == 1 && g.beta == 1 && c.len() == n && (c.rank() == 1 || (c.rank() == 2 && c.shape[0] == 1))
	if rowBias {
		for i := 0; i < m; i++ {
			copy(out.f32[i*n:(i+1)*n], c.f32)
		}
	} else {
		clear(out.f32)
	}
	if g.rows != nil {
		gemmDotAcc(m, n, k, a.f32, k, g.rows.f32, out.f32, n)
	} else {
		gemmAcc(m, n, k, a.f32, k, bm.f32, n, out.f32, n)
	}
	if rowBias {
		return nil
	}
	if g.alpha != 1 {
		for i := range out.f32 {
			out.f32[i] *= g.alpha
		}
	}
	if c == nil || g.beta == 0 {
		return nil
	}
	cb, err := expandTo(c, out.shape)
	if err != nil || !sameShape(cb.shape, out.shape) {
		return flavor.InputError("Gemm C of shape %v does not broadcast to %v", c.shape, out.shape)
	}
	for i, v := range cb.f32 {
		out.f32[i] += g.beta * v
	}
	return nil
}

func buildMatMul(b *buildCtx) (kernel, error) {
	if err := b.arity(2, 2, 1, 1); err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) { return matmul(in[0], in[1]) }), nil
}

// matmul implements numpy matmul semantics: 1-D operands are promoted and
// the promoted dim dropped again; leading (batch) dims broadcast.
func matmul(a, b *tensor) (*tensor, error) {
	if err := wantFloat(a); err != nil {
		return nil, err
	}
	if err := wantFloat(b); err != nil {
		return nil, err
	}
	if a.rank() == 0 || b.rank() == 0 {
		return nil, flavor.InputError("MatMul of a scalar")
	}
	as, bs := a.shape, b.shape
	if len(as) == 1 {
		as = []int{1, as[0]}
	}
	if len(bs) == 1 {
		bs = []int{bs[0], 1}
	}
	m, k, n := as[len(as)-2], as[len(as)-1], bs[len(bs)-1]
	if bs[len(bs)-2] != k {
		return nil, flavor.InputError("MatMul of %v by %v: inner dimensions differ", a.shape, b.shape)
	}
	bc, err := newBcast(as[:len(as)-2], bs[:len(bs)-2])
	if err != nil {
		return nil, err
	}
	shape := append(append([]int(nil), bc.out...), m, n)
	out, err := newOutput(typeFloat, shape) // sgemm clears its output
	if err != nil {
		return nil, err
	}
	if len(bs) == 2 {
		// Weights shared by every batch entry: one tall gemm.
		rows := m
		for _, d := range bc.out {
			rows *= d
		}
		sgemm(rows, n, k, a.f32, k, b.f32, n, out.f32, n)
	} else {
		batchedGemm(bc, a.f32, b.f32, out.f32, m, n, k)
	}
	out.shape = matmulShape(a.rank(), b.rank(), bc.out, m, n)
	return out, nil
}

func batchedGemm(bc *bcast, a, b, out []float32, m, n, k int) {
	if len(out) == 0 {
		return
	}
	run, sa, sb := bc.runLen(), bc.innerStride(0), bc.innerStride(1)
	bc.each(func(o int, offs []int) {
		ai, bi := offs[0], offs[1]
		for j := 0; j < run; j++ {
			oo := (o + j) * m * n
			sgemm(m, n, k, a[ai*m*k:], k, b[bi*k*n:], n, out[oo:oo+m*n], n)
			ai, bi = ai+sa, bi+sb
		}
	})
}

// matmulShape drops the dims added by promoting 1-D operands.
func matmulShape(rankA, rankB int, batch []int, m, n int) []int {
	out := append([]int{}, batch...)
	if rankA > 1 {
		out = append(out, m)
	}
	if rankB > 1 {
		out = append(out, n)
	}
	return out
}
