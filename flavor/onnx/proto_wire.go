package onnx

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// field is one decoded protobuf field: its number, wire type and value.
// Varint and fixed-width values land in u; length-delimited ones in b,
// which aliases the input buffer.
type field struct {
	num protowire.Number
	typ protowire.Type
	u   uint64
	b   []byte
}

// walkFields calls fn for every field of a serialized message. Groups
// (deprecated, never written by ONNX exporters) are skipped; malformed
// tags or lengths yield an ErrCorrupt error naming the message.
func walkFields(msg string, b []byte, fn func(f field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return corruptf("%s: bad field tag: %v", msg, protowire.ParseError(n))
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.u, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.u = uint64(v)
		case protowire.Fixed64Type:
			f.u, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		case protowire.StartGroupType:
			n = protowire.ConsumeFieldValue(num, typ, b)
		default:
			return corruptf("%s: field %d has invalid wire type %d", msg, num, typ)
		}
		if n < 0 {
			return corruptf("%s: field %d: %v", msg, num, protowire.ParseError(n))
		}
		b = b[n:]
		if typ == protowire.StartGroupType {
			continue
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// want checks the wire type of a known field.
func (f field) want(msg string, typ protowire.Type) error {
	if f.typ != typ {
		return corruptf("%s: field %d has wire type %d, want %d", msg, f.num, f.typ, typ)
	}
	return nil
}

// str decodes a string field.
func (f field) str(msg string) (string, error) {
	if err := f.want(msg, protowire.BytesType); err != nil {
		return "", err
	}
	return string(f.b), nil
}

// int64 decodes a varint field holding an int64 or int32 (two's
// complement, as protobuf encodes negative int32 values).
func (f field) int64(msg string) (int64, error) {
	if err := f.want(msg, protowire.VarintType); err != nil {
		return 0, err
	}
	return int64(f.u), nil
}

// float32 decodes a fixed32 float field.
func (f field) float32(msg string) (float32, error) {
	if err := f.want(msg, protowire.Fixed32Type); err != nil {
		return 0, err
	}
	return math.Float32frombits(uint32(f.u)), nil
}

// appendVarints appends a repeated varint field, packed or not.
func (f field) appendVarints(msg string, dst []int64) ([]int64, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, int64(f.u)), nil
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, corruptf("%s: packed field %d: %v", msg, f.num, protowire.ParseError(n))
			}
			dst = append(dst, int64(v))
			b = b[n:]
		}
		return dst, nil
	}
	return nil, corruptf("%s: repeated field %d has wire type %d", msg, f.num, f.typ)
}

// appendFloats appends a repeated float field, packed or not.
func (f field) appendFloats(msg string, dst []float32) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(f.u))), nil
	case protowire.BytesType:
		if len(f.b)%4 != 0 {
			return nil, corruptf("%s: packed float field %d has %d bytes", msg, f.num, len(f.b))
		}
		for b := f.b; len(b) > 0; b = b[4:] {
			v, _ := protowire.ConsumeFixed32(b)
			dst = append(dst, math.Float32frombits(v))
		}
		return dst, nil
	}
	return nil, corruptf("%s: repeated float field %d has wire type %d", msg, f.num, f.typ)
}

// appendDoubles appends a repeated double field, packed or not.
func (f field) appendDoubles(msg string, dst []float64) ([]float64, error) {
	switch f.typ {
	case protowire.Fixed64Type:
		return append(dst, math.Float64frombits(f.u)), nil
	case protowire.BytesType:
		if len(f.b)%8 != 0 {
			return nil, corruptf("%s: packed double field %d has %d bytes", msg, f.num, len(f.b))
		}
		for b := f.b; len(b) > 0; b = b[8:] {
			v, _ := protowire.ConsumeFixed64(b)
			dst = append(dst, math.Float64frombits(v))
		}
		return dst, nil
	}
	return nil, corruptf("%s: repeated double field %d has wire type %d", msg, f.num, f.typ)
}
