package onnx

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// runOp builds one node through the real attribute decoder and registry
// and runs it on the given inputs (nil = omitted optional input).
func runOp(t *testing.T, opset int64, op string, nOut int, attrs []tAttr, in ...*tensor) ([]*tensor, error) {
	t.Helper()
	tn := tNode{op: op, name: "n", attrs: attrs}
	for i, x := range in {
		name := ""
		if x != nil {
			name = "i" + itoa(i)
		}
		tn.in = append(tn.in, name)
	}
	for i := 0; i < nOut; i++ {
		tn.out = append(tn.out, "o"+itoa(i))
	}
	n, err := decodeNode(tn.bytes(), 0)
	if err != nil {
		t.Fatalf("decode node: %v", err)
	}
	k, err := buildKernel(&buildCtx{node: n, opset: opset, consts: make([]*tensor, len(in))})
	if err != nil {
		return nil, err
	}
	return k(context.Background(), in)
}

func mustOp(t *testing.T, opset int64, op string, attrs []tAttr, in ...*tensor) *tensor {
	t.Helper()
	out, err := runOp(t, opset, op, 1, attrs, in...)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return out[0]
}

func ft(shape []int, v ...float32) *tensor { return &tensor{dtype: typeFloat, shape: shape, f32: v} }
func it(shape []int, v ...int64) *tensor   { return &tensor{dtype: typeInt64, shape: shape, i64: v} }
func bt(shape []int, v ...bool) *tensor    { return &tensor{dtype: typeBool, shape: shape, b: v} }

func wantF32(t *testing.T, got *tensor, shape []int, want ...float32) {
	t.Helper()
	if got.dtype != typeFloat || !sameShape(got.shape, shape) || len(got.f32) != len(want) {
		t.Fatalf("got %v %v (%d values), want float %v (%d values)", got.dtype, got.shape, got.len(), shape, len(want))
	}
	for i := range want {
		if math.Abs(float64(got.f32[i]-want[i])) > 1e-6 {
			t.Fatalf("element %d = %v, want %v (all: %v)", i, got.f32[i], want[i], got.f32)
		}
	}
}

func wantI64(t *testing.T, got *tensor, shape []int, want ...int64) {
	t.Helper()
	if got.dtype.store() != storeI64 || !sameShape(got.shape, shape) {
		t.Fatalf("got %v %v, want int %v", got.dtype, got.shape, shape)
	}
	for i := range want {
		if got.i64[i] != want[i] {
			t.Fatalf("got %v, want %v", got.i64, want)
		}
	}
}

func TestGatherNegativeIndices(t *testing.T) {
	data := ft([]int{3, 2}, 1, 2, 3, 4, 5, 6)
	got := mustOp(t, 13, "Gather", nil, data, it([]int{2, 2}, -1, 0, 1, -3))
	wantF32(t, got, []int{2, 2, 2}, 5, 6, 1, 2, 3, 4, 1, 2)

	got = mustOp(t, 13, "Gather", []tAttr{intAttr("axis", 1)}, data, it([]int{}, -1))
	wantF32(t, got, []int{3}, 2, 4, 6)

	for _, bad := range []int64{3, -4, math.MaxInt64, math.MinInt64} {
		_, err := runOp(t, 13, "Gather", 1, nil, data, it([]int{1}, bad))
		if !errors.Is(err, flavor.ErrInput) {
			t.Errorf("index %d: err = %v, want ErrInput", bad, err)
		}
	}
}

func TestSoftmaxAxis(t *testing.T) {
	x := ft([]int{2, 2, 2}, 0, 1, 2, 3, 4, 5, 6, 7)
	// Axis 1: pairs (0,2), (1,3), (4,6), (5,7) differ by 2.
	lo, hi := float32(1/(1+math.Exp(2))), float32(1/(1+math.Exp(-2)))
	got := mustOp(t, 13, "Softmax", []tAttr{intAttr("axis", 1)}, x)
	wantF32(t, got, []int{2, 2, 2}, lo, lo, hi, hi, lo, lo, hi, hi)
	// Default axis -1: pairs of neighbours differ by 1 (opset 13 semantics,
	// not the flattened 2-D view of opset 11).
	a, b := float32(1/(1+math.E)), float32(1/(1+1/math.E))
	got = mustOp(t, 13, "Softmax", nil, x)
	wantF32(t, got, []int{2, 2, 2}, a, b, a, b, a, b, a, b)
	got = mustOp(t, 13, "LogSoftmax", nil, ft([]int{2}, 1000, 1000))
	wantF32(t, got, []int{2}, float32(-math.Ln2), float32(-math.Ln2))
}

