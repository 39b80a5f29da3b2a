package onnx

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// tensorProto is TensorProto. raw aliases the model buffer until the
// tensor is converted.
type tensorProto struct {
	name     string
	dims     []int64
	dataType dataType
	raw      []byte
	hasRaw   bool
	floats   []float32
	int32s   []int64
	int64s   []int64
	doubles  []float64
	uint64s  []int64
	strings  int
	segment  bool
	// external is data_location = EXTERNAL: the bytes live in the file
	// ext names, and resolveExternal moves them into raw before use.
	external bool
	ext      externalRef
}

// externalRef is TensorProto.external_data, the key/value entries that
// place an external tensor's bytes in a file beside the model.
// The numbers stay text until planExternalRead parses them, so errors
// can name the tensor.
type externalRef struct {
	location string // relative to the model file's directory
	offset   string // decimal; none means 0
	length   string // decimal; none means up to the end of the file
}

func decodeTensor(b []byte) (*tensorProto, error) {
	const msg = "TensorProto"
	t := &tensorProto{}
	err := walkFields(msg, b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			t.dims, err = f.appendVarints(msg, t.dims)
		case 2:
			var v int64
			v, err = f.int64(msg)
			t.dataType = dataType(v)
		case 3:
			t.segment = true
		case 4:
			t.floats, err = f.appendFloats(msg, t.floats)
		case 5:
			t.int32s, err = f.appendVarints(msg, t.int32s)
		case 6:
			t.strings++
		case 7:
			t.int64s, err = f.appendVarints(msg, t.int64s)
		case 8:
			t.name, err = f.str(msg)
		case 9:
			if err = f.want(msg, protowire.BytesType); err == nil {
				t.raw, t.hasRaw = f.b, true
			}
		case 10:
			t.doubles, err = f.appendDoubles(msg, t.doubles)
		case 11:
			t.uint64s, err = f.appendVarints(msg, t.uint64s)
		case 13:
			if err = f.want(msg, protowire.BytesType); err == nil {
				err = t.ext.decodeEntry(f.b)
			}
		case 14:
			err = t.decodeDataLocation(f)
		}
		return err
	})
	return t, err
}

// decodeDataLocation reads data_location. Like onnx and ONNX Runtime,
// only this field decides whether a tensor is external: external_data
// entries on a DEFAULT tensor are ignored.
func (t *tensorProto) decodeDataLocation(f field) error {
	v, err := f.int64("TensorProto")
	switch {
	case err != nil:
		return err
	case v != 0 && v != 1:
		return corruptf("tensor %q has unknown data_location %d", t.name, v)
	}
	t.external = v == 1
	return nil
}

// decodeEntry reads one StringStringEntryProto of external_data. Other
// keys are ignored: basepath is onnx's in-memory bookkeeping, and
// checksum, which onnx.proto defines as the SHA-1 of the whole file, is
// written by no exporter and checked by neither onnx nor ONNX Runtime
// (the dims, offset and length checks catch a mismatched file). A
// repeated key keeps its last value, as onnx's Python loader does.
func (r *externalRef) decodeEntry(b []byte) error {
	const msg = "StringStringEntryProto"
	var key, value string
	err := walkFields(msg, b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			key, err = f.str(msg)
		case 2:
			value, err = f.str(msg)
		}
		return err
	})
	if err != nil {
		return err
	}
	switch key {
	case "location":
		r.location = value
	case "offset":
		r.offset = value
	case "length":
		r.length = value
	}
	return nil
}

