package onnx

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unsafe"
)

// graphPlan is a graph compiled for execution: every value has a slot,
// constants are placed once, and steps run in topological order with
// their kernels already built. A plan is immutable and safe for
// concurrent runs; per-run slot arrays come from a pool.
type graphPlan struct {
	nslots   int
	inputs   []int     // slots of the formal inputs, then of captured values
	captured []string  // outer-scope names a subgraph reads (subgraphs only)
	init     []*tensor // slot values every run starts from: the constants
	steps    []step
	outputs  []int
	outTypes []dataType // declared element types of the outputs
	maxIn    int
	keep     map[unsafe.Pointer]bool // constant buffers, never recycled
	pool     sync.Pool
}

// step is one node to execute.
type step struct {
	op, name string
	run      kernel
	in, out  []int // -1 marks an omitted optional input or unused output
	free     []int // slots last read by this step, released after it
}

// compiler holds what is shared while compiling a model's graphs.
type compiler struct {
	opset      int64
	foldBudget int // elements constant folding may still create
}

// undefinedSlot marks an omitted optional input.
const undefinedSlot = -1

// graphScope is the symbol table of one graph being compiled.
type graphScope struct {
	g        *graphProto
	sub      bool
	slots    map[string]int
	producer []int // node index per slot, -1 for inputs and initializers
	consts   map[int]*tensor
	plan     *graphPlan
	inputs   [][]int // per node: input slots (declared then captured)
	bodies   []*graphPlan
}

func (s *graphScope) define(name, what string, producer int) (int, error) {
	if name == "" {
		return undefinedSlot, nil
	}
	if _, dup := s.slots[name]; dup {
		return 0, corruptf("value %q is defined twice (again as %s)", name, what)
	}
	id := len(s.producer)
	s.slots[name] = id
	s.producer = append(s.producer, producer)
	return id, nil
}

// compileGraph compiles g. For a subgraph (sub), names not defined inside
// are captured from the enclosing graph and bound after the formal inputs.
func (c *compiler) compileGraph(g *graphProto, sub bool) (*graphPlan, error) {
	s := &graphScope{g: g, sub: sub, slots: map[string]int{}, consts: map[int]*tensor{}, plan: &graphPlan{}}
	if err := s.defineSources(); err != nil {
		return nil, err
	}
	if err := c.defineNodes(s); err != nil {
		return nil, err
	}
	order, err := s.topoOrder()
	if err != nil {
		return nil, err
	}
	if err := c.buildSteps(s, order); err != nil {
		return nil, err
	}
	return s.finish()
}

// defineSources gives slots to initializers and graph inputs. An input
// that shares its name with an initializer is a constant with a default
// (older exporters list weights as inputs): it is treated as constant.
func (s *graphScope) defineSources() error {
	if s.g.sparseInits > 0 {
		return unsupportedf("sparse initializers")
	}
	for _, p := range s.g.initializers {
		if p.name == "" {
			return corruptf("initializer without a name")
		}
		t, err := p.toTensor()
		if err != nil {
			return err
		}
		id, err := s.define(p.name, "initializer", -1)
		if err != nil {
			return err
		}
		s.consts[id] = t
	}
	for _, in := range s.g.inputs {
		if _, isInit := s.slots[in.name]; isInit && !s.sub {
			continue
		}
		id, err := s.define(in.name, "graph input", -1)
		if err != nil {
			return err
		}
		if id == undefinedSlot {
			return corruptf("graph input without a name")
		}
		s.plan.inputs = append(s.plan.inputs, id)
	}
	return nil
}

// defineNodes compiles subgraphs, defines every node output and resolves
// every node input to a slot.
func (c *compiler) defineNodes(s *graphScope) error {
	s.bodies = make([]*graphPlan, len(s.g.nodes))
	for i, n := range s.g.nodes {
		for _, a := range n.attrs {
			if a.g == nil {
				continue
			}
			body, err := c.compileGraph(a.g, true)
			if err != nil {
				return fmt.Errorf("subgraph %q of node %q: %w", a.name, n.name, err)
			}
			s.bodies[i] = body
		}
		for _, o := range n.outputs {
			if _, err := s.define(o, "output of node "+n.name, i); err != nil {
				return err
			}
		}
	}
	s.inputs = make([][]int, len(s.g.nodes))
	for i, n := range s.g.nodes {
		names := n.inputs
		if s.bodies[i] != nil {
			names = append(append([]string(nil), names...), s.bodies[i].captured...)
		}
		for _, name := range names {
			id, err := s.resolve(name, n)
			if err != nil {
				return err
			}
			s.inputs[i] = append(s.inputs[i], id)
		}
	}
	return nil
}

func (s *graphScope) resolve(name string, n *nodeProto) (int, error) {
	if name == "" {
		return undefinedSlot, nil
	}
	if id, ok := s.slots[name]; ok {
		return id, nil
	}
	if !s.sub {
		return 0, corruptf("node %q (%s) reads %q, which nothing defines", n.name, n.opType, name)
	}
	id, _ := s.define(name, "captured value", -1)
	s.plan.captured = append(s.plan.captured, name)
	s.plan.inputs = append(s.plan.inputs, id)
	return id, nil
}