func TestBroadcasting(t *testing.T) {
	x := ft([]int{2, 3, 1}, 1, 2, 3, 4, 5, 6)
	y := ft([]int{1, 4}, 10, 20, 30, 40)
	got := mustOp(t, 13, "Add", nil, x, y)
	if !sameShape(got.shape, []int{2, 3, 4}) || got.f32[0] != 11 || got.f32[7] != 42 || got.f32[23] != 46 {
		t.Fatalf("Add broadcast = %v %v", got.shape, got.f32)
	}
	got = mustOp(t, 13, "Sub", nil, ft([]int{}, 1), ft([]int{3}, 1, 2, 3))
	wantF32(t, got, []int{3}, 0, -1, -2)
	got = mustOp(t, 13, "Div", nil, ft([]int{2, 2}, 2, 4, 6, 8), ft([]int{2, 1}, 2, 4))
	wantF32(t, got, []int{2, 2}, 1, 2, 1.5, 2)
	got = mustOp(t, 13, "Where", nil, bt([]int{2, 1}, true, false), ft([]int{3}, 1, 2, 3), ft([]int{}, -1))
	wantF32(t, got, []int{2, 3}, 1, 2, 3, -1, -1, -1)
	eq := mustOp(t, 13, "Equal", nil, it([]int{3}, 0, 5, 0), it([]int{}, 0))
	if !eq.b[0] || eq.b[1] || !eq.b[2] {
		t.Fatalf("Equal = %v", eq.b)
	}
	if _, err := runOp(t, 13, "Mul", 1, nil, ft([]int{2, 3}), ft([]int{2})); !errors.Is(err, flavor.ErrInput) {
		t.Fatalf("incompatible shapes: err = %v", err)
	}
	if _, err := runOp(t, 13, "Div", 1, nil, it([]int{1}, 1), it([]int{1}, 0)); !errors.Is(err, flavor.ErrInput) {
		t.Fatalf("integer division by zero: err = %v", err)
	}
}

func TestSlice(t *testing.T) {
	x := ft([]int{2, 5}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	cases := []struct {
		name                      string
		starts, ends, axes, steps []int64
		shape                     []int
		want                      []float32
	}{
		{"negative start, huge end", []int64{-3}, []int64{math.MaxInt64}, []int64{1}, nil, []int{2, 3}, []float32{2, 3, 4, 7, 8, 9}},
		{"negative end", []int64{0, 1}, []int64{1, -1}, nil, nil, []int{1, 3}, []float32{1, 2, 3}},
		{"backwards to the start", []int64{-1}, []int64{math.MinInt64}, []int64{-1}, []int64{-2}, []int{2, 3}, []float32{4, 2, 0, 9, 7, 5}},
		{"out of range start", []int64{10}, []int64{20}, []int64{1}, nil, []int{2, 0}, nil},
		{"step larger than dim", []int64{1}, []int64{5}, []int64{1}, []int64{math.MaxInt64}, []int{2, 1}, []float32{1, 6}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := []*tensor{x, it([]int{len(c.starts)}, c.starts...), it([]int{len(c.ends)}, c.ends...), nil, nil}
			if c.axes != nil {
				in[3] = it([]int{len(c.axes)}, c.axes...)
			}
			if c.steps != nil {
				in[4] = it([]int{len(c.steps)}, c.steps...)
			}
			wantF32(t, mustOp(t, 13, "Slice", nil, in...), c.shape, c.want...)
		})
	}
	if _, err := runOp(t, 13, "Slice", 1, nil, x, it([]int{1}, 0), it([]int{1}, 1), it([]int{1}, 0), it([]int{1}, 0)); !errors.Is(err, flavor.ErrInput) {
		t.Fatalf("step 0: err = %v", err)
	}
}

func TestReduce(t *testing.T) {
	x := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	got := mustOp(t, 13, "ReduceSum", nil, x, it([]int{1}, -1))
	wantF32(t, got, []int{2, 1}, 6, 15)
	got = mustOp(t, 13, "ReduceSum", []tAttr{intAttr("keepdims", 0)}, x, it([]int{1}, 0))
	wantF32(t, got, []int{3}, 5, 7, 9)
	got = mustOp(t, 13, "ReduceSum", []tAttr{intAttr("keepdims", 0)}, x)
	wantF32(t, got, []int{}, 21)
	got = mustOp(t, 13, "ReduceSum", []tAttr{intAttr("noop_with_empty_axes", 1)}, x, it([]int{0}))
	wantF32(t, got, []int{2, 3}, 1, 2, 3, 4, 5, 6)
	// Before opset 18, ReduceMean takes axes as an attribute.
	got = mustOp(t, 14, "ReduceMean", []tAttr{intsAttr("axes", -1)}, x)
	wantF32(t, got, []int{2, 1}, 2, 5)
	got = mustOp(t, 18, "ReduceMax", []tAttr{intAttr("keepdims", 0)}, x, it([]int{1}, 0))
	wantF32(t, got, []int{3}, 4, 5, 6)
	if _, err := runOp(t, 14, "ReduceMean", 1, nil, x, it([]int{1}, 0)); !errors.Is(err, flavor.ErrCorrupt) {
		t.Fatalf("axes input at opset 14: err = %v", err)
	}
	am := mustOp(t, 13, "ArgMax", []tAttr{intAttr("axis", 1), intAttr("select_last_index", 1)}, ft([]int{2, 3}, 1, 3, 3, 0, 0, -1))
	wantI64(t, am, []int{2, 1}, 2, 1)
}

