package codec

import (
	"strconv"

	"github.com/paddockml/paddock/flavor"
	"github.com/valyala/fastjson"
)

var (
	v2Keys      = []string{"id", "parameters", "inputs", "outputs"}
	v2InputKeys = []string{"name", "shape", "datatype", "parameters", "data"}
)

// DecodeV2 parses an infer request. Datatypes map to flavor dtypes: BOOL
// to Bool, INT8..INT64 and UINT8..UINT64 to Int64, FP16 and FP32 to
// Float32, FP64 to Float64, BYTES to String. data may be flat or nested;
// its element count must match shape.
//
// Following KServe's InferInput, datatype names are taken in any case,
// numbers may be given as 1.0 for integer types (numpy casts them), and
// unknown keys are ignored (pydantic's default). Beyond KServe, JSON null
// is accepted in FP16/FP32/FP64 data as a missing value (NaN). Binary
// tensor data (the binary_data_size parameter) is not supported.
func DecodeV2(body []byte) (V2Request, error) {
	d := getDecoder()
	defer d.put()
	v, err := d.parse(body)
	if err != nil {
		return V2Request{}, err
	}
	o, err := v.Object()
	if err != nil {
		return V2Request{}, inputErr("the body is %s, not an inference request object", jsonType(v))
	}
	var f [4]*fastjson.Value
	if err := pickFields(o, v2Keys, f[:], false); err != nil {
		return V2Request{}, err
	}
	var r V2Request
	if f[0] != nil {
		var ok bool
		if r.ID, ok = stringOf(f[0]); !ok {
			return V2Request{}, inputErr("id is %s, not a string", jsonType(f[0]))
		}
	}
	if f[1] != nil {
		if r.Input.Params, err = rawObject("parameters", f[1]); err != nil {
			return V2Request{}, err
		}
	}
	if r.Input.Tensors, err = d.v2Inputs(f[2]); err != nil {
		return V2Request{}, err
	}
	if f[3] != nil {
		if r.Outputs, err = v2Outputs(f[3]); err != nil {
			return V2Request{}, err
		}
	}
	return r, nil
}

func (d *decoder) v2Inputs(v *fastjson.Value) ([]flavor.Tensor, error) {
	if v == nil {
		return nil, inputErr("inputs is missing")
	}
	items, err := v.Array()
	if err != nil || len(items) == 0 {
		return nil, inputErr("inputs must be a non-empty list of input tensors")
	}
	ts := make([]flavor.Tensor, 0, len(items))
	total := 0
	for i, it := range items {
		t, err := d.v2Input(i, it)
		if err != nil {
			return nil, err
		}
		for _, prev := range ts {
			if prev.Name == t.Name {
				return nil, inputErr("duplicate input %q", t.Name)
			}
		}
		if total += t.Len(); total > maxElements {
			return nil, inputErr("the inputs hold more than %d values", maxElements)
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// v2Input decodes one $request_input. The element count of the declared
// shape is compared with the data's before the tensor is allocated.
func (d *decoder) v2Input(i int, v *fastjson.Value) (flavor.Tensor, error) {
	o, err := v.Object()
	if err != nil {
		return flavor.Tensor{}, inputErr("input %d is %s, not an object", i, jsonType(v))
	}
	var f [5]*fastjson.Value
	if err := pickFields(o, v2InputKeys, f[:], false); err != nil {
		return flavor.Tensor{}, inputErr("input %d: %v", i, err)
	}
	name, ok := stringOf(f[0])
	if !ok {
		return flavor.Tensor{}, inputErr("input %d: name must be a string", i)
	}
	what := "input " + strconv.Quote(name)
	dt, err := v2DatatypeOf(what, f[2])
	if err != nil {
		return flavor.Tensor{}, err
	}
	if f[3] != nil && f[3].Exists("binary_data_size") {
		return flavor.Tensor{}, inputErr("%s: binary tensor data is not supported; send data as JSON", what)
	}
	shape, n, err := d.v2Shape(what, f[1])
	if err != nil {
		return flavor.Tensor{}, err
	}
	if f[4] == nil || f[4].Type() != fastjson.TypeArray {
		return flavor.Tensor{}, inputErr("%s: data must be a list", what)
	}
	t := flavor.Tensor{Name: name, DType: dt.dtype, Shape: shape}
	return t, d.fillV2(what, &t, dt, f[4], n)
}

// v2Shape reads a request shape: non-negative integers whose product is
// within maxElements.
func (d *decoder) v2Shape(what string, v *fastjson.Value) ([]int, int, error) {
	if v == nil || v.Type() != fastjson.TypeArray {
		return nil, 0, inputErr("%s: shape must be a list of dimensions", what)
	}
	dims, _ := v.Array()
	shape := make([]int, len(dims))
	for k, dim := range dims {
		n, isInt, ok := d.intLiteral(dim)
		if dim.Type() != fastjson.TypeNumber || !isInt || !ok || n < 0 || n > maxElements {
			return nil, 0, inputErr("%s: shape dimension %d is %s; dimensions are integers from 0 to %d",
				what, k, truncate(dim.String(), 40), maxElements)
		}
		shape[k] = int(n)
	}
	n, err := shapeCount(what, shape)
	return shape, n, err
}

// fillV2 checks that data (flat or nested, rectangular) holds n values,
// then stores them with dt's checks.
func (d *decoder) fillV2(what string, t *flavor.Tensor, dt v2Type, data *fastjson.Value, n int) error {
	items, _ := data.Array()
	nested := nestedShape(items)
	count, err := shapeCount(what, nested)
	if err != nil {
		return err
	}
	if count != n {
		return inputErr("%s: data holds %d values, shape %v needs %d", what, count, t.Shape, n)
	}
	if err := walkLeaves(what, items, nested, 0, func(*fastjson.Value) error { return nil }); err != nil {
		return err
	}
	allocData(t, n)
	i := 0
	return walkLeaves(what, items, nested, 0, func(v *fastjson.Value) error {
		err := dt.set(d, t, i, v)
		if err != nil {
			return inputErr("%s: value %d: %v", what, i, err)
		}
		i++
		return nil
	})
}

// v2Outputs reads the requested output names.
func v2Outputs(v *fastjson.Value) ([]string, error) {
	items, err := v.Array()
	if err != nil {
		return nil, inputErr("outputs is %s, not a list of requested outputs", jsonType(v))
	}
	if len(items) == 0 {
		return nil, nil // KServe answers every output for an empty list
	}
	names := make([]string, len(items))
	for i, it := range items {
		var name string
		ok := it.Type() == fastjson.TypeObject
		if ok {
			name, ok = stringOf(it.Get("name"))
		}
		if !ok {
			return nil, inputErr("outputs: item %d must be an object with a string name", i)
		}
		names[i] = name
	}
	return names, nil
}
