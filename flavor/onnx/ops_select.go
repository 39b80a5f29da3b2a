package onnx

import (
	"math"
)

func buildWhere(b *buildCtx) (kernel, error) {
	if err := b.arity(3, 3, 1, 1); err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		c, x, y := in[0], in[1], in[2]
		if c.dtype != typeBool {
			return nil, typeErr("a bool condition", c)
		}
		if x.dtype != y.dtype {
			return nil, corruptf("Where branches have types %v and %v", x.dtype, y.dtype)
		}
		bc, err := newBcast(c.shape, x.shape, y.shape)
		if err != nil {
			return nil, err
		}
		out, err := newTensor(x.dtype, bc.out)
		if err != nil {
			return nil, err
		}
		switch x.dtype.store() {
		case storeF32:
			where(bc, c.b, x.f32, y.f32, out.f32)
		case storeI64:
			where(bc, c.b, x.i64, y.i64, out.i64)
		case storeBool:
			where(bc, c.b, x.b, y.b, out.b)
		}
		return out, nil
	}), nil
}

func where[T any](bc *bcast, c []bool, x, y, out []T) {
	if len(out) == 0 {
		return
	}
	n := bc.runLen()
	sc, sx, sy := bc.innerStride(0), bc.innerStride(1), bc.innerStride(2)
	bc.each(func(o int, offs []int) {
		ci, xi, yi := offs[0], offs[1], offs[2]
		for j := 0; j < n; j++ {
			if c[ci] {
				out[o+j] = x[xi]
			} else {
				out[o+j] = y[yi]
			}
			ci, xi, yi = ci+sc, xi+sx, yi+sy
		}
	})
}

// buildClip implements Clip from opset 11 on, where min and max are
// optional scalar inputs rather than attributes.
func buildClip(b *buildCtx) (kernel, error) {
	if err := b.arity(1, 3, 1, 1); err != nil {
		return nil, err
	}
	return one(func(in []*tensor) (*tensor, error) {
		x := in[0]
		lo, hi, err := clipBounds(x, in[1:])
		if err != nil {
			return nil, err
		}
		out, err := newTensor(x.dtype, x.shape)
		if err != nil {
			return nil, err
		}
		switch x.dtype.store() {
		case storeF32:
			l, h := float32(lo), float32(hi)
			for i, v := range x.f32 {
				out.f32[i] = min(max(v, l), h)
			}
		case storeI64:
			l, h := int64(max(lo, math.MinInt64)), int64(min(hi, math.MaxInt64))
			for i, v := range x.i64 {
				out.i64[i] = min(max(v, l), h)
			}
		default:
			return nil, typeErr("a numeric tensor", x)
		}
		return out, nil
	}), nil
}

func clipBounds(x *tensor, bounds []*tensor) (lo, hi float64, err error) {
	lo, hi = math.Inf(-1), math.Inf(1)
	for i, t := range bounds {
		if t == nil {
			continue
		}
		if t.len() != 1 || t.dtype != x.dtype {
			return 0, 0, corruptf("Clip bound must be a scalar of the input type, got %v %v", t.dtype, t.shape)
		}
		if i == 0 {
			lo = t.float64At(0)
		} else {
			hi = t.float64At(0)
		}
	}
	return lo, hi, nil
}

func buildCast(b *buildCtx) (kernel, error) {
	if err := b.arity(1, 1, 1, 1); err != nil {
		return nil, err
	}
	to, err := b.attrInt("to", 0)
	if err != nil {
		return nil, err
	}
	dt := dataType(to)
	if dt.store() == storeNone {
		return nil, unsupportedf("Cast to %v", dt)
	}
	return one(func(in []*tensor) (*tensor, error) { return castTensor(in[0], dt) }), nil
}

// castTensor converts x to element type dt. Float to integer truncates
// toward zero; narrow integer targets wrap like a C cast.
func castTensor(x *tensor, dt dataType) (*tensor, error) {
	if x.dtype == dt {
		return x, nil
	}
	out, err := newTensor(dt, x.shape)
	if err != nil {
		return nil, err
	}
	n := x.len()
	for i := 0; i < n; i++ {
		switch dt.store() {
		case storeF32:
			out.f32[i] = float32(x.float64At(i))
		case storeBool:
			out.b[i] = x.float64At(i) != 0
		case storeI64:
			out.i64[i] = wrapInt(dt, intAt(x, i))
		}
	}
	return out, nil
}

func intAt(x *tensor, i int) int64 {
	switch x.dtype.store() {
	case storeI64:
		return x.i64[i]
	case storeF32:
		v := float64(x.f32[i])
		if v != v || v >= math.MaxInt64 || v < math.MinInt64 {
			return math.MinInt64 // what x86 produces for out-of-range conversions
		}
		return int64(v)
	}
	if x.b[i] {
		return 1
	}
	return 0
}

func wrapInt(dt dataType, v int64) int64 {
	switch dt {
	case typeInt32:
		return int64(int32(v))
	case typeInt16:
		return int64(int16(v))
	case typeInt8:
		return int64(int8(v))
	case typeUint8:
		return int64(uint8(v))
	case typeUint16:
		return int64(uint16(v))
	case typeUint32:
		return int64(uint32(v))
	}
	return v
}
