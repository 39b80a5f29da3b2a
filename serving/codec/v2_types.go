package codec

import (
	"errors"
	"math"
	"strings"

	"github.com/paddockml/paddock/flavor"
	"github.com/valyala/fastjson"
)

// v2Type is an Open Inference Protocol datatype: the dtype it decodes to
// and, for integer types, the range its values must lie in.
type v2Type struct {
	dtype    flavor.DType
	min, max int64
}

// v2Types maps the protocol's datatypes (KServe's _DatatypeToNumpy) to
// dtypes. UINT64 values past int64 cannot be stored and are refused.
var v2Types = map[string]v2Type{
	"BOOL":   {dtype: flavor.Bool},
	"INT8":   {dtype: flavor.Int64, min: math.MinInt8, max: math.MaxInt8},
	"INT16":  {dtype: flavor.Int64, min: math.MinInt16, max: math.MaxInt16},
	"INT32":  {dtype: flavor.Int64, min: math.MinInt32, max: math.MaxInt32},
	"INT64":  {dtype: flavor.Int64, min: math.MinInt64, max: math.MaxInt64},
	"UINT8":  {dtype: flavor.Int64, max: math.MaxUint8},
	"UINT16": {dtype: flavor.Int64, max: math.MaxUint16},
	"UINT32": {dtype: flavor.Int64, max: math.MaxUint32},
	"UINT64": {dtype: flavor.Int64, max: math.MaxInt64},
	"FP16":   {dtype: flavor.Float32},
	"FP32":   {dtype: flavor.Float32},
	"FP64":   {dtype: flavor.Float64},
	"BYTES":  {dtype: flavor.String},
}

// V2Datatype returns the Open Inference Protocol datatype of a dtype
// (FP32, FP64, INT64, BYTES, BOOL); "" for an unknown dtype.
func V2Datatype(d flavor.DType) string {
	switch d {
	case flavor.Float32:
		return "FP32"
	case flavor.Float64:
		return "FP64"
	case flavor.Int64:
		return "INT64"
	case flavor.String:
		return "BYTES"
	case flavor.Bool:
		return "BOOL"
	}
	return ""
}

func v2DatatypeOf(what string, v *fastjson.Value) (v2Type, error) {
	name, ok := stringOf(v)
	if !ok {
		return v2Type{}, inputErr("%s: datatype must be a string", what)
	}
	dt, ok := v2Types[name]
	if !ok {
		dt, ok = v2Types[strings.ToUpper(name)] // KServe upper-cases it
	}
	if !ok {
		return v2Type{}, inputErr("%s: unknown datatype %q", what, truncate(name, 40))
	}
	return dt, nil
}

var (
	errNotBool   = errors.New("expected true or false")
	errNotString = errors.New("expected a string")
	errNotNumber = errors.New("expected a number")
	errNotInt    = errors.New("expected an integer")
	errRange     = errors.New("out of range for the datatype")
)

// set stores v as element i of t, checking it against the datatype.
func (dt v2Type) set(d *decoder, t *flavor.Tensor, i int, v *fastjson.Value) error {
	switch dt.dtype {
	case flavor.Bool:
		switch v.Type() {
		case fastjson.TypeTrue:
			t.Bool[i] = true
		case fastjson.TypeFalse:
		default:
			return errNotBool
		}
	case flavor.String:
		s, ok := stringOf(v)
		if !ok {
			return errNotString
		}
		t.Str[i] = s
	case flavor.Int64:
		n, err := dt.integer(d, v)
		if err != nil {
			return err
		}
		t.I64[i] = n
	default:
		f, err := v2Float(d, v)
		if err != nil {
			return err
		}
		if t.DType == flavor.Float32 {
			t.F32[i] = float32(f)
		} else {
			t.F64[i] = f
		}
	}
	return nil
}

// integer reads an integer element: an integer literal, or a number with
// no fraction (numpy casts 2.0 to 2), within the datatype's range.
func (dt v2Type) integer(d *decoder, v *fastjson.Value) (int64, error) {
	if v.Type() != fastjson.TypeNumber {
		return 0, errNotInt
	}
	n, isInt, ok := d.intLiteral(v)
	if !isInt {
		f, fok := d.numberOf(v)
		if !fok || f != math.Trunc(f) || math.IsInf(f, 0) {
			return 0, errNotInt
		}
		if f < -(1<<63) || f >= 1<<63 {
			return 0, errRange
		}
		n, ok = int64(f), true
	}
	if !ok || n < dt.min || n > dt.max {
		return 0, errRange
	}
	return n, nil
}

func v2Float(d *decoder, v *fastjson.Value) (float64, error) {
	switch v.Type() {
	case fastjson.TypeNull:
		return math.NaN(), nil
	case fastjson.TypeNumber:
		if f, ok := d.numberOf(v); ok {
			return f, nil
		}
	}
	return 0, errNotNumber
}
