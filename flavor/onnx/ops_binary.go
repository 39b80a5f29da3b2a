package onnx

import (
	"math"

	"github.com/paddockml/paddock/flavor"
)

// arith identifies the four basic arithmetic operators.
type arith uint8

const (
	opAdd arith = iota
	opSub
	opMul
	opDiv
)

func buildArith(op arith) builder {
	return func(b *buildCtx) (kernel, error) {
		if err := b.arity(2, 2, 1, 1); err != nil {
			return nil, err
		}
		return one(func(in []*tensor) (*tensor, error) { return arithmetic(op, in[0], in[1]) }), nil
	}
}

// arithmetic applies op with broadcasting to two tensors of one type.
func arithmetic(op arith, x, y *tensor) (*tensor, error) {
	if x.dtype != y.dtype {
		return nil, corruptf("operands have types %v and %v", x.dtype, y.dtype)
	}
	bc, err := newBcast(x.shape, y.shape)
	if err != nil {
		return nil, err
	}
	out, err := newOutput(x.dtype, bc.out)
	if err != nil {
		return nil, err
	}
	switch x.dtype.store() {
	case storeF32:
		arithF32(op, bc, x.f32, y.f32, out.f32)
		return out, nil
	case storeI64:
		return out, arithI64(op, bc, x.i64, y.i64, out.i64)
	}
	return nil, typeErr("a numeric tensor", x)
}

// arithF32 is the float path, with a plain loop per stride pattern so the
// hot cases (same shape, bias add, scalar) compile to tight loops.
func arithF32(op arith, bc *bcast, a, b, out []float32) {
	if len(out) == 0 {
		return
	}
	n, sa, sb := bc.runLen(), bc.innerStride(0), bc.innerStride(1)
	bc.each(func(o int, offs []int) {
		dst := out[o : o+n]
		switch {
		case sa == 1 && sb == 1:
			vecVec(op, dst, a[offs[0]:offs[0]+n], b[offs[1]:offs[1]+n])
		case sa == 1:
			vecScalar(op, dst, a[offs[0]:offs[0]+n], b[offs[1]])
		case sb == 1:
			scalarVec(op, dst, a[offs[0]], b[offs[1]:offs[1]+n])
		default:
			v := applyF32(op, a[offs[0]], b[offs[1]])
			for j := range dst {
				dst[j] = v
			}
		}
	})
}

func applyF32(op arith, x, y float32) float32 {
	switch op {
	case opAdd:
		return x + y
	case opSub:
		return x - y
	case opMul:
		return x * y
	}
	return x / y
}

func vecVec(op arith, dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	switch op {
	case opAdd:
		for i := range dst {
			dst[i] = x[i] + y[i]
		}
	case opSub:
		for i := range dst {
			dst[i] = x[i] - y[i]
		}
	case opMul:
		for i := range dst {
			dst[i] = x[i] * y[i]
		}
	case opDiv:
		for i := range dst {
			dst[i] = x[i] / y[i]
		}
	}
}

func vecScalar(op arith, dst, x []float32, y float32) {
	x = x[:len(dst)]
	switch op {
	case opAdd:
		for i := range dst {
			dst[i] = x[i] + y
		}
	case opSub:
		for i := range dst {
			dst[i] = x[i] - y
		}
	case opMul:
		for i := range dst {
			dst[i] = x[i] * y
		}
	case opDiv:
		for i := range dst {
			dst[i] = x[i] / y
		}
	}
}

func scalarVec(op arith, dst []float32, x float32, y []float32) {
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = applyF32(op, x, y[i])
	}
}

func arithI64(op arith, bc *bcast, a, b, out []int64) error {
	if op == opDiv {
		for _, v := range b {
			if v == 0 {
				return flavor.InputError("integer division by zero")
			}
		}
	}
	binaryMap(bc, a, b, out, func(x, y int64) int64 {
		switch op {
		case opAdd:
			return x + y
		case opSub:
			return x - y
		case opMul:
			return x * y
		}
		return x / y // truncates toward zero, as ONNX Runtime does
	})
	return nil
}

func buildPow(b *buildCtx) (kernel, error) {
	if err := b.arity(2, 2, 1, 1); err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		x, y := in[0], in[1]
		bc, err := newBcast(x.shape, y.shape)
		if err != nil {
			return nil, err
		}
		out, err := newTensor(x.dtype, bc.out)
		if err != nil {
			return nil, err
		}
		switch {
		case x.dtype == typeFloat && y.dtype == typeFloat:
			binaryMap(bc, x.f32, y.f32, out.f32, powF32)
		case x.dtype == typeFloat && y.dtype.store() == storeI64:
			binaryMap(bc, x.f32, y.i64, out.f32, func(a float32, e int64) float32 { return powF32(a, float32(e)) })
		case x.dtype.store() == storeI64 && y.dtype.store() == storeI64:
			binaryMap(bc, x.i64, y.i64, out.i64, powI64)
		default:
			return nil, corruptf("Pow of %v by %v", x.dtype, y.dtype)
		}
		return out, nil
	}), nil
}

