package sklearn

import (
	"fmt"
	"math"

	"github.com/nlpodyssey/gopickle/types"

	"github.com/paddockml/paddock/flavor"
)

// ndarray is a rebuilt numpy array: its shape and type with the raw bytes
// as pickled (numeric and structured dtypes) or the element values
// (object dtype). Element access converts on demand.
type ndarray struct {
	dt      *dtype
	shape   []int
	fortran bool
	raw     []byte
	objs    []any
	filled  bool
	g       *guardReader // charged for every conversion
}

type ndarrayClass struct{}

type reconstructFunc struct{ g *guardReader }

// Call implements types.Callable: _reconstruct(ndarray, (0,), b"b")
// creates the empty array that BUILD then fills.
func (f reconstructFunc) Call(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, fmt.Errorf("%w: _reconstruct without arguments", flavor.ErrCorrupt)
	}
	if _, ok := args[0].(ndarrayClass); !ok {
		return nil, fmt.Errorf("%w: _reconstruct of %s", flavor.ErrUnsupported, typeName(args[0]))
	}
	return &ndarray{g: f.g}, nil
}

// PySetState implements types.PyStateSettable: (version, shape, dtype,
// is_fortran, data).
func (a *ndarray) PySetState(state any) error {
	t, ok := state.(*types.Tuple)
	if !ok || t.Len() != 5 {
		return fmt.Errorf("%w: ndarray state is not a 5-tuple", flavor.ErrCorrupt)
	}
	dt, ok := t.Get(2).(*dtype)
	if !ok {
		return fmt.Errorf("%w: ndarray dtype is %s", flavor.ErrCorrupt, typeName(t.Get(2)))
	}
	fortran, _ := t.Get(3).(bool)
	return a.fill(dt, t.Get(1), fortran, t.Get(4))
}

// fill sets the array's contents after checking that the shape matches
// the data exactly, before anything is allocated from the shape.
func (a *ndarray) fill(dt *dtype, shapeV any, fortran bool, data any) error {
	shape, err := shapeOf(shapeV)
	if err != nil {
		return err
	}
	count, err := shapeProduct(shape)
	if err != nil {
		return err
	}
	// A later BUILD on the same dtype object must not change how this
	// array's bytes are read.
	dt = dt.snapshot()
	for name, f := range dt.fields {
		if f.offset < 0 || f.offset+f.dt.size > dt.size {
			return fmt.Errorf("%w: dtype field %q does not fit the %d-byte record", flavor.ErrCorrupt, clip(name), dt.size)
		}
	}
	if dt.kind == 'O' {
		items, ok := asList(data)
		if !ok || len(items) != count {
			return fmt.Errorf("%w: object array of shape %v holds %s", flavor.ErrCorrupt, shape, typeName(data))
		}
		a.dt, a.shape, a.fortran, a.objs, a.filled = dt, shape, fortran, items, true
		return nil
	}
	raw, ok := bytesOf(data)
	if !ok {
		return fmt.Errorf("%w: array data is %s", flavor.ErrCorrupt, typeName(data))
	}
	if dt.size == 0 || count > len(raw)/dt.size || count*dt.size != len(raw) {
		return fmt.Errorf("%w: array of shape %v and dtype %s needs %d elements, data holds %d bytes",
			flavor.ErrCorrupt, shape, dt, count, len(raw))
	}
	a.dt, a.shape, a.fortran, a.raw, a.filled = dt, shape, fortran, raw, true
	return nil
}

// shapeOf reads a shape tuple of non-negative ints.
func shapeOf(v any) ([]int, error) {
	items, ok := asList(v)
	if !ok {
		if n, ok := asInt(v); ok {
			items = []any{n}
		} else {
			return nil, fmt.Errorf("%w: array shape is %s", flavor.ErrCorrupt, typeName(v))
		}
	}
	if len(items) > 32 {
		return nil, fmt.Errorf("%w: array of %d dimensions", flavor.ErrCorrupt, len(items))
	}
	shape := make([]int, len(items))
	for i, it := range items {
		n, ok := asInt(it)
		if !ok || n < 0 {
			return nil, fmt.Errorf("%w: array dimension %v", flavor.ErrCorrupt, it)
		}
		shape[i] = n
	}
	return shape, nil
}

// shapeProduct multiplies dimensions, refusing overflow.
func shapeProduct(shape []int) (int, error) {
	count := 1
	for _, d := range shape {
		if d != 0 && count > math.MaxInt32/d {
			return 0, fmt.Errorf("%w: array shape %v is too large", flavor.ErrCorrupt, shape)
		}
		count *= d
	}
	return count, nil
}