func TestShapeOps(t *testing.T) {
	x := ft([]int{2, 3, 4}, make([]float32, 24)...)
	got := mustOp(t, 13, "Reshape", nil, x, it([]int{3}, 0, -1, 2))
	if !sameShape(got.shape, []int{2, 6, 2}) {
		t.Fatalf("Reshape(0,-1,2) = %v", got.shape)
	}
	if _, err := runOp(t, 14, "Reshape", 1, []tAttr{intAttr("allowzero", 1)}, x, it([]int{2}, 0, -1)); !errors.Is(err, flavor.ErrInput) {
		t.Fatalf("allowzero reshape to zero dim: err = %v", err)
	}
	got = mustOp(t, 13, "Unsqueeze", nil, x, it([]int{2}, -1, 0))
	if !sameShape(got.shape, []int{1, 2, 3, 4, 1}) {
		t.Fatalf("Unsqueeze = %v", got.shape)
	}
	got = mustOp(t, 13, "Squeeze", nil, got, it([]int{1}, -1))
	if !sameShape(got.shape, []int{1, 2, 3, 4}) {
		t.Fatalf("Squeeze = %v", got.shape)
	}
	if _, err := runOp(t, 13, "Squeeze", 1, nil, x, it([]int{1}, 0)); !errors.Is(err, flavor.ErrInput) {
		t.Fatalf("squeezing a dim of 2: err = %v", err)
	}
	tr := mustOp(t, 13, "Transpose", []tAttr{intsAttr("perm", 1, 0)}, ft([]int{2, 3}, 1, 2, 3, 4, 5, 6))
	wantF32(t, tr, []int{3, 2}, 1, 4, 2, 5, 3, 6)
	tr = mustOp(t, 13, "Transpose", []tAttr{intsAttr("perm", 2, 0, 1)}, ft([]int{1, 2, 2}, 1, 2, 3, 4))
	wantF32(t, tr, []int{2, 1, 2}, 1, 3, 2, 4)
	cc := mustOp(t, 13, "Concat", []tAttr{intAttr("axis", -1)}, ft([]int{2, 1}, 1, 2), ft([]int{2, 2}, 3, 4, 5, 6))
	wantF32(t, cc, []int{2, 3}, 1, 3, 4, 2, 5, 6)
	sh := mustOp(t, 15, "Shape", []tAttr{intAttr("start", -2)}, x)
	wantI64(t, sh, []int{2}, 3, 4)
	ex := mustOp(t, 13, "Expand", nil, ft([]int{2, 1}, 1, 2), it([]int{3}, 2, 1, 3))
	wantF32(t, ex, []int{2, 2, 3}, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2)
	fl := mustOp(t, 13, "Flatten", []tAttr{intAttr("axis", 2)}, x)
	if !sameShape(fl.shape, []int{6, 4}) {
		t.Fatalf("Flatten = %v", fl.shape)
	}
	rg := mustOp(t, 13, "Range", nil, it([]int{}, 10), it([]int{}, 1), it([]int{}, -3))
	wantI64(t, rg, []int{3}, 10, 7, 4)
	parts, err := runOp(t, 13, "Split", 2, []tAttr{intAttr("axis", 1)}, ft([]int{1, 4}, 1, 2, 3, 4), it([]int{2}, 1, 3))
	if err != nil {
		t.Fatal(err)
	}
	wantF32(t, parts[0], []int{1, 1}, 1)
	wantF32(t, parts[1], []int{1, 3}, 2, 3, 4)
	if _, err := runOp(t, 13, "ConstantOfShape", 1, nil, it([]int{2}, 1<<40, 1<<40)); !errors.Is(err, flavor.ErrInput) {
		t.Fatalf("ConstantOfShape of an absurd shape: err = %v", err)
	}
}

