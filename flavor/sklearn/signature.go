package sklearn

import (
	"fmt"

	"github.com/paddockml/paddock/flavor"
)

// setSignature derives the inputs from the first step (its width, column
// names and which columns hold strings) and the outputs from the final
// estimator.
func (m *Model) setSignature(root *pyObject) error {
	width := -1
	if len(m.pre.steps) > 0 {
		width, _ = m.pre.steps[0].widths()
		m.kinds = m.pre.kinds()
	} else {
		width = predictorWidth(m.final)
	}
	if width < 0 {
		return fmt.Errorf("%w: the model does not record its number of features", flavor.ErrUnsupported)
	}
	if len(m.kinds) != width {
		m.kinds = make([]colKind, width)
	}
	names, err := featureNames(root, width)
	if err != nil {
		return err
	}
	m.tabular = true
	for _, k := range m.kinds {
		m.tabular = m.tabular && k == numCol
	}
	sig := flavor.Signature{Columns: make([]flavor.ColumnSpec, width)}
	for j, name := range names {
		sig.Columns[j] = flavor.ColumnSpec{Name: name, DType: kindDType(m.kinds[j])}
		if !m.tabular {
			sig.Inputs = append(sig.Inputs, flavor.TensorSpec{Name: name, DType: kindDType(m.kinds[j]), Shape: []int{-1}})
		}
	}
	if m.tabular {
		sig.Inputs = []flavor.TensorSpec{{Name: "input", DType: flavor.Float64, Shape: []int{-1, width}}}
	}
	m.setOutputs(&sig)
	m.sig = sig
	return nil
}

func (m *Model) setOutputs(sig *flavor.Signature) {
	switch e := m.final.(type) {
	case classifier:
		l := e.labels()
		sig.Task, sig.Classes = flavor.TaskClassification, l.names
		sig.Outputs = []flavor.TensorSpec{
			{Name: flavor.OutputPredictions, DType: l.dtype, Shape: []int{-1}},
			{Name: flavor.OutputProbabilities, DType: flavor.Float64, Shape: []int{-1, l.n()}},
		}
	case regressor:
		k, oneD := e.targets()
		shape := []int{-1, k}
		if oneD {
			shape = []int{-1}
		}
		sig.Task = flavor.TaskRegression
		sig.Outputs = []flavor.TensorSpec{{Name: flavor.OutputPredictions, DType: flavor.Float64, Shape: shape}}
	}
}

func kindDType(k colKind) flavor.DType {
	if k == strCol {
		return flavor.String
	}
	return flavor.Float64
}

// featureNames returns feature_names_in_ of the first estimator (a
// Pipeline delegates it to its first step), or x0..xN-1 when the model was
// fitted on an array without column names.
func featureNames(o *pyObject, width int) ([]string, error) {
	for depth := 0; o != nil && depth < maxDepth; depth++ {
		if v, ok := o.field("feature_names_in_"); ok {
			names, err := stringArray(v)
			if err != nil || len(names) != width {
				return nil, o.errorf("feature_names_in_", "does not name %d features", width)
			}
			return names, nil
		}
		o = firstStep(o)
	}
	names := make([]string, width)
	for j := range names {
		names[j] = fmt.Sprintf("x%d", j)
	}
	return names, nil
}

// firstStep returns a Pipeline's first real step, or nil.
func firstStep(o *pyObject) *pyObject {
	if o.class != "sklearn.pipeline.Pipeline" {
		return nil
	}
	steps, _ := asList(o.state["steps"])
	for _, s := range steps {
		pair, _ := asList(s)
		if len(pair) == 2 {
			if est, ok := pair[1].(*pyObject); ok {
				return est
			}
		}
	}
	return nil
}

