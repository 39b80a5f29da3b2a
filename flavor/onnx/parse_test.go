package onnx

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
	"google.golang.org/protobuf/encoding/protowire"
)

// reluModel is a minimal valid model: y = Relu(x · W + b).
func reluGraph() *tGraph {
	return &tGraph{
		nodes: []tNode{
			node("MatMul", []string{"x", "W"}, "h"),
			node("Add", []string{"h", "b"}, "z"),
			node("Relu", []string{"z"}, "y"),
		},
		inits:   []tTensor{floatInit("W", []int64{2, 2}, 1, -1, 2, 0), floatInit("b", []int64{2}, 0.5, 0)},
		inputs:  []tValue{floatIn("x", "batch", 2)},
		outputs: []tValue{floatIn("y", "batch", 2)},
	}
}

func TestParseMinimal(t *testing.T) {
	m, err := Parse(modelBytes(13, reluGraph()))
	if err != nil {
		t.Fatal(err)
	}
	sig := m.Signature()
	if len(sig.Inputs) != 1 || sig.Inputs[0].Name != "x" || sig.Inputs[0].DType != flavor.Float32 ||
		!sameShape(sig.Inputs[0].Shape, []int{-1, 2}) || sig.Outputs[0].Name != "y" || sig.Task != flavor.TaskOther {
		t.Fatalf("signature = %+v", sig)
	}
	for _, batch := range []int{1, 3} {
		x := flavor.Tensor{DType: flavor.Float32, Shape: []int{batch, 2}, F32: make([]float32, 2*batch)}
		x.F32[0], x.F32[1] = 1, 1
		out, err := m.Predict(context.Background(), []flavor.Tensor{x})
		if err != nil {
			t.Fatal(err)
		}
		if out[0].Name != "y" || !sameShape(out[0].Shape, []int{batch, 2}) || out[0].F32[0] != 3.5 || out[0].F32[1] != 0 {
			t.Fatalf("batch %d: out = %+v", batch, out[0])
		}
	}
}

func TestParseTypedDataAndFolding(t *testing.T) {
	g := reluGraph()
	g.inits[0].typed = true
	// b is computed at load from constants: Constant(0.25) * 2.
	g.inits = g.inits[:1]
	g.nodes = append([]tNode{
		{op: "Constant", name: "c", out: []string{"half"}, attrs: []tAttr{{name: "value", typ: attrTensor, t: &tTensor{dt: typeFloat, dims: []int64{2}, f32: []float32{0.25, 0}, typed: true}}}},
		node("Mul", []string{"half", "two"}, "b"),
	}, g.nodes...)
	g.inits = append(g.inits, floatInit("two", nil, 2))
	m, err := Parse(modelBytes(13, g))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.plan.steps) != 3 {
		t.Fatalf("plan has %d steps, want the 3 data-dependent ones", len(m.plan.steps))
	}
	out, err := m.Predict(context.Background(), []flavor.Tensor{{DType: flavor.Float32, Shape: []int{1, 2}, F32: []float32{1, 1}}})
	if err != nil || out[0].F32[0] != 3.5 {
		t.Fatalf("out = %v, %v", out, err)
	}
}

func TestParseErrors(t *testing.T) {
	cycle := reluGraph()
	cycle.nodes[0].in[0] = "y" // MatMul reads Relu's output, which depends on MatMul
	cycle.inputs = nil
	undefined := reluGraph()
	undefined.nodes[1].in[1] = "nowhere"
	dup := reluGraph()
	dup.nodes[1].out[0] = "h"
	unsupported := reluGraph()
	unsupported.nodes = append(unsupported.nodes,
		node("NonMaxSuppression", []string{"y"}, "n1"), node("TopK", []string{"y"}, "n2"),
		tNode{op: "FusedGemm", domain: "com.microsoft", name: "f", in: []string{"y"}, out: []string{"n3"}},
		node("TopK", []string{"y"}, "n4"))
	absurd := reluGraph()
	absurd.inits[0].dims = []int64{1 << 40, 1 << 40}
	short := reluGraph()
	short.inits[0].f32 = short.inits[0].f32[:3]
	external := reluGraph()
	external.inits[0].external = true
	badCast := reluGraph()
	badCast.nodes[2] = node("Cast", []string{"z"}, "y", intAttr("to", int64(typeDouble)))
	badAttr := reluGraph()
	badAttr.nodes[2] = node("Softmax", []string{"z"}, "y", tAttr{name: "axis", typ: attrFloat, f: 1})

	cases := []struct {
		name  string
		model []byte
		want  error
		msg   string
	}{
		{"empty", nil, flavor.ErrCorrupt, "empty"},
		{"garbage", []byte{0xff, 0xff, 0xff}, flavor.ErrCorrupt, "ModelProto"},
		{"graph as varint", protowire.AppendVarint(protowire.AppendTag(nil, 7, protowire.VarintType), 5), flavor.ErrCorrupt, "wire type"},
		{"no graph", modelBytes(13, reluGraph())[:5], flavor.ErrCorrupt, ""},
		{"cycle", modelBytes(13, cycle), flavor.ErrCorrupt, "cycle"},
		{"undefined input", modelBytes(13, undefined), flavor.ErrCorrupt, "nowhere"},
		{"defined twice", modelBytes(13, dup), flavor.ErrCorrupt, "defined twice"},
		{"unsupported ops", modelBytes(13, unsupported), flavor.ErrUnsupported, "unsupported ONNX operators: NonMaxSuppression, TopK, com.microsoft.FusedGemm"},
		{"old opset", modelBytes(9, reluGraph()), flavor.ErrUnsupported, "opset 9"},
		{"future opset", modelBytes(99, reluGraph()), flavor.ErrUnsupported, "opset 99"},
		{"absurd dims", modelBytes(13, absurd), flavor.ErrCorrupt, "invalid dimension"},
		{"short raw data", modelBytes(13, short), flavor.ErrCorrupt, "raw_data"},
		{"external data", modelBytes(13, external), flavor.ErrUnsupported, "external data needs the model's directory: use Load"},
		{"cast to double", modelBytes(13, badCast), flavor.ErrUnsupported, "DOUBLE"},
		{"attribute of wrong type", modelBytes(13, badAttr), flavor.ErrCorrupt, "axis"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.model)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v, want %v mentioning %q", err, c.want, c.msg)
			}
		})
	}
}

