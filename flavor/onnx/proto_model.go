package onnx

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// The decoded subset of onnx.proto that this engine executes. Field
// numbers are those of onnx.proto (IR version 8); unknown fields are
// skipped, as protobuf requires.

// modelProto is ModelProto.
type modelProto struct {
	irVersion int64
	producer  string
	opsets    map[string]int64
	graph     *graphProto
	functions int
}

// graphProto is GraphProto.
type graphProto struct {
	name         string
	nodes        []*nodeProto
	initializers []*tensorProto
	inputs       []*valueInfo
	outputs      []*valueInfo
	sparseInits  int
}

// nodeProto is NodeProto.
type nodeProto struct {
	name    string
	opType  string
	domain  string
	inputs  []string
	outputs []string
	attrs   []*attribute
}

// attrType is AttributeProto.AttributeType.
type attrType int64

// The attribute types this engine reads.
const (
	attrFloat   attrType = 1
	attrInt     attrType = 2
	attrString  attrType = 3
	attrTensor  attrType = 4
	attrGraph   attrType = 5
	attrFloats  attrType = 6
	attrInts    attrType = 7
	attrStrings attrType = 8
	attrTensors attrType = 9
	attrGraphs  attrType = 10
)

// attribute is AttributeProto.
type attribute struct {
	name    string
	typ     attrType
	f       float32
	i       int64
	s       []byte
	t       *tensorProto
	g       *graphProto
	floats  []float32
	ints    []int64
	strings [][]byte
	tensors []*tensorProto
	graphs  int
	refName string
}

// valueInfo is ValueInfoProto restricted to tensor types.
type valueInfo struct {
	name     string
	elemType dataType
	isTensor bool
	hasShape bool
	dims     []dimension
}

// dimension is TensorShapeProto.Dimension: a fixed size, a symbolic name
// or nothing.
type dimension struct {
	value    int64
	param    string
	hasValue bool
}

// maxGraphDepth bounds nested subgraphs (Loop bodies inside Loop bodies),
// so hostile files cannot recurse the decoder off the stack.
const maxGraphDepth = 8

func decodeModel(b []byte) (*modelProto, error) {
	const msg = "ModelProto"
	m := &modelProto{opsets: map[string]int64{}}
	err := walkFields(msg, b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			m.irVersion, err = f.int64(msg)
		case 2:
			m.producer, err = f.str(msg)
		case 7:
			if err = f.want(msg, protowire.BytesType); err == nil {
				m.graph, err = decodeGraph(f.b, 0)
			}
		case 8:
			if err = f.want(msg, protowire.BytesType); err == nil {
				err = decodeOpset(f.b, m.opsets)
			}
		case 25:
			m.functions++
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if m.graph == nil {
		return nil, corruptf("model has no graph")
	}
	return m, nil
}

func decodeOpset(b []byte, into map[string]int64) error {
	const msg = "OperatorSetIdProto"
	var domain string
	var version int64
	err := walkFields(msg, b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			domain, err = f.str(msg)
		case 2:
			version, err = f.int64(msg)
		}
		return err
	})
	if err != nil {
		return err
	}
	if domain == "ai.onnx" {
		domain = ""
	}
	into[domain] = version
	return nil
}

func decodeGraph(b []byte, depth int) (*graphProto, error) {
	const msg = "GraphProto"
	if depth > maxGraphDepth {
		return nil, corruptf("subgraphs nested deeper than %d", maxGraphDepth)
	}
	g := &graphProto{}
	err := walkFields(msg, b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			var n *nodeProto
			if n, err = decodeNodeField(f, depth); err == nil {
				g.nodes = append(g.nodes, n)
			}
		case 2:
			g.name, err = f.str(msg)
		case 5:
			var t *tensorProto
			if err = f.want(msg, protowire.BytesType); err == nil {
				if t, err = decodeTensor(f.b); err == nil {
					g.initializers = append(g.initializers, t)
				}
			}
		case 11, 12:
			var v *valueInfo
			if err = f.want(msg, protowire.BytesType); err == nil {
				if v, err = decodeValueInfo(f.b); err == nil && f.num == 11 {
					g.inputs = append(g.inputs, v)
				} else if err == nil {
					g.outputs = append(g.outputs, v)
				}
			}
		case 15:
			g.sparseInits++
		}
		return err
	})
	return g, err
}

func decodeNodeField(f field, depth int) (*nodeProto, error) {
	if err := f.want("GraphProto", protowire.BytesType); err != nil {
		return nil, err
	}
	return decodeNode(f.b, depth)
}