// frameOf turns the predict inputs into a frame, checking them against
// the signature.
func (m *Model) frameOf(inputs []flavor.Tensor) (*frame, error) {
	if m.tabular {
		if len(inputs) != 1 {
			return nil, flavor.InputError("want 1 input tensor, got %d", len(inputs))
		}
		return tabularFrame(&inputs[0], len(m.kinds))
	}
	if len(inputs) != len(m.kinds) {
		return nil, flavor.InputError("want %d input tensors, one per column, got %d", len(m.kinds), len(inputs))
	}
	f := &frame{rows: -1, cols: make([]column, len(inputs))}
	for j := range inputs {
		spec := m.sig.Inputs[j]
		t := &inputs[j]
		if t.Name != "" && t.Name != spec.Name {
			return nil, flavor.InputError("input %d is named %q, want %q", j, t.Name, spec.Name)
		}
		rows, err := columnRows(t)
		if err != nil {
			return nil, err
		}
		if f.rows >= 0 && rows != f.rows {
			return nil, flavor.InputError("column %q has %d rows, earlier columns %d", spec.Name, rows, f.rows)
		}
		f.rows = rows
		if f.cols[j], err = columnOf(t, m.kinds[j]); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// tabularFrame converts a [batch, width] numeric tensor.
func tabularFrame(t *flavor.Tensor, width int) (*frame, error) {
	if len(t.Shape) != 2 || t.Shape[1] != width || t.Shape[0] < 0 {
		return nil, flavor.InputError("input has shape %v, want [batch, %d]", t.Shape, width)
	}
	if t.DType == flavor.String {
		return nil, flavor.InputError("input holds strings, want numbers")
	}
	rows := t.Shape[0]
	if err := checkData(t, rows*width); err != nil {
		return nil, err
	}
	f := newNumFrame(rows, width)
	for j := range width {
		dst := f.cols[j].num
		if t.DType == flavor.Float64 {
			for i := range rows {
				dst[i] = t.F64[i*width+j]
			}
			continue
		}
		for i := range rows {
			dst[i] = numberAt(t, i*width+j)
		}
	}
	return f, nil
}

// columnRows returns the row count of a per-column tensor: [batch] or
// [batch, 1].
func columnRows(t *flavor.Tensor) (int, error) {
	if (len(t.Shape) == 1 || (len(t.Shape) == 2 && t.Shape[1] == 1)) && t.Shape[0] >= 0 {
		return t.Shape[0], checkData(t, t.Shape[0])
	}
	return 0, flavor.InputError("column %q has shape %v, want [batch]", t.Name, t.Shape)
}

// columnOf converts a per-column tensor.
func columnOf(t *flavor.Tensor, kind colKind) (column, error) {
	if kind == strCol {
		if t.DType != flavor.String {
			return column{}, flavor.InputError("column %q holds %s, want string", t.Name, t.DType)
		}
		return column{kind: strCol, str: t.Str}, nil
	}
	if t.DType == flavor.String {
		return column{}, flavor.InputError("column %q holds strings, want numbers", t.Name)
	}
	n := t.Shape[0]
	c := column{kind: numCol, num: make([]float64, n)}
	for i := range n {
		c.num[i] = numberAt(t, i)
	}
	return c, nil
}

// checkData verifies that a tensor's data slice for its dtype holds n
// elements and that the dtype is one the model can read.
func checkData(t *flavor.Tensor, n int) error {
	var have int
	switch t.DType {
	case flavor.Float64:
		have = len(t.F64)
	case flavor.Float32:
		have = len(t.F32)
	case flavor.Int64:
		have = len(t.I64)
	case flavor.Bool:
		have = len(t.Bool)
	case flavor.String:
		have = len(t.Str)
	default:
		return flavor.InputError("input %q has unknown dtype %q", t.Name, t.DType)
	}
	if have != n {
		return flavor.InputError("input %q has shape %v but %d %s values", t.Name, t.Shape, have, t.DType)
	}
	return nil
}

// numberAt reads element i of a numeric tensor as float64.
func numberAt(t *flavor.Tensor, i int) float64 {
	switch t.DType {
	case flavor.Float32:
		return float64(t.F32[i])
	case flavor.Int64:
		return float64(t.I64[i])
	case flavor.Bool:
		if t.Bool[i] {
			return 1
		}
		return 0
	}
	return t.F64[i]
}
