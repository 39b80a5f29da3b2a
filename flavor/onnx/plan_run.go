package onnx

import (
	"context"
	"fmt"
	"unsafe"
)

// run executes the plan on inputs bound to p.inputs in order and returns
// the graph outputs. Returned tensors may alias constants or inputs; the
// caller copies what it hands out.
func (p *graphPlan) run(ctx context.Context, inputs []*tensor) ([]*tensor, error) {
	if len(inputs) != len(p.inputs) {
		return nil, fmt.Errorf("onnx: plan takes %d inputs, got %d", len(p.inputs), len(inputs))
	}
	st := p.state()
	defer p.release(st)
	vals := st.vals
	for i, id := range p.inputs {
		vals[id] = inputs[i]
		// One reference for the slot and one pin: an input's buffer
		// belongs to the caller and must never be recycled here.
		st.refs.add(inputs[i])
		st.refs.add(inputs[i])
	}
	for i := range p.steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := p.exec(ctx, &p.steps[i], st, p.keep); err != nil {
			return nil, err
		}
	}
	out := make([]*tensor, len(p.outputs))
	for i, id := range p.outputs {
		if out[i] = vals[id]; out[i] == nil {
			return nil, fmt.Errorf("onnx: graph output %d was not computed", i)
		}
	}
	return out, nil
}

func (p *graphPlan) exec(ctx context.Context, st *step, rs *runState, keep map[unsafe.Pointer]bool) error {
	vals := rs.vals
	args := rs.args[:len(st.in)]
	for j, id := range st.in {
		args[j] = nil
		if id != undefinedSlot {
			if args[j] = vals[id]; args[j] == nil {
				return fmt.Errorf("onnx: node %q (%s): input %d is not available", st.name, st.op, j)
			}
		}
	}
	outs, err := st.run(ctx, args)
	if err != nil {
		return fmt.Errorf("node %q (%s): %w", st.name, st.op, err)
	}
	for j, id := range st.out {
		if id == undefinedSlot {
			continue
		}
		if j >= len(outs) || outs[j] == nil {
			return fmt.Errorf("onnx: node %q (%s) did not produce output %d", st.name, st.op, j)
		}
		vals[id] = outs[j]
		rs.refs.add(outs[j])
	}
	for _, id := range st.free {
		rs.refs.drop(vals[id], keep)
		vals[id] = nil
	}
	return nil
}

// runState is the scratch one run needs; it is pooled per plan.
type runState struct {
	vals []*tensor
	args []*tensor
	refs bufferRefs
}

// state returns a run state whose slots hold the constants.
func (p *graphPlan) state() *runState {
	st, ok := p.pool.Get().(*runState)
	if !ok {
		st = &runState{vals: make([]*tensor, p.nslots), args: make([]*tensor, p.maxIn), refs: bufferRefs{}}
	}
	copy(st.vals, p.init)
	return st
}

func (p *graphPlan) release(st *runState) {
	clear(st.vals)
	clear(st.args)
	clear(st.refs)
	p.pool.Put(st)
}