func TestMatMulBroadcast(t *testing.T) {
	a := ft([]int{2, 1, 2, 3}, 1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0)
	b := ft([]int{3, 3, 1}, 1, 1, 1, 2, 2, 2, 0, 0, 1)
	got := mustOp(t, 13, "MatMul", nil, a, b)
	wantF32(t, got, []int{2, 3, 2, 1}, 6, 15, 12, 30, 3, 6, 1, 1, 2, 2, 0, 0)
	v := mustOp(t, 13, "MatMul", nil, ft([]int{3}, 1, 2, 3), ft([]int{3}, 4, 5, 6))
	wantF32(t, v, []int{}, 32)
	v = mustOp(t, 13, "MatMul", nil, ft([]int{2}, 1, 2), ft([]int{2, 2}, 1, 2, 3, 4))
	wantF32(t, v, []int{2}, 7, 10)
	if _, err := runOp(t, 13, "MatMul", 1, nil, ft([]int{2, 3}, make([]float32, 6)...), ft([]int{2, 3}, make([]float32, 6)...)); !errors.Is(err, flavor.ErrInput) {
		t.Fatalf("mismatched inner dims: err = %v", err)
	}
}

func TestGemmAttributes(t *testing.T) {
	a := ft([]int{3, 2}, 1, 2, 3, 4, 5, 6) // transA: [2,3]
	b := ft([]int{2, 3}, 1, 0, 0, 0, 1, 0) // transB: [3,2]
	c := ft([]int{2, 1}, 10, 20)
	got := mustOp(t, 13, "Gemm", []tAttr{intAttr("transA", 1), intAttr("transB", 1), floatAttr("alpha", 2), floatAttr("beta", 0.5)}, a, b, c)
	// Aᵀ = [[1,3,5],[2,4,6]], Bᵀ = [[1,0],[0,1],[0,0]]: AᵀBᵀ = [[1,3],[2,4]].
	wantF32(t, got, []int{2, 2}, 7, 11, 14, 18)
}

func TestLayerNormalization(t *testing.T) {
	x := ft([]int{2, 2}, 1, 3, -1, -1)
	got, err := runOp(t, 17, "LayerNormalization", 1, []tAttr{floatAttr("epsilon", 0)}, x, ft([]int{2}, 2, 1), ft([]int{2}, 0, 10))
	if err != nil {
		t.Fatal(err)
	}
	wantF32(t, got[0], []int{2, 2}, -2, 11, 0, 10)
}

func TestCastAndClip(t *testing.T) {
	got := mustOp(t, 13, "Cast", []tAttr{intAttr("to", int64(typeInt64))}, ft([]int{3}, -1.7, 2.9, 0))
	wantI64(t, got, []int{3}, -1, 2, 0)
	got = mustOp(t, 13, "Cast", []tAttr{intAttr("to", int64(typeInt32))}, it([]int{1}, 1<<32+5))
	wantI64(t, got, []int{1}, 5)
	bb := mustOp(t, 13, "Cast", []tAttr{intAttr("to", int64(typeBool))}, ft([]int{2}, 0, 0.5))
	if bb.b[0] || !bb.b[1] {
		t.Fatalf("Cast to bool = %v", bb.b)
	}
	if _, err := runOp(t, 13, "Cast", 1, []tAttr{intAttr("to", int64(typeDouble))}, ft([]int{1}, 1)); !errors.Is(err, flavor.ErrUnsupported) {
		t.Fatalf("Cast to double: err = %v", err)
	}
	cl := mustOp(t, 13, "Clip", nil, ft([]int{3}, -5, 0.5, 5), ft([]int{}, 0), nil)
	wantF32(t, cl, []int{3}, 0, 0.5, 5)
}

func TestActivations(t *testing.T) {
	x := ft([]int{3}, -1, 0, 1)
	wantF32(t, mustOp(t, 13, "Relu", nil, x), []int{3}, 0, 0, 1)
	wantF32(t, mustOp(t, 13, "Sigmoid", nil, x), []int{3}, 0.26894142, 0.5, 0.7310586)
	wantF32(t, mustOp(t, 20, "Gelu", nil, x), []int{3}, -0.15865526, 0, 0.8413447)
	wantF32(t, mustOp(t, 20, "Gelu", []tAttr{{name: "approximate", typ: attrString, s: "tanh"}}, x), []int{3}, -0.15880801, 0, 0.841192)
	wantF32(t, mustOp(t, 13, "Pow", nil, x, ft([]int{}, 2)), []int{3}, 1, 0, 1)
	wantF32(t, mustOp(t, 13, "Erf", nil, x), []int{3}, -0.8427008, 0, 0.8427008)
}
