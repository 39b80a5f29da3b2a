package onnx

import (
	"context"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// TestBufferRecycling checks that recycling never hands out a buffer that
// is still read: a constant aliased at run time (Dropout returns its
// input), an outer value a Loop body reads last (the body must not
// recycle what its caller still needs) and the caller's input.
func TestBufferRecycling(t *testing.T) {
	const n = 1024 // large enough to come from the pool
	body := &tGraph{
		nodes:   []tNode{node("Identity", []string{"cond_in"}, "cond_out"), node("Neg", []string{"a"}, "s")},
		inputs:  []tValue{intIn("iter"), {name: "cond_in", dt: typeBool}},
		outputs: []tValue{{name: "cond_out", dt: typeBool}, floatIn("s", n)},
	}
	g := &tGraph{
		nodes: []tNode{
			node("Add", []string{"x", "w"}, "a"),      // pooled intermediate
			node("Dropout", []string{"w", "r"}, "wd"), // run-time alias of a constant
			{op: "Loop", name: "loop", in: []string{"one", "true"}, out: []string{"scan"},
				attrs: []tAttr{{name: "body", typ: attrGraph, g: body}}}, // reads "a" last
			node("Add", []string{"a", "scan"}, "s1"),
			node("Add", []string{"s1", "wd"}, "y"),
		},
		inits: []tTensor{floatInit("w", []int64{n}, filled(n, 1)...), intInit("one", nil, 1),
			{name: "true", dt: typeBool, i64: []int64{1}}},
		inputs:  []tValue{floatIn("x", n), floatIn("r")},
		outputs: []tValue{floatIn("y", 1, n)},
	}
	m, err := Parse(modelBytes(13, g))
	if err != nil {
		t.Fatal(err)
	}
	x := filled(n, 2)
	for run := 0; run < 5; run++ {
		in := []flavor.Tensor{
			{DType: flavor.Float32, Shape: []int{n}, F32: x},
			{DType: flavor.Float32, Shape: []int{}, F32: []float32{0.5}},
		}
		out, err := m.Predict(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		// a = 3, scan = -3, wd = 1: y = 3 - 3 + 1.
		for i, v := range out[0].F32 {
			if v != 1 {
				t.Fatalf("run %d: y[%d] = %v, want 1", run, i, v)
			}
		}
		if x[0] != 2 || x[n-1] != 2 {
			t.Fatalf("run %d: the caller's input was overwritten", run)
		}
	}
}

func filled(n int, v float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = v
	}
	return s
}
