package onnx

import (
	"math"
)

// maxOutputs bounds variadic outputs (Split).
const maxOutputs = 1 << 12

// The opset range of the default ONNX domain this engine implements.
// Version-dependent semantics inside it (axes as attribute or input,
// Gelu from 20) are handled per operator.
const (
	minOpset = 13
	maxOpset = 20
)

// ops maps operator names of the default domain to their builders.
var ops map[string]builder

func init() {
	ops = map[string]builder{
		"Add": buildArith(opAdd), "Sub": buildArith(opSub),
		"Mul": buildArith(opMul), "Div": buildArith(opDiv),
		"Pow": buildPow,
		"Max": buildVariadic("Max"), "Min": buildVariadic("Min"),
		"Sum": buildVariadic("Sum"), "Mean": buildVariadic("Mean"),

		"Relu": unaryFloatVec(reluVec), "Sigmoid": unaryFloat(sigmoid),
		"Tanh": unaryFloat(f64(math.Tanh)), "Erf": unaryFloat(f64(math.Erf)),
		"Sqrt": unaryFloat(f64(math.Sqrt)), "Exp": unaryFloat(f64(math.Exp)),
		"Log": unaryFloat(f64(math.Log)), "Softplus": unaryFloat(softplus),
		"Floor": unaryFloat(f64(math.Floor)), "Ceil": unaryFloat(f64(math.Ceil)),
		"Reciprocal": unaryFloat(func(x float32) float32 { return 1 / x }),
		"Neg":        unaryNumeric(func(x float32) float32 { return -x }, func(x int64) int64 { return -x }),
		"Abs":        unaryNumeric(f64(math.Abs), func(x int64) int64 { return max(x, -x) }),
		"Gelu":       buildGelu, "LeakyRelu": buildLeakyRelu, "Elu": buildElu,

		"Equal": buildCompare(cmpEq), "Less": buildCompare(cmpLt), "Greater": buildCompare(cmpGt),
		"LessOrEqual": buildCompare(cmpLe), "GreaterOrEqual": buildCompare(cmpGe),
		"And": buildLogic(func(p, q bool) bool { return p && q }),
		"Or":  buildLogic(func(p, q bool) bool { return p || q }),
		"Xor": buildLogic(func(p, q bool) bool { return p != q }),
		"Not": buildNot, "Where": buildWhere, "Clip": buildClip, "Cast": buildCast,

		"Gemm": buildGemm, "MatMul": buildMatMul,
		"Softmax": buildSoftmax(false), "LogSoftmax": buildSoftmax(true),
		"LayerNormalization": buildLayerNorm, "BatchNormalization": buildBatchNorm,

		"ReduceSum": buildReduce(reduceSum), "ReduceMean": buildReduce(reduceMean),
		"ReduceMax": buildReduce(reduceMax), "ReduceMin": buildReduce(reduceMin),
		"ReduceProd": buildReduce(reduceProd), "ReduceSumSquare": buildReduce(reduceSumSquare),
		"ArgMax": buildArgExtreme(true), "ArgMin": buildArgExtreme(false),

		"Reshape": buildReshape, "Flatten": buildFlatten, "Transpose": buildTranspose,
		"Squeeze": buildSqueeze, "Unsqueeze": buildUnsqueeze,
		"Shape": buildShape, "Size": buildSize, "Concat": buildConcat, "Split": buildSplit,
		"Slice": buildSlice, "Gather": buildGather, "Expand": buildExpand,
		"Constant": buildConstant, "ConstantOfShape": buildConstantOfShape, "Range": buildRange,
		"Identity": buildIdentity, "Dropout": buildIdentity,

		"Loop": buildLoop,
	}
}

// lookupOp finds the builder for an operator.
func lookupOp(domain, opType string) (builder, bool) {
	if domain != "" {
		return nil, false
	}
	b, ok := ops[opType]
	return b, ok
}

// buildKernel resolves and builds a node's kernel.
func buildKernel(b *buildCtx) (kernel, error) {
	build, ok := lookupOp(b.node.domain, b.node.opType)
	if !ok {
		return nil, unsupportedOpsError([]string{b.node.opType})
	}
	return build(b)
}