func decodeNode(b []byte, depth int) (*nodeProto, error) {
	const msg = "NodeProto"
	n := &nodeProto{}
	err := walkFields(msg, b, func(f field) error {
		var err error
		var s string
		switch f.num {
		case 1:
			if s, err = f.str(msg); err == nil {
				n.inputs = append(n.inputs, s)
			}
		case 2:
			if s, err = f.str(msg); err == nil {
				n.outputs = append(n.outputs, s)
			}
		case 3:
			n.name, err = f.str(msg)
		case 4:
			n.opType, err = f.str(msg)
		case 7:
			n.domain, err = f.str(msg)
		case 5:
			var a *attribute
			if err = f.want(msg, protowire.BytesType); err == nil {
				if a, err = decodeAttribute(f.b, depth); err == nil {
					n.attrs = append(n.attrs, a)
				}
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if n.domain == "ai.onnx" {
		n.domain = ""
	}
	return n, nil
}

func decodeAttribute(b []byte, depth int) (*attribute, error) {
	const msg = "AttributeProto"
	a := &attribute{}
	err := walkFields(msg, b, func(f field) error {
		return a.decodeField(f, depth)
	})
	return a, err
}

func (a *attribute) decodeField(f field, depth int) error {
	const msg = "AttributeProto"
	var err error
	switch f.num {
	case 1:
		a.name, err = f.str(msg)
	case 20:
		var v int64
		v, err = f.int64(msg)
		a.typ = attrType(v)
	case 21:
		a.refName, err = f.str(msg)
	case 2:
		a.f, err = f.float32(msg)
	case 3:
		a.i, err = f.int64(msg)
	case 4:
		if err = f.want(msg, protowire.BytesType); err == nil {
			a.s = f.b
		}
	case 5:
		if err = f.want(msg, protowire.BytesType); err == nil {
			a.t, err = decodeTensor(f.b)
		}
	case 6:
		if err = f.want(msg, protowire.BytesType); err == nil {
			a.g, err = decodeGraph(f.b, depth+1)
		}
	case 7:
		a.floats, err = f.appendFloats(msg, a.floats)
	case 8:
		a.ints, err = f.appendVarints(msg, a.ints)
	case 9:
		if err = f.want(msg, protowire.BytesType); err == nil {
			a.strings = append(a.strings, f.b)
		}
	case 10:
		var t *tensorProto
		if err = f.want(msg, protowire.BytesType); err == nil {
			if t, err = decodeTensor(f.b); err == nil {
				a.tensors = append(a.tensors, t)
			}
		}
	case 11:
		a.graphs++
	}
	return err
}

func decodeValueInfo(b []byte) (*valueInfo, error) {
	const msg = "ValueInfoProto"
	v := &valueInfo{}
	err := walkFields(msg, b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			v.name, err = f.str(msg)
		case 2:
			if err = f.want(msg, protowire.BytesType); err == nil {
				err = decodeType(f.b, v)
			}
		}
		return err
	})
	return v, err
}

// decodeType reads TypeProto, keeping only the tensor_type branch.
func decodeType(b []byte, v *valueInfo) error {
	const msg = "TypeProto"
	return walkFields(msg, b, func(f field) error {
		if f.num != 1 {
			return nil
		}
		if err := f.want(msg, protowire.BytesType); err != nil {
			return err
		}
		v.isTensor = true
		return walkFields("TypeProto.Tensor", f.b, func(f field) error {
			var err error
			switch f.num {
			case 1:
				var t int64
				t, err = f.int64(msg)
				v.elemType = dataType(t)
			case 2:
				if err = f.want(msg, protowire.BytesType); err == nil {
					v.hasShape = true
					err = decodeShape(f.b, v)
				}
			}
			return err
		})
	})
}

func decodeShape(b []byte, v *valueInfo) error {
	const msg = "TensorShapeProto"
	return walkFields(msg, b, func(f field) error {
		if f.num != 1 {
			return nil
		}
		if err := f.want(msg, protowire.BytesType); err != nil {
			return err
		}
		var d dimension
		err := walkFields("Dimension", f.b, func(f field) error {
			var err error
			switch f.num {
			case 1:
				d.value, err = f.int64(msg)
				d.hasValue = true
			case 2:
				d.param, err = f.str(msg)
			}
			return err
		})
		if len(v.dims) >= maxRank {
			return corruptf("value %q has more than %d dimensions", v.name, maxRank)
		}
		v.dims = append(v.dims, d)
		return err
	})
}
