package codec

import (
	"strconv"

	"github.com/paddockml/paddock/flavor"
	"github.com/valyala/fastjson"
)

var nativeKeys = []string{"rows", "columns", "inputs", "params"}

// DecodeNative parses a native predict body:
//
//	{"rows": [{"f0": 1.5, "f1": "a"}, ...]}     records
//	{"rows": [[1.5, "a"], ...]}                  positional rows
//	{"columns": {"f0": [1.5, ...], "f1": [...]}} column lists of equal length
//	{"inputs": {"input": [[...]]}}               named tensors (nested lists)
//	{"inputs": [[...]]}                          the single input tensor
//
// with an optional "params" object. Anything else is an ErrInput error.
func DecodeNative(body []byte) (Input, error) {
	d := getDecoder()
	defer d.put()
	v, err := d.parse(body)
	if err != nil {
		return Input{}, err
	}
	o, err := v.Object()
	if err != nil {
		return Input{}, inputErr("the body is %s; expected an object with rows, columns or inputs", jsonType(v))
	}
	var f [4]*fastjson.Value
	if err := pickFields(o, nativeKeys, f[:], true); err != nil {
		return Input{}, err
	}
	rows, cols, inputs, params := f[0], f[1], f[2], f[3]
	if n := countSet(rows, cols, inputs); n != 1 {
		return Input{}, inputErr("the body must hold exactly one of rows, columns and inputs; it holds %d", n)
	}
	var in Input
	switch {
	case rows != nil:
		in.Table, err = d.nativeRows(rows)
	case cols != nil:
		in.Table, err = d.nativeColumns(cols)
	default:
		in.Tensors, err = d.tensorInputs("inputs", inputs)
	}
	if err == nil && params != nil {
		in.Params, err = rawObject("params", params)
	}
	if err != nil {
		return Input{}, err
	}
	return in, nil
}

func countSet(vs ...*fastjson.Value) int {
	n := 0
	for _, v := range vs {
		if v != nil {
			n++
		}
	}
	return n
}

// nativeRows decodes "rows": records or positional lists.
func (d *decoder) nativeRows(v *fastjson.Value) (*Table, error) {
	rows, err := v.Array()
	if err != nil {
		return nil, inputErr("rows is %s, not a list of rows", jsonType(v))
	}
	if len(rows) > 0 && rows[0].Type() == fastjson.TypeObject {
		return d.recordsTable("rows", rows)
	}
	return d.positionalTable("rows", rows)
}

func (d *decoder) nativeColumns(v *fastjson.Value) (*Table, error) {
	o, err := v.Object()
	if err != nil {
		return nil, inputErr("columns is %s, not an object of column lists", jsonType(v))
	}
	return d.columnsTable("columns", o)
}

// tensorInputs decodes named tensors ({"name": nested list, ...}) or the
// single unnamed one (a nested list), the tensor forms MLflow's
// parse_tf_serving_input accepts under inputs and instances.
func (d *decoder) tensorInputs(what string, v *fastjson.Value) ([]flavor.Tensor, error) {
	switch v.Type() {
	case fastjson.TypeArray:
		items, _ := v.Array()
		t, err := d.inferTensor(what, "", items)
		if err != nil {
			return nil, err
		}
		return []flavor.Tensor{t}, nil
	case fastjson.TypeObject:
		o, _ := v.Object()
		return d.namedTensors(what, o)
	}
	return nil, inputErr("%s is %s; expected a list or an object of named lists", what, jsonType(v))
}

func (d *decoder) namedTensors(what string, o *fastjson.Object) ([]flavor.Tensor, error) {
	ts := make([]flavor.Tensor, 0, o.Len())
	var err error
	o.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		name := string(k)
		for _, t := range ts {
			if t.Name == name {
				err = inputErr("%s: duplicate input %q", what, name)
				return
			}
		}
		items, e := v.Array()
		if e != nil {
			err = inputErr("%s: input %q is %s, not a list", what, name, jsonType(v))
			return
		}
		t, e := d.inferTensor(what+": input "+strconv.Quote(name), name, items)
		ts, err = append(ts, t), e
	})
	if err == nil && len(ts) == 0 {
		err = inputErr("%s: no inputs", what)
	}
	return ts, err
}

// rawObject returns a copy of an object value's JSON, for Params.
func rawObject(what string, v *fastjson.Value) ([]byte, error) {
	if v.Type() != fastjson.TypeObject {
		return nil, inputErr("%s is %s, not an object", what, jsonType(v))
	}
	return v.MarshalTo(nil), nil
}
