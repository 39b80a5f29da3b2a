package onnx

import (
	"context"

	"github.com/paddockml/paddock/flavor"
)

// maxLoopIterations bounds a Loop whose trip count comes from data or
// whose condition never turns false, so a request cannot spin forever.
const maxLoopIterations = 1 << 20

// loopOp implements Loop, which torch exports for nn.EmbeddingBag: a body
// graph run once per iteration with loop-carried values and per-iteration
// scan outputs that are stacked along a new first axis.
type loopOp struct {
	body     *graphPlan
	carried  int // N: loop-carried values
	scans    int // K: scan outputs
	scanType []dataType
}

func buildLoop(b *buildCtx) (kernel, error) {
	if b.body == nil {
		return nil, corruptf("Loop node %q has no body graph", b.node.name)
	}
	declared := len(b.node.inputs)
	if declared < 2 {
		return nil, corruptf("Loop node %q has %d inputs, want at least 2", b.node.name, declared)
	}
	l := &loopOp{body: b.body, carried: declared - 2}
	formals := len(b.body.inputs) - len(b.body.captured)
	if formals != 2+l.carried {
		return nil, corruptf("Loop body takes %d inputs, node passes %d", formals, declared)
	}
	l.scans = len(b.body.outputs) - 1 - l.carried
	if l.scans < 0 || len(b.node.outputs) != l.carried+l.scans {
		return nil, corruptf("Loop node %q: %d outputs do not match a body with %d", b.node.name, len(b.node.outputs), len(b.body.outputs))
	}
	l.scanType = b.body.outTypes[1+l.carried:]
	return l.run, nil
}

func (l *loopOp) run(ctx context.Context, in []*tensor) ([]*tensor, error) {
	trip, cond, err := loopControl(in[0], in[1])
	if err != nil {
		return nil, err
	}
	carried := append([]*tensor(nil), in[2:2+l.carried]...)
	captured := in[2+l.carried:]
	scans := make([][]*tensor, l.scans)
	args := make([]*tensor, 0, len(in))
	var total int
	for i := int64(0); cond && (trip < 0 || i < trip); i++ {
		if i >= maxLoopIterations {
			return nil, flavor.InputError("Loop runs more than %d iterations", maxLoopIterations)
		}
		args = append(append(append(args[:0],
			&tensor{dtype: typeInt64, shape: []int{}, i64: []int64{i}},
			&tensor{dtype: typeBool, shape: []int{}, b: []bool{cond}}),
			carried...), captured...)
		outs, err := l.body.run(ctx, args)
		if err != nil {
			return nil, err
		}
		if outs[0].dtype != typeBool || outs[0].len() != 1 {
			return nil, corruptf("Loop body condition is not a bool scalar")
		}
		cond = outs[0].b[0]
		copy(carried, outs[1:1+l.carried])
		for k := range scans {
			s := outs[1+l.carried+k]
			if total += s.len(); total > maxElements {
				return nil, flavor.InputError("Loop scan outputs exceed %d elements", maxElements)
			}
			scans[k] = append(scans[k], s)
		}
	}
	res := carried
	for k, s := range scans {
		t, err := stack(s, l.scanType[k])
		if err != nil {
			return nil, err
		}
		res = append(res, t)
	}
	return res, nil
}

// loopControl reads Loop's optional trip count (-1: none) and condition.
func loopControl(m, c *tensor) (trip int64, cond bool, err error) {
	trip, cond = -1, true
	if m != nil {
		if m.dtype.store() != storeI64 || m.len() != 1 {
			return 0, false, corruptf("Loop trip count is not an integer scalar")
		}
		trip = max(m.i64[0], 0)
	}
	if c != nil {
		if c.dtype != typeBool || c.len() != 1 {
			return 0, false, corruptf("Loop condition is not a bool scalar")
		}
		cond = c.b[0]
	}
	return trip, cond, nil
}

// stack joins same-shaped tensors along a new leading axis.
func stack(parts []*tensor, dt dataType) (*tensor, error) {
	if len(parts) == 0 {
		if dt.store() == storeNone {
			dt = typeFloat
		}
		return newTensor(dt, []int{0})
	}
	first := parts[0]
	out, err := newTensor(first.dtype, append([]int{len(parts)}, first.shape...))
	if err != nil {
		return nil, err
	}
	n := first.len()
	for i, p := range parts {
		if p.dtype != first.dtype || !sameShape(p.shape, first.shape) {
			return nil, flavor.InputError("Loop scan output changes shape from %v to %v", first.shape, p.shape)
		}
		copyBlock(out, p, i*n, 0, n)
	}
	return out, nil
}