func powF32(x, e float32) float32 {
	if e == 2 {
		return x * x // exact either way; skips math.Pow on the LayerNorm path
	}
	return float32(math.Pow(float64(x), float64(e)))
}

func powI64(x, e int64) int64 {
	if e < 0 {
		return 0
	}
	r := int64(1)
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			r *= x
		}
		x *= x
	}
	return r
}

// cmpOp identifies a comparison operator.
type cmpOp uint8

const (
	cmpEq cmpOp = iota
	cmpLt
	cmpGt
	cmpLe
	cmpGe
)

func compareF(op cmpOp) func(x, y float32) bool {
	return [...]func(x, y float32) bool{
		func(x, y float32) bool { return x == y },
		func(x, y float32) bool { return x < y },
		func(x, y float32) bool { return x > y },
		func(x, y float32) bool { return x <= y },
		func(x, y float32) bool { return x >= y },
	}[op]
}

func compareI(op cmpOp) func(x, y int64) bool {
	return [...]func(x, y int64) bool{
		func(x, y int64) bool { return x == y },
		func(x, y int64) bool { return x < y },
		func(x, y int64) bool { return x > y },
		func(x, y int64) bool { return x <= y },
		func(x, y int64) bool { return x >= y },
	}[op]
}

func buildCompare(op cmpOp) builder {
	return func(b *buildCtx) (kernel, error) {
		if err := b.arity(2, 2, 1, 1); err != nil {
			return nil, err
		}
		return one(func(in []*tensor) (*tensor, error) {
			x, y := in[0], in[1]
			if x.dtype.store() != y.dtype.store() {
				return nil, corruptf("comparing %v with %v", x.dtype, y.dtype)
			}
			bc, err := newBcast(x.shape, y.shape)
			if err != nil {
				return nil, err
			}
			out, err := newTensor(typeBool, bc.out)
			if err != nil {
				return nil, err
			}
			switch x.dtype.store() {
			case storeF32:
				binaryMap(bc, x.f32, y.f32, out.b, compareF(op))
			case storeI64:
				binaryMap(bc, x.i64, y.i64, out.b, compareI(op))
			case storeBool:
				if op != cmpEq {
					return nil, corruptf("ordering comparison of bool tensors")
				}
				binaryMap(bc, x.b, y.b, out.b, func(p, q bool) bool { return p == q })
			}
			return out, nil
		}), nil
	}
}

func buildLogic(f func(p, q bool) bool) builder {
	return func(b *buildCtx) (kernel, error) {
		if err := b.arity(2, 2, 1, 1); err != nil {
			return nil, err
		}
		return one(func(in []*tensor) (*tensor, error) {
			x, y := in[0], in[1]
			if x.dtype != typeBool || y.dtype != typeBool {
				return nil, corruptf("logical operator on %v and %v", x.dtype, y.dtype)
			}
			bc, err := newBcast(x.shape, y.shape)
			if err != nil {
				return nil, err
			}
			out, err := newTensor(typeBool, bc.out)
			if err != nil {
				return nil, err
			}
			binaryMap(bc, x.b, y.b, out.b, f)
			return out, nil
		}), nil
	}
}

// buildVariadic serves Max, Min, Sum and Mean: a left fold of a binary
// operator over one or more broadcast inputs.
func buildVariadic(op string) builder {
	return func(b *buildCtx) (kernel, error) {
		if err := b.arity(1, -1, 1, 1); err != nil {
			return nil, err
		}
		return one(func(in []*tensor) (*tensor, error) {
			acc := in[0]
			for _, x := range in[1:] {
				var err error
				if acc, err = variadicStep(op, acc, x); err != nil {
					return nil, err
				}
			}
			if op == "Mean" {
				if err := wantFloat(acc); err != nil {
					return nil, err
				}
				return arithmetic(opDiv, acc, scalarF32(float32(len(in))))
			}
			return acc, nil
		}), nil
	}
}

func variadicStep(op string, x, y *tensor) (*tensor, error) {
	if op == "Sum" || op == "Mean" {
		return arithmetic(opAdd, x, y)
	}
	if x.dtype != y.dtype {
		return nil, corruptf("%s of %v and %v", op, x.dtype, y.dtype)
	}
	bc, err := newBcast(x.shape, y.shape)
	if err != nil {
		return nil, err
	}
	out, err := newTensor(x.dtype, bc.out)
	if err != nil {
		return nil, err
	}
	isMax := op == "Max"
	switch x.dtype.store() {
	case storeF32:
		binaryMap(bc, x.f32, y.f32, out.f32, func(p, q float32) float32 {
			if p != p || q != q {
				return float32(math.NaN())
			}
			if (p < q) == isMax {
				return q
			}
			return p
		})
	case storeI64:
		binaryMap(bc, x.i64, y.i64, out.i64, func(p, q int64) int64 {
			if (p < q) == isMax {
				return q
			}
			return p
		})
	default:
		return nil, typeErr("a numeric tensor", x)
	}
	return out, nil
}
