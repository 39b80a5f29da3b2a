package onnx

import (
	"fmt"

	"github.com/paddockml/paddock/flavor"
)

// dataType is an ONNX TensorProto.DataType value.
type dataType int32

// The ONNX element types this engine knows by name. Only float, the
// integer family and bool are executed; the others are named so errors
// can say which type a model asked for.
const (
	typeFloat    dataType = 1
	typeUint8    dataType = 2
	typeInt8     dataType = 3
	typeUint16   dataType = 4
	typeInt16    dataType = 5
	typeInt32    dataType = 6
	typeInt64    dataType = 7
	typeString   dataType = 8
	typeBool     dataType = 9
	typeFloat16  dataType = 10
	typeDouble   dataType = 11
	typeUint32   dataType = 12
	typeUint64   dataType = 13
	typeBfloat16 dataType = 16
)

var typeNames = map[dataType]string{
	typeFloat: "FLOAT", typeUint8: "UINT8", typeInt8: "INT8", typeUint16: "UINT16",
	typeInt16: "INT16", typeInt32: "INT32", typeInt64: "INT64", typeString: "STRING",
	typeBool: "BOOL", typeFloat16: "FLOAT16", typeDouble: "DOUBLE", typeUint32: "UINT32",
	typeUint64: "UINT64", typeBfloat16: "BFLOAT16",
}

func (d dataType) String() string {
	if s, ok := typeNames[d]; ok {
		return s
	}
	return fmt.Sprintf("type(%d)", int32(d))
}

// storage says which slice of a tensor holds its elements.
type storage uint8

const (
	storeNone storage = iota
	storeF32
	storeI64
	storeBool
)

// store maps an element type to its in-memory representation. The narrow
// integer types are held widened in int64 (every value fits), which keeps
// the kernels to three element types.
func (d dataType) store() storage {
	switch d {
	case typeFloat:
		return storeF32
	case typeInt64, typeInt32, typeInt16, typeInt8, typeUint8, typeUint16, typeUint32:
		return storeI64
	case typeBool:
		return storeBool
	}
	return storeNone
}

// maxElements bounds every tensor the engine allocates, whether read from
// the model file, folded at load or computed at request time: 2^26 float32
// values are 256 MiB. Checking before allocating turns absurd shapes into
// errors instead of out-of-memory kills.
const maxElements = 1 << 26

// maxRank bounds tensor rank; ONNX models in practice stay under 8.
const maxRank = 16

// tensor is the engine's internal n-dimensional array. Tensors are
// immutable once a kernel has returned them, so kernels may alias an
// input's data (Reshape, Identity) without copying.
type tensor struct {
	dtype dataType
	shape []int
	f32   []float32
	i64   []int64
	b     []bool
	// pooled marks the tensor that owns a buffer from getF32; aliases
	// made by withShape do not own it.
	pooled bool
}

// numElements returns the product of shape or an error wrapping ErrInput
// when it is negative or exceeds maxElements.
func numElements(shape []int) (int, error) {
	if len(shape) > maxRank {
		return 0, flavor.InputError("tensor rank %d exceeds the limit of %d", len(shape), maxRank)
	}
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, flavor.InputError("negative dimension in shape %v", shape)
		}
		if d != 0 && n > maxElements/d {
			return 0, flavor.InputError("shape %v exceeds the limit of %d elements", shape, maxElements)
		}
		n *= d
	}
	return n, nil
}

// newTensor allocates a zeroed tensor of the given type and shape after
// checking the size limit. The shape slice is copied.
func newTensor(dt dataType, shape []int) (*tensor, error) {
	return allocTensor(dt, shape, true)
}

// newOutput is newTensor for kernels that overwrite every element: float
// data may hold stale values from a recycled buffer.
func newOutput(dt dataType, shape []int) (*tensor, error) {
	return allocTensor(dt, shape, false)
}

func allocTensor(dt dataType, shape []int, zeroed bool) (*tensor, error) {
	n, err := numElements(shape)
	if err != nil {
		return nil, err
	}
	t := &tensor{dtype: dt, shape: append([]int(nil), shape...)}
	switch dt.store() {
	case storeF32:
		t.f32, t.pooled = getF32(n, zeroed)
	case storeI64:
		t.i64 = make([]int64, n)
	case storeBool:
		t.b = make([]bool, n)
	default:
		return nil, unsupportedf("tensor element type %v", dt)
	}
	return t, nil
}

// len returns the number of elements.
func (t *tensor) len() int {
	n := 1
	for _, d := range t.shape {
		n *= d
	}
	return n
}

// rank returns the number of dimensions.
func (t *tensor) rank() int { return len(t.shape) }

// withShape returns a tensor sharing t's data under another shape of the
// same element count.
func (t *tensor) withShape(shape []int) *tensor {
	return &tensor{dtype: t.dtype, shape: shape, f32: t.f32, i64: t.i64, b: t.b}
}

// scalarF32 makes a rank-0 float tensor.
func scalarF32(v float32) *tensor {
	return &tensor{dtype: typeFloat, shape: []int{}, f32: []float32{v}}
}

// vectorI64 makes a rank-1 int64 tensor.
func vectorI64(v []int64) *tensor {
	return &tensor{dtype: typeInt64, shape: []int{len(v)}, i64: v}
}

// ints returns the values of an integer tensor as ints, for shape-like
// inputs (Reshape's shape, Slice's starts, axes).
func (t *tensor) ints() ([]int64, error) {
	if t.dtype.store() != storeI64 {
		return nil, flavor.InputError("expected an integer tensor, got %v", t.dtype)
	}
	return t.i64, nil
}

// float64At reads element i of a numeric tensor as float64.
func (t *tensor) float64At(i int) float64 {
	switch t.dtype.store() {
	case storeF32:
		return float64(t.f32[i])
	case storeI64:
		return float64(t.i64[i])
	case storeBool:
		if t.b[i] {
			return 1
		}
	}
	return 0
}

// sameShape reports whether two shapes are equal.
func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// normAxis maps a possibly negative axis into [0, rank) or fails.
func normAxis(axis int64, rank int) (int, error) {
	if axis < -int64(rank) || axis >= int64(rank) {
		return 0, flavor.InputError("axis %d out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += int64(rank)
	}
	return int(axis), nil
}

// strides returns row-major strides for shape.
func strides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

// newF32Like allocates a float tensor shaped like x, whose size is
// already known to be within limits, for a kernel that writes every
// element.
func newF32Like(x *tensor) *tensor {
	f, pooled := getF32(x.len(), false)
	return &tensor{dtype: typeFloat, shape: x.shape, f32: f, pooled: pooled}
}