// toTensor validates the declared dims against the data present and
// converts to the engine's representation. Sizes are checked before any
// allocation, so a tiny file claiming a huge tensor fails cleanly.
func (p *tensorProto) toTensor() (*tensor, error) {
	if p.external {
		// resolveExternal has not run: only a subgraph walk that missed
		// this tensor could lead here.
		return nil, unsupportedf("tensor %q keeps its data in an external file that was not read", p.name)
	}
	if p.segment {
		return nil, unsupportedf("tensor %q is segmented", p.name)
	}
	shape, n, err := p.shape()
	if err != nil {
		return nil, err
	}
	if p.dataType.store() == storeNone {
		return nil, unsupportedf("tensor %q has element type %v", p.name, p.dataType)
	}
	if p.hasRaw {
		return p.fromRaw(shape, n)
	}
	return p.fromTyped(shape, n)
}

func (p *tensorProto) shape() ([]int, int, error) {
	if len(p.dims) > maxRank {
		return nil, 0, corruptf("tensor %q has rank %d", p.name, len(p.dims))
	}
	shape := make([]int, len(p.dims))
	for i, d := range p.dims {
		if d < 0 || d > maxElements {
			return nil, 0, corruptf("tensor %q has invalid dimension %d", p.name, d)
		}
		shape[i] = int(d)
	}
	n, err := numElements(shape)
	if err != nil {
		return nil, 0, corruptf("tensor %q: shape %v is larger than %d elements", p.name, shape, maxElements)
	}
	return shape, n, nil
}

// elemSize is the byte width of an element type in raw_data.
func elemSize(d dataType) int {
	switch d {
	case typeBool, typeInt8, typeUint8:
		return 1
	case typeInt16, typeUint16:
		return 2
	case typeFloat, typeInt32, typeUint32:
		return 4
	case typeInt64:
		return 8
	}
	return 0
}

func (p *tensorProto) fromRaw(shape []int, n int) (*tensor, error) {
	size := elemSize(p.dataType)
	if size == 0 || len(p.raw) != n*size {
		return nil, corruptf("tensor %q: raw_data has %d bytes, shape %v of %v needs %d",
			p.name, len(p.raw), shape, p.dataType, n*size)
	}
	t, err := newTensor(p.dataType, shape)
	if err != nil {
		return nil, err
	}
	r := p.raw
	le := binary.LittleEndian
	for i := 0; i < n; i++ {
		switch p.dataType {
		case typeFloat:
			t.f32[i] = math.Float32frombits(le.Uint32(r[4*i:]))
		case typeInt64:
			t.i64[i] = int64(le.Uint64(r[8*i:]))
		case typeInt32:
			t.i64[i] = int64(int32(le.Uint32(r[4*i:])))
		case typeUint32:
			t.i64[i] = int64(le.Uint32(r[4*i:]))
		case typeInt16:
			t.i64[i] = int64(int16(le.Uint16(r[2*i:])))
		case typeUint16:
			t.i64[i] = int64(le.Uint16(r[2*i:]))
		case typeInt8:
			t.i64[i] = int64(int8(r[i]))
		case typeUint8:
			t.i64[i] = int64(r[i])
		case typeBool:
			t.b[i] = r[i] != 0
		}
	}
	return t, nil
}

func (p *tensorProto) fromTyped(shape []int, n int) (*tensor, error) {
	have := 0
	switch p.dataType {
	case typeFloat:
		have = len(p.floats)
	case typeInt64:
		have = len(p.int64s)
	case typeUint32:
		have = len(p.uint64s)
	default: // the int32_data family: bool, int8..int32, uint8, uint16
		have = len(p.int32s)
	}
	if have != n {
		return nil, corruptf("tensor %q: has %d values, shape %v needs %d", p.name, have, shape, n)
	}
	t, err := newTensor(p.dataType, shape)
	if err != nil {
		return nil, err
	}
	switch p.dataType {
	case typeFloat:
		copy(t.f32, p.floats)
	case typeInt64:
		copy(t.i64, p.int64s)
	case typeUint32:
		copy(t.i64, p.uint64s)
	case typeBool:
		for i, v := range p.int32s {
			t.b[i] = v != 0
		}
	default:
		for i, v := range p.int32s {
			t.i64[i] = int64(int32(v))
		}
	}
	return t, nil
}
