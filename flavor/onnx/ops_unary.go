package onnx

import (
	"math"
)

// unaryFloat builds an elementwise float32 operator. Transcendentals are
// evaluated in float64 and rounded once, which stays within an ulp of
// PyTorch's float32 kernels.
func unaryFloat(f func(x float32) float32) builder {
	return unaryFloatVec(func(dst, src []float32) {
		for i, v := range src {
			dst[i] = f(v)
		}
	})
}

// unaryFloatVec builds an elementwise float32 operator from a function
// over whole slices, for the hot activations whose per-element call
// would cost more than the work.
func unaryFloatVec(f func(dst, src []float32)) builder {
	return func(b *buildCtx) (kernel, error) {
		if err := b.arity(1, 1, 1, 1); err != nil {
			return nil, err
		}
		return one(func(in []*tensor) (*tensor, error) {
			x := in[0]
			if err := wantFloat(x); err != nil {
				return nil, err
			}
			out, err := newTensor(typeFloat, x.shape)
			if err != nil {
				return nil, err
			}
			f(out.f32, x.f32)
			return out, nil
		}), nil
	}
}

// unaryNumeric builds an elementwise operator defined for float and
// integer tensors.
func unaryNumeric(f func(float32) float32, g func(int64) int64) builder {
	return func(b *buildCtx) (kernel, error) {
		if err := b.arity(1, 1, 1, 1); err != nil {
			return nil, err
		}
		return one(func(in []*tensor) (*tensor, error) {
			x := in[0]
			switch x.dtype.store() {
			case storeF32:
				out := newF32Like(x)
				for i, v := range x.f32 {
					out.f32[i] = f(v)
				}
				return out, nil
			case storeI64:
				out := &tensor{dtype: x.dtype, shape: x.shape, i64: make([]int64, len(x.i64))}
				for i, v := range x.i64 {
					out.i64[i] = g(v)
				}
				return out, nil
			}
			return nil, typeErr("a numeric tensor", x)
		}), nil
	}
}

func wantFloat(t *tensor) error {
	if t.dtype != typeFloat {
		return typeErr("a float tensor", t)
	}
	return nil
}

func typeErr(want string, t *tensor) error {
	return corruptf("expected %s, got %v", want, t.dtype)
}

func f64(f func(float64) float64) func(float32) float32 {
	return func(x float32) float32 { return float32(f(float64(x))) }
}

// reluVec is max(x, 0) with NaN passed through, as PyTorch does.
func reluVec(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		if v > 0 || v != v {
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}

func sigmoid(x float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(x))))
}

func softplus(x float32) float32 {
	v := float64(x)
	if v > 20 {
		return x
	}
	return float32(math.Log1p(math.Exp(v)))
}

// geluErf is GELU with the exact erf form, PyTorch's default.
func geluErf(x float32) float32 {
	v := float64(x)
	return float32(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
}

// geluTanh is GELU's tanh approximation (approximate="tanh").
func geluTanh(x float32) float32 {
	v := float64(x)
	return float32(0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v))))
}

func buildGelu(b *buildCtx) (kernel, error) {
	mode, err := b.attrString("approximate", "none")
	if err != nil {
		return nil, err
	}
	switch mode {
	case "none":
		return unaryFloat(geluErf)(b)
	case "tanh":
		return unaryFloat(geluTanh)(b)
	}
	return nil, unsupportedf("Gelu approximate=%q", mode)
}

func buildLeakyRelu(b *buildCtx) (kernel, error) {
	alpha, err := b.attrFloat("alpha", 0.01)
	if err != nil {
		return nil, err
	}
	return unaryFloat(func(x float32) float32 {
		if x < 0 {
			return alpha * x
		}
		return x
	})(b)
}

func buildElu(b *buildCtx) (kernel, error) {
	alpha, err := b.attrFloat("alpha", 1)
	if err != nil {
		return nil, err
	}
	return unaryFloat(func(x float32) float32 {
		if x < 0 {
			return float32(float64(alpha) * math.Expm1(float64(x)))
		}
		return x
	})(b)
}

func buildNot(b *buildCtx) (kernel, error) {
	if err := b.arity(1, 1, 1, 1); err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		x := in[0]
		if x.dtype != typeBool {
			return nil, typeErr("a bool tensor", x)
		}
		out := &tensor{dtype: typeBool, shape: x.shape, b: make([]bool, len(x.b))}
		for i, v := range x.b {
			out.b[i] = !v
		}
		return out, nil
	}), nil
}

// buildIdentity also serves Dropout, which is the identity at inference;
// Dropout's optional mask output is all true (every element kept).
func buildIdentity(b *buildCtx) (kernel, error) {
	maxIn, maxOut := 1, 1
	if b.node.opType == "Dropout" {
		maxIn, maxOut = 3, 2
	}
	if err := b.arity(1, maxIn, 1, maxOut); err != nil {
		return nil, err
	}
	wantMask := len(b.node.outputs) == 2 && b.node.outputs[1] != ""
	return pure(func(in []*tensor) ([]*tensor, error) {
		x := in[0]
		if !wantMask {
			return []*tensor{x}, nil
		}
		mask := &tensor{dtype: typeBool, shape: x.shape, b: make([]bool, x.len())}
		for i := range mask.b {
			mask.b[i] = true
		}
		return []*tensor{x, mask}, nil
	}), nil
}
