package onnx

import (
	"context"
)

// kernel runs one node: in holds the node's inputs in order (nil for an
// omitted optional input) and the result holds its outputs in order.
// Kernels never modify their inputs.
type kernel func(ctx context.Context, in []*tensor) ([]*tensor, error)

// pure adapts a kernel that needs no context.
func pure(f func(in []*tensor) ([]*tensor, error)) kernel {
	return func(_ context.Context, in []*tensor) ([]*tensor, error) { return f(in) }
}

// one adapts a single-output function to a kernel.
func one(f func(in []*tensor) (*tensor, error)) kernel {
	return func(_ context.Context, in []*tensor) ([]*tensor, error) {
		t, err := f(in)
		if err != nil {
			return nil, err
		}
		return []*tensor{t}, nil
	}
}

// buildCtx is what an operator's builder sees at load time: the node, the
// model's opset, which inputs are already known constants, and for nodes
// with a subgraph its compiled plan.
type buildCtx struct {
	node   *nodeProto
	opset  int64
	consts []*tensor
	body   *graphPlan
}

// builder turns a node into a kernel at load time, reading and checking
// its attributes once so the request path does not.
type builder func(b *buildCtx) (kernel, error)

// attr returns the named attribute or nil.
func (b *buildCtx) attr(name string) *attribute {
	for _, a := range b.node.attrs {
		if a.name == name {
			return a
		}
	}
	return nil
}

// attrOf returns the named attribute after checking its type; exporters
// that leave the type UNDEFINED are tolerated.
func (b *buildCtx) attrOf(name string, typ attrType) (*attribute, error) {
	a := b.attr(name)
	if a == nil {
		return nil, nil
	}
	if a.refName != "" {
		return nil, unsupportedf("%s attribute %q refers to a function attribute", b.node.opType, name)
	}
	if a.typ != typ && a.typ != 0 {
		return nil, corruptf("%s attribute %q has type %d, want %d", b.node.opType, name, a.typ, typ)
	}
	return a, nil
}

func (b *buildCtx) attrInt(name string, def int64) (int64, error) {
	a, err := b.attrOf(name, attrInt)
	if a == nil || err != nil {
		return def, err
	}
	return a.i, nil
}

func (b *buildCtx) attrFloat(name string, def float32) (float32, error) {
	a, err := b.attrOf(name, attrFloat)
	if a == nil || err != nil {
		return def, err
	}
	return a.f, nil
}

func (b *buildCtx) attrString(name, def string) (string, error) {
	a, err := b.attrOf(name, attrString)
	if a == nil || err != nil {
		return def, err
	}
	return string(a.s), nil
}

// attrInts returns a list attribute and whether it was present.
func (b *buildCtx) attrInts(name string) ([]int64, bool, error) {
	a, err := b.attrOf(name, attrInts)
	if a == nil || err != nil {
		return nil, false, err
	}
	return a.ints, true, nil
}

// arity checks the node's input and output counts against the operator's
// schema; max -1 means variadic.
func (b *buildCtx) arity(minIn, maxIn, minOut, maxOut int) error {
	n := b.node
	if len(n.inputs) < minIn || (maxIn >= 0 && len(n.inputs) > maxIn) {
		return corruptf("%s node %q has %d inputs", n.opType, n.name, len(n.inputs))
	}
	if len(n.outputs) < minOut || len(n.outputs) > maxOut {
		return corruptf("%s node %q has %d outputs", n.opType, n.name, len(n.outputs))
	}
	for i := 0; i < minIn; i++ {
		if n.inputs[i] == "" {
			return corruptf("%s node %q is missing required input %d", n.opType, n.name, i)
		}
	}
	return nil
}

// constInput returns input i's value if it is known at load time.
func (b *buildCtx) constInput(i int) *tensor {
	if i < len(b.consts) {
		return b.consts[i]
	}
	return nil
}
