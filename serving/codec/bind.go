package codec

import (
	"github.com/paddockml/paddock/flavor"
)

// layout is how a model takes its inputs.
type layout int

const (
	// tabular: one [batch, width] input whose columns sig.Columns names.
	tabular layout = iota
	// perColumn: one [batch] input per column (scikit-learn pipelines
	// over mixed columns, MLflow column signatures of mixed types).
	perColumn
	// tensors: named tensors of any shape (ONNX).
	tensors
)

func layoutOf(sig flavor.Signature) layout {
	in := sig.Inputs
	if len(in) == 1 && len(in[0].Shape) == 2 && len(sig.Columns) > 0 {
		return tabular
	}
	for _, s := range in {
		if len(s.Shape) != 1 {
			return tensors
		}
	}
	return perColumn
}

// Bind fits in to sig and returns the tensors to predict on, in the order
// of sig.Inputs. For a tabular model (one 2-D input and sig.Columns):
// named tables are matched by column name (extra columns are ignored, a
// missing one is an error naming it), positional rows must have exactly
// len(sig.Columns) cells, and a single 2-D tensor of that width is taken
// as it is. Models with one input per column take a table by column name
// or tensors by name. Tensor models take tensors by name, or a single
// unnamed tensor for a single-input model, and a table's cells as one 2-D
// input when the model has exactly one 2-D input. Numbers convert to the
// input's numeric dtype; a string where a number is wanted (or the other
// way round) is an error naming the column; null is NaN for float inputs
// and an error otherwise.
//
// Beyond that: a tabular model also takes one [batch] tensor per column
// (MLflow's {"inputs": {"f0": [...], ...}}), and a single-input model
// takes a single tensor whatever its name (KServe clients often send
// "input-0"). The returned tensors may share memory with in.
func Bind(in Input, sig flavor.Signature) ([]flavor.Tensor, error) {
	if len(sig.Inputs) == 0 {
		return nil, inputErr("the model declares no inputs")
	}
	switch {
	case in.Table != nil:
		if err := checkTable(in.Table); err != nil {
			return nil, err
		}
		return bindTable(in.Table, sig)
	case len(in.Tensors) > 0:
		for i := range in.Tensors {
			if err := checkTensor(&in.Tensors[i]); err != nil {
				return nil, err
			}
		}
		return bindTensors(in.Tensors, sig)
	}
	return nil, inputErr("the request holds no input")
}

// checkTable guards against a Table built by hand with inconsistent
// fields, which would otherwise index out of range.
func checkTable(t *Table) error {
	switch {
	case t.Rows <= 0 || t.Width <= 0:
		return inputErr("the request holds no rows")
	case t.Rows > maxElements/t.Width || len(t.Cells) != t.Rows*t.Width:
		return inputErr("the table's cells do not fill %d rows of %d", t.Rows, t.Width)
	case t.Columns != nil && len(t.Columns) != t.Width:
		return inputErr("the table names %d columns for rows of %d", len(t.Columns), t.Width)
	}
	return nil
}

// checkTensor guards against a tensor whose data does not fill its shape.
func checkTensor(t *flavor.Tensor) error {
	if !knownDType(t.DType) {
		return inputErr("input %q has unsupported dtype %q", t.Name, t.DType)
	}
	n, ok := countOf(t.Shape)
	if !ok {
		return inputErr("input %q: shape %v has a negative dimension or more than %d values", t.Name, t.Shape, maxElements)
	}
	if dataLen(t) != n {
		return inputErr("input %q: %d values for shape %v", t.Name, dataLen(t), t.Shape)
	}
	return nil
}

// dataLen is the length of the data slice t's dtype uses; -1 for an
// unknown dtype.
func dataLen(t *flavor.Tensor) int {
	switch t.DType {
	case flavor.Float32:
		return len(t.F32)
	case flavor.Float64:
		return len(t.F64)
	case flavor.Int64:
		return len(t.I64)
	case flavor.String:
		return len(t.Str)
	case flavor.Bool:
		return len(t.Bool)
	}
	return -1
}

// inputNames lists a signature's input names for messages.
func inputNames(sig flavor.Signature) string {
	names := make([]string, len(sig.Inputs))
	for i, s := range sig.Inputs {
		names[i] = s.Name
	}
	return quoteList(names)
}