// topoOrder sorts nodes so each runs after its producers (Kahn's
// algorithm, stable in file order). Nodes left over form a cycle.
func (s *graphScope) topoOrder() ([]int, error) {
	n := len(s.g.nodes)
	indeg := make([]int, n)
	users := make([][]int, n)
	for i, ins := range s.inputs {
		for _, id := range ins {
			if id == undefinedSlot || s.producer[id] < 0 {
				continue
			}
			p := s.producer[id]
			users[p] = append(users[p], i)
			indeg[i]++
		}
	}
	order := make([]int, 0, n)
	for i := range indeg {
		if indeg[i] == 0 {
			order = append(order, i)
		}
	}
	for k := 0; k < len(order); k++ {
		for _, u := range users[order[k]] {
			if indeg[u]--; indeg[u] == 0 {
				order = append(order, u)
			}
		}
	}
	if len(order) != n {
		for i := range indeg {
			if indeg[i] > 0 {
				return nil, corruptf("graph has a cycle through node %q (%s)", s.g.nodes[i].name, s.g.nodes[i].opType)
			}
		}
	}
	return order, nil
}

// buildSteps builds each node's kernel in topological order. A node whose
// inputs are all constants is run once here (constant folding) and its
// outputs become constants, so shape arithmetic on weights and Constant
// nodes cost nothing per request.
func (c *compiler) buildSteps(s *graphScope, order []int) error {
	for _, i := range order {
		n := s.g.nodes[i]
		ins := s.inputs[i]
		bc := &buildCtx{node: n, opset: c.opset, consts: make([]*tensor, len(ins)), body: s.bodies[i]}
		foldable := true
		for j, id := range ins {
			if id == undefinedSlot {
				continue
			}
			bc.consts[j] = s.consts[id]
			foldable = foldable && bc.consts[j] != nil
		}
		run, err := buildKernel(bc)
		if err != nil {
			return fmt.Errorf("node %q: %w", n.name, err)
		}
		outs := make([]int, len(n.outputs))
		for j, o := range n.outputs {
			outs[j] = undefinedSlot
			if o != "" {
				outs[j] = s.slots[o]
			}
		}
		st := step{op: n.opType, name: n.name, run: run, in: ins, out: outs}
		if foldable {
			if err := c.fold(s, st, bc.consts); err != nil {
				return err
			}
			continue
		}
		s.plan.steps = append(s.plan.steps, st)
	}
	return nil
}

func (c *compiler) fold(s *graphScope, st step, in []*tensor) error {
	outs, err := st.run(context.Background(), in)
	if err != nil {
		return corruptf("constant folding node %q (%s): %v", st.name, st.op, err)
	}
	for j, id := range st.out {
		if id == undefinedSlot {
			continue
		}
		if j >= len(outs) || outs[j] == nil {
			return unsupportedf("node %q (%s) does not produce output %d", st.name, st.op, j)
		}
		if c.foldBudget -= outs[j].len(); c.foldBudget < 0 {
			return corruptf("constant folding creates more than %d elements", maxElements)
		}
		s.consts[id] = outs[j]
	}
	return nil
}

// finish places constants, maps graph outputs and computes when each slot
// is last read so runs can drop intermediate tensors early.
func (s *graphScope) finish() (*graphPlan, error) {
	p := s.plan
	p.nslots = len(s.producer)
	p.init = make([]*tensor, p.nslots)
	p.keep = map[unsafe.Pointer]bool{}
	for id, t := range s.consts {
		p.init[id] = t
		if ptr := dataPtr(t); ptr != nil {
			p.keep[ptr] = true
		}
	}
	for _, o := range s.g.outputs {
		id, ok := s.slots[o.name]
		if !ok {
			return nil, corruptf("graph output %q is not produced by any node", o.name)
		}
		p.outputs = append(p.outputs, id)
		p.outTypes = append(p.outTypes, o.elemType)
	}
	if len(p.outputs) == 0 {
		return nil, corruptf("graph has no outputs")
	}
	lastUse := make([]int, p.nslots)
	for i := range lastUse {
		lastUse[i] = -1
	}
	for i, st := range p.steps {
		p.maxIn = max(p.maxIn, len(st.in))
		for _, id := range st.in {
			if id != undefinedSlot {
				lastUse[id] = i
			}
		}
	}
	for _, id := range p.outputs {
		lastUse[id] = len(p.steps)
	}
	for id, last := range lastUse {
		if last >= 0 && last < len(p.steps) && p.init[id] == nil {
			p.steps[last].free = append(p.steps[last].free, id)
		}
	}
	return p, nil
}

// unsupportedOps lists, sorted and once each, the operators of g and its
// subgraphs that have no implementation.
func unsupportedOps(g *graphProto) []string {
	seen := map[string]bool{}
	var walk func(g *graphProto)
	walk = func(g *graphProto) {
		for _, n := range g.nodes {
			if _, ok := lookupOp(n.domain, n.opType); !ok {
				name := n.opType
				if n.domain != "" {
					name = n.domain + "." + n.opType
				}
				seen[name] = true
			}
			for _, a := range n.attrs {
				if a.g != nil {
					walk(a.g)
				}
			}
		}
	}
	walk(g)
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// unsupportedOpsError names every unsupported operator in one error.
func unsupportedOpsError(names []string) error {
	return unsupportedf("unsupported ONNX operators: %s", strings.Join(names, ", "))
}
