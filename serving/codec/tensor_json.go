package codec

import (
	"math"

	"github.com/paddockml/paddock/flavor"
	"github.com/valyala/fastjson"
)

// nestedShape reads the shape of a nested list from its first elements:
// [[1, 2, 3], [4, 5, 6]] is [2, 3]. walkLeaves then checks that every
// other element agrees.
func nestedShape(items []*fastjson.Value) []int {
	shape := make([]int, 1, 3)
	shape[0] = len(items)
	if len(items) == 0 {
		return shape
	}
	v := items[0]
	for v.Type() == fastjson.TypeArray {
		a, _ := v.Array()
		shape = append(shape, len(a))
		if len(a) == 0 {
			break
		}
		v = a[0]
	}
	return shape
}

// shapeCount returns the number of elements of shape, failing on a
// negative dimension or a count past maxElements.
func shapeCount(what string, shape []int) (int, error) {
	n, ok := countOf(shape)
	if !ok {
		return 0, inputErr("%s: shape %v has a negative dimension or more than %d values", what, shape, maxElements)
	}
	return n, nil
}

// countOf multiplies out shape; ok is false for a negative dimension or a
// count past maxElements. It checks before multiplying, so a shape like
// [1<<40, 1<<40] cannot overflow.
func countOf(shape []int) (n int, ok bool) {
	n = 1
	for _, d := range shape {
		if d < 0 || d > 0 && n > maxElements/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// walkLeaves calls f on every leaf of a nested list in row-major order
// and fails where the nesting departs from shape: a ragged list, a value
// where a list belongs or a list where a value belongs. The depth of the
// recursion is bounded by fastjson's nesting limit.
func walkLeaves(what string, items []*fastjson.Value, shape []int, depth int, f func(*fastjson.Value) error) error {
	if len(items) != shape[depth] {
		return inputErr("%s: ragged data: a list at depth %d has %d elements, the first has %d", what, depth, len(items), shape[depth])
	}
	last := depth == len(shape)-1
	for _, v := range items {
		isList := v.Type() == fastjson.TypeArray
		switch {
		case last && isList:
			return inputErr("%s: ragged data: a list at depth %d, where the first element has a value", what, depth+1)
		case last:
			if err := f(v); err != nil {
				return err
			}
		case !isList:
			return inputErr("%s: ragged data: %s at depth %d, where the first element has a list", what, jsonType(v), depth+1)
		default:
			a, _ := v.Array()
			if err := walkLeaves(what, a, shape, depth+1, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// leafKinds counts what a nested list holds, to infer its dtype.
type leafKinds struct {
	floats, ints, nulls, strs, bools int
}

// inferTensor builds a tensor from a nested JSON list (MLflow's inputs
// and instances, native inputs), taking the shape from the nesting and
// the dtype from the values as numpy.array would: strings give String,
// booleans Bool, integers Int64 and other numbers Float64, with null a
// NaN (so it makes the tensor Float64). Mixing strings, booleans and
// numbers is an error.
func (d *decoder) inferTensor(what, name string, items []*fastjson.Value) (flavor.Tensor, error) {
	shape := nestedShape(items)
	n, err := shapeCount(what, shape)
	if err != nil {
		return flavor.Tensor{}, err
	}
	var k leafKinds
	add := func(v *fastjson.Value) error { return k.add(d, what, v) }
	if err := walkLeaves(what, items, shape, 0, add); err != nil {
		return flavor.Tensor{}, err
	}
	dt, err := k.dtype(what)
	if err != nil {
		return flavor.Tensor{}, err
	}
	t := flavor.Tensor{Name: name, DType: dt, Shape: shape}
	allocData(&t, n)
	i := 0
	err = walkLeaves(what, items, shape, 0, func(v *fastjson.Value) error {
		d.setInferred(&t, i, v)
		i++
		return nil
	})
	return t, err
}

func (k *leafKinds) add(d *decoder, what string, v *fastjson.Value) error {
	switch v.Type() {
	case fastjson.TypeNumber:
		if _, isInt, ok := d.intLiteral(v); isInt && ok {
			k.ints++
		} else if _, ok := d.numberOf(v); ok {
			k.floats++
		} else {
			return inputErr("%s: malformed number %s", what, truncate(v.String(), 40))
		}
	case fastjson.TypeNull:
		k.nulls++
	case fastjson.TypeString:
		k.strs++
	case fastjson.TypeTrue, fastjson.TypeFalse:
		k.bools++
	default:
		return inputErr("%s: an object where a value is expected", what)
	}
	return nil
}

func (k *leafKinds) dtype(what string) (flavor.DType, error) {
	nums := k.floats + k.ints
	switch {
	case k.strs > 0 && (nums > 0 || k.bools > 0):
		return "", inputErr("%s mixes strings with numbers or booleans", what)
	case k.strs > 0 && k.nulls > 0:
		return "", inputErr("%s: null in a list of strings (a string input has no missing value)", what)
	case k.strs > 0:
		return flavor.String, nil
	case k.bools > 0 && nums > 0:
		return "", inputErr("%s mixes booleans with numbers", what)
	case k.bools > 0 && k.nulls > 0:
		return "", inputErr("%s: null in a list of booleans", what)
	case k.bools > 0:
		return flavor.Bool, nil
	case k.ints > 0 && k.floats == 0 && k.nulls == 0:
		return flavor.Int64, nil
	}
	return flavor.Float64, nil
}

// setInferred stores leaf i, already classified by leafKinds.
func (d *decoder) setInferred(t *flavor.Tensor, i int, v *fastjson.Value) {
	switch t.DType {
	case flavor.String:
		t.Str[i], _ = stringOf(v)
	case flavor.Bool:
		t.Bool[i] = v.Type() == fastjson.TypeTrue
	case flavor.Int64:
		t.I64[i], _, _ = d.intLiteral(v)
	default:
		if v.Type() == fastjson.TypeNull {
			t.F64[i] = math.NaN()
		} else {
			t.F64[i], _ = d.numberOf(v)
		}
	}
}

// allocData allocates n elements of t's dtype.
func allocData(t *flavor.Tensor, n int) {
	switch t.DType {
	case flavor.Float32:
		t.F32 = make([]float32, n)
	case flavor.Float64:
		t.F64 = make([]float64, n)
	case flavor.Int64:
		t.I64 = make([]int64, n)
	case flavor.String:
		t.Str = make([]string, n)
	case flavor.Bool:
		t.Bool = make([]bool, n)
	}
}