// TestParseTruncated cuts a real exported model at many points: every
// prefix must either load or fail with ErrCorrupt/ErrUnsupported.
func TestParseTruncated(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(flavortest.FixturesDir(t), "onnx", "mlp_softmax", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	failures := 0
	for cut := 0; cut < len(b); cut += 1 + cut/50 {
		_, err := Parse(b[:cut])
		if err == nil {
			continue
		}
		failures++
		if !errors.Is(err, flavor.ErrCorrupt) && !errors.Is(err, flavor.ErrUnsupported) {
			t.Fatalf("cut at %d: err = %v", cut, err)
		}
	}
	if failures == 0 {
		t.Fatal("no truncation was rejected")
	}
}

func TestPredictInputErrors(t *testing.T) {
	dir := filepath.Join(flavortest.FixturesDir(t), "onnx")
	bag, err := Load(filepath.Join(dir, "bag_text"))
	if err != nil {
		t.Fatal(err)
	}
	mlp, err := Load(filepath.Join(dir, "mlp_sigmoid"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := make([]int64, 32)
	tokens[3] = 1_000_000 // beyond the 5000-word vocabulary
	cases := []struct {
		name string
		m    *Model
		in   []flavor.Tensor
	}{
		{"token id out of range", bag, []flavor.Tensor{{DType: flavor.Int64, Shape: []int{1, 32}, I64: tokens}}},
		{"wrong width", mlp, []flavor.Tensor{{DType: flavor.Float32, Shape: []int{1, 19}, F32: make([]float32, 19)}}},
		{"wrong rank", mlp, []flavor.Tensor{{DType: flavor.Float32, Shape: []int{20}, F32: make([]float32, 20)}}},
		{"wrong dtype", mlp, []flavor.Tensor{{DType: flavor.Int64, Shape: []int{1, 20}, I64: make([]int64, 20)}}},
		{"data shorter than shape", mlp, []flavor.Tensor{{DType: flavor.Float32, Shape: []int{2, 20}, F32: make([]float32, 20)}}},
		{"absurd shape", mlp, []flavor.Tensor{{DType: flavor.Float32, Shape: []int{1 << 40, 20}}}},
		{"no inputs", mlp, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.m.Predict(context.Background(), c.in)
			if !errors.Is(err, flavor.ErrInput) {
				t.Fatalf("err = %v, want ErrInput", err)
			}
		})
	}
}

// TestLoopIsBounded runs a Loop whose condition never turns false: the
// request must end with the caller's deadline, not spin.
func TestLoopIsBounded(t *testing.T) {
	body := &tGraph{
		nodes:   []tNode{node("Identity", []string{"cond_in"}, "cond_out"), node("Identity", []string{"x"}, "s")},
		inputs:  []tValue{intIn("iter"), {name: "cond_in", dt: typeBool}},
		outputs: []tValue{{name: "cond_out", dt: typeBool}, floatIn("s", 2)},
	}
	g := &tGraph{
		nodes: []tNode{{op: "Loop", name: "loop", in: []string{"", "t"}, out: []string{"y"},
			attrs: []tAttr{{name: "body", typ: attrGraph, g: body}}}},
		inits:   []tTensor{{name: "t", dt: typeBool, i64: []int64{1}}},
		inputs:  []tValue{floatIn("x", 2)},
		outputs: []tValue{floatIn("y", -1, 2)},
	}
	m, err := Parse(modelBytes(13, g))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = m.Predict(ctx, []flavor.Tensor{{DType: flavor.Float32, Shape: []int{2}, F32: []float32{1, 2}}})
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, flavor.ErrInput) {
		t.Fatalf("err = %v, want deadline or iteration limit", err)
	}
}

// TestConcurrentPredict shares one model between goroutines; run with
// -race to check the plan and its pools.
func TestConcurrentPredict(t *testing.T) {
	dir := filepath.Join(flavortest.FixturesDir(t), "onnx", "transformer_encoder")
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	in := randomInput(m.Signature().Inputs[0], 3)
	want, err := m.Predict(context.Background(), []flavor.Tensor{in})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 5; i++ {
				got, err := m.Predict(context.Background(), []flavor.Tensor{in})
				if err == nil && !equalF32(got[0].F32, want[0].F32) {
					err = errors.New("concurrent result differs")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