// frombufferFunc is numpy.core.numeric._frombuffer(buf, dtype, shape,
// order), how protocol 5 pickles contiguous arrays.
type frombufferFunc struct{ g *guardReader }

// Call implements types.Callable.
func (f frombufferFunc) Call(args ...any) (any, error) {
	if len(args) != 4 {
		return nil, fmt.Errorf("%w: _frombuffer takes 4 arguments", flavor.ErrCorrupt)
	}
	dt, ok := args[1].(*dtype)
	if !ok || dt.kind == 'O' {
		return nil, fmt.Errorf("%w: _frombuffer of %s", flavor.ErrCorrupt, typeName(args[1]))
	}
	order, _ := args[3].(string)
	a := &ndarray{g: f.g}
	if err := a.fill(dt, args[2], order == "F", args[0]); err != nil {
		return nil, err
	}
	return a, nil
}

// size returns the number of elements.
func (a *ndarray) size() int {
	if a.dt.kind == 'O' {
		return len(a.objs)
	}
	return len(a.raw) / a.dt.size
}

// cIndex maps the i-th element in C (row-major) order to its position in
// storage, which differs for Fortran-ordered arrays of 2+ dimensions.
func (a *ndarray) cIndex(i int) int {
	if !a.fortran || len(a.shape) < 2 {
		return i
	}
	total := 1
	for _, d := range a.shape {
		total *= d
	}
	// Read i's digits in C order (last axis fastest) and weigh them with
	// Fortran strides (first axis fastest).
	pos, fstride, cstride := 0, 1, total
	for _, d := range a.shape {
		cstride /= d
		pos += (i / cstride % d) * fstride
		fstride *= d
	}
	return pos
}

// charge accounts for n bytes derived from the array.
func (a *ndarray) charge(n int) error {
	if a.g == nil {
		return nil
	}
	if err := a.g.charge(n); err != nil {
		return fmt.Errorf("%w: %v", flavor.ErrCorrupt, err)
	}
	return nil
}

// float64s returns the elements as float64 in C order.
func (a *ndarray) float64s() ([]float64, error) {
	n := a.size()
	if err := a.charge(8 * n); err != nil {
		return nil, err
	}
	out := make([]float64, n)
	if a.dt.kind == 'O' {
		for i := range out {
			f, ok := asFloat(a.objs[a.cIndex(i)])
			if !ok {
				return nil, fmt.Errorf("%w: object array holds %s, want numbers", flavor.ErrCorrupt, typeName(a.objs[a.cIndex(i)]))
			}
			out[i] = f
		}
		return out, nil
	}
	if !a.dt.numeric() {
		return nil, fmt.Errorf("%w: array of %s, want numbers", flavor.ErrCorrupt, a.dt)
	}
	sz := a.dt.size
	for i := range out {
		j := a.cIndex(i) * sz
		out[i] = a.dt.float(a.raw[j : j+sz])
	}
	return out, nil
}

// ints returns integer elements in C order.
func (a *ndarray) ints() ([]int, error) {
	fs, err := a.float64s()
	if err != nil {
		return nil, err
	}
	out := make([]int, len(fs))
	for i, f := range fs {
		if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, fmt.Errorf("%w: array holds %v, want integers", flavor.ErrCorrupt, f)
		}
		out[i] = int(f)
	}
	return out, nil
}

// items returns the elements as Go values in C order: float64, int,
// bool or string for typed arrays, the objects for object arrays.
func (a *ndarray) items() ([]any, error) {
	n := a.size()
	if err := a.charge(16 * n); err != nil {
		return nil, err
	}
	out := make([]any, n)
	sz := a.dt.size
	for i := range out {
		j := a.cIndex(i)
		if a.dt.kind == 'O' {
			out[i] = a.objs[j]
			continue
		}
		b := a.raw[j*sz : (j+1)*sz]
		switch a.dt.kind {
		case 'U', 'S':
			s, err := a.dt.text(b)
			if err != nil {
				return nil, err
			}
			out[i] = s
		case 'i':
			out[i] = int(a.dt.int(b))
		case 'u':
			out[i] = int(a.dt.uint(b))
		case 'b':
			out[i] = b[0] != 0
		case 'f':
			out[i] = a.dt.float(b)
		default:
			return nil, fmt.Errorf("%w: array of %s", flavor.ErrUnsupported, a.dt)
		}
	}
	return out, nil
}

// record reads field name of element i of a structured array as a
// float64 (ints convert exactly below 2^53).
func (a *ndarray) record(i int, f dtypeField) float64 {
	b := a.raw[i*a.dt.size+f.offset:]
	return f.dt.float(b[:f.dt.size])
}
