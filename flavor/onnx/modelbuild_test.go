package onnx

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// A tiny ONNX writer for tests: enough of onnx.proto to build models
// node by node, including deliberately broken ones.

type tGraph struct {
	nodes   []tNode
	inits   []tTensor
	inputs  []tValue
	outputs []tValue
}

type tNode struct {
	op, domain, name string
	in, out          []string
	attrs            []tAttr
}

type tAttr struct {
	name  string
	typ   attrType
	i     int64
	f     float32
	s     string
	ints  []int64
	t     *tTensor
	g     *tGraph
	raw   []byte // appended verbatim, for malformed attributes
	noTyp bool
}

type tTensor struct {
	name     string
	dt       dataType
	dims     []int64
	f32      []float32
	i64      []int64
	typed    bool // write float_data/int64_data instead of raw_data
	external bool
	// ext are external_data entries (key, value); with external set, the
	// tensor carries them instead of its data.
	ext [][2]string
}

type tValue struct {
	name string
	dt   dataType
	dims []any // int for a fixed dim, string for a symbolic one
}

func modelBytes(opset int64, g *tGraph) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 8)
	b = protowire.AppendTag(b, 8, protowire.BytesType)
	var os []byte
	os = protowire.AppendTag(os, 2, protowire.VarintType)
	os = protowire.AppendVarint(os, uint64(opset))
	b = protowire.AppendBytes(b, os)
	b = protowire.AppendTag(b, 7, protowire.BytesType)
	return protowire.AppendBytes(b, g.bytes())
}

func (g *tGraph) bytes() []byte {
	var b []byte
	for _, n := range g.nodes {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, n.bytes())
	}
	for _, t := range g.inits {
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, t.bytes())
	}
	for _, v := range g.inputs {
		b = protowire.AppendTag(b, 11, protowire.BytesType)
		b = protowire.AppendBytes(b, v.bytes())
	}
	for _, v := range g.outputs {
		b = protowire.AppendTag(b, 12, protowire.BytesType)
		b = protowire.AppendBytes(b, v.bytes())
	}
	return b
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func (n tNode) bytes() []byte {
	var b []byte
	for _, s := range n.in {
		b = appendString(b, 1, s)
	}
	for _, s := range n.out {
		b = appendString(b, 2, s)
	}
	b = appendString(b, 3, n.name)
	b = appendString(b, 4, n.op)
	if n.domain != "" {
		b = appendString(b, 7, n.domain)
	}
	for _, a := range n.attrs {
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, a.bytes())
	}
	return b
}

func (a tAttr) bytes() []byte {
	b := appendString(nil, 1, a.name)
	if !a.noTyp {
		b = protowire.AppendTag(b, 20, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(a.typ))
	}
	switch a.typ {
	case attrInt:
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(a.i))
	case attrFloat:
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.f))
	case attrString:
		b = appendString(b, 4, a.s)
	case attrInts:
		var p []byte
		for _, v := range a.ints {
			p = protowire.AppendVarint(p, uint64(v))
		}
		b = protowire.AppendTag(b, 8, protowire.BytesType)
		b = protowire.AppendBytes(b, p)
	case attrTensor:
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, a.t.bytes())
	case attrGraph:
		b = protowire.AppendTag(b, 6, protowire.BytesType)
		b = protowire.AppendBytes(b, a.g.bytes())
	}
	return append(b, a.raw...)
}

func (t tTensor) bytes() []byte {
	var b []byte
	for _, d := range t.dims {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d))
	}
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(t.dt))
	b = appendString(b, 8, t.name)
	if t.external {
		b = protowire.AppendTag(b, 14, protowire.VarintType)
		b = protowire.AppendVarint(b, 1)
		for _, kv := range t.ext {
			entry := appendString(appendString(nil, 1, kv[0]), 2, kv[1])
			b = protowire.AppendTag(b, 13, protowire.BytesType)
			b = protowire.AppendBytes(b, entry)
		}
		return b
	}
	if t.typed {
		for _, v := range t.f32 {
			b = protowire.AppendTag(b, 4, protowire.Fixed32Type)
			b = protowire.AppendFixed32(b, math.Float32bits(v))
		}
		for _, v := range t.i64 {
			b = protowire.AppendTag(b, 7, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(v))
		}
		return b
	}
	var raw []byte
	for _, v := range t.f32 {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	for _, v := range t.i64 {
		if t.dt == typeBool {
			raw = append(raw, byte(v))
		} else {
			raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
		}
	}
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	return protowire.AppendBytes(b, raw)
}

func (v tValue) bytes() []byte {
	var shape []byte
	for _, d := range v.dims {
		var dim []byte
		switch x := d.(type) {
		case int:
			dim = protowire.AppendTag(dim, 1, protowire.VarintType)
			dim = protowire.AppendVarint(dim, uint64(x))
		case string:
			dim = appendString(dim, 2, x)
		}
		shape = protowire.AppendTag(shape, 1, protowire.BytesType)
		shape = protowire.AppendBytes(shape, dim)
	}
	var tt []byte
	tt = protowire.AppendTag(tt, 1, protowire.VarintType)
	tt = protowire.AppendVarint(tt, uint64(v.dt))
	tt = protowire.AppendTag(tt, 2, protowire.BytesType)
	tt = protowire.AppendBytes(tt, shape)
	var typ []byte
	typ = protowire.AppendTag(typ, 1, protowire.BytesType)
	typ = protowire.AppendBytes(typ, tt)
	b := appendString(nil, 1, v.name)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendBytes(b, typ)
}

// Shorthands for building test graphs.

func floatIn(name string, dims ...any) tValue { return tValue{name: name, dt: typeFloat, dims: dims} }
func intIn(name string, dims ...any) tValue   { return tValue{name: name, dt: typeInt64, dims: dims} }

func node(op string, in []string, out string, attrs ...tAttr) tNode {
	return tNode{op: op, name: op + "_" + out, in: in, out: []string{out}, attrs: attrs}
}

func intAttr(name string, v int64) tAttr     { return tAttr{name: name, typ: attrInt, i: v} }
func intsAttr(name string, v ...int64) tAttr { return tAttr{name: name, typ: attrInts, ints: v} }
func floatAttr(name string, v float32) tAttr { return tAttr{name: name, typ: attrFloat, f: v} }
func floatInit(name string, dims []int64, v ...float32) tTensor {
	return tTensor{name: name, dt: typeFloat, dims: dims, f32: v}
}
func intInit(name string, dims []int64, v ...int64) tTensor {
	return tTensor{name: name, dt: typeInt64, dims: dims, i64: v}
}
