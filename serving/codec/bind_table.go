package codec

import (
	"github.com/paddockml/paddock/flavor"
)

func bindTable(t *Table, sig flavor.Signature) ([]flavor.Tensor, error) {
	switch layoutOf(sig) {
	case tabular:
		return bindTabular(t, sig)
	case perColumn:
		return bindColumns(t, sig)
	}
	if len(sig.Inputs) != 1 || len(sig.Inputs[0].Shape) != 2 {
		return nil, inputErr("the model takes the tensors %s; send them by name as inputs", inputNames(sig))
	}
	// One 2-D input without column names: the cells in the table's order.
	spec := sig.Inputs[0]
	if w := spec.Shape[1]; w >= 0 && w != t.Width {
		return nil, inputErr("rows have %d values, input %q takes %d", t.Width, spec.Name, w)
	}
	ts := newTensor2D(spec.Name, spec.DType, t.Rows, t.Width)
	if err := convertCells(&ts[0], t, nil); err != nil {
		return nil, err
	}
	return ts, nil
}

// bindTabular builds the [rows, len(sig.Columns)] input of a tabular
// model, taking named columns by name and positional rows as they are.
func bindTabular(t *Table, sig flavor.Signature) ([]flavor.Tensor, error) {
	spec, w := sig.Inputs[0], len(sig.Columns)
	if t.Columns == nil && t.Width != w {
		return nil, inputErr("rows have %d values, the model takes %d columns (%s)", t.Width, w, columnNames(sig))
	}
	ts := newTensor2D(spec.Name, spec.DType, t.Rows, w)
	if t.Columns == nil || sameColumns(t.Columns, sig.Columns) {
		if err := convertCells(&ts[0], t, sig.Columns); err != nil {
			return nil, err
		}
		return ts, nil
	}
	idx := newColumnIndex(t.Columns)
	for j, col := range sig.Columns {
		src := idx.find(col.Name, j)
		if src < 0 {
			return nil, inputErr("missing column %q (the model takes %s)", col.Name, columnNames(sig))
		}
		if err := convertColumn(&ts[0], j, t, src, col.Name); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

// bindColumns builds one [rows] tensor per input of a model that takes
// one input per column.
func bindColumns(t *Table, sig flavor.Signature) ([]flavor.Tensor, error) {
	if t.Columns == nil && t.Width != len(sig.Inputs) {
		return nil, inputErr("rows have %d values, the model takes %d columns (%s)", t.Width, len(sig.Inputs), inputNames(sig))
	}
	idx := newColumnIndex(t.Columns)
	out := make([]flavor.Tensor, len(sig.Inputs))
	for i, spec := range sig.Inputs {
		src := i
		if t.Columns != nil {
			if src = idx.find(spec.Name, i); src < 0 {
				return nil, inputErr("missing column %q (the model takes %s)", spec.Name, inputNames(sig))
			}
		}
		out[i] = flavor.Tensor{Name: spec.Name, DType: spec.DType, Shape: []int{t.Rows}}
		allocData(&out[i], t.Rows)
		if err := convertColumn(&out[i], 0, t, src, spec.Name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// newTensor2D allocates the one [rows, width] tensor of a model with a
// single input; the slice and the shape share one allocation, as this is
// every tabular request's path.
func newTensor2D(name string, dt flavor.DType, rows, width int) []flavor.Tensor {
	b := &struct {
		ts    [1]flavor.Tensor
		shape [2]int
	}{shape: [2]int{rows, width}}
	b.ts[0] = flavor.Tensor{Name: name, DType: dt, Shape: b.shape[:]}
	allocData(&b.ts[0], rows*width)
	return b.ts[:]
}

func sameColumns(have []string, want []flavor.ColumnSpec) bool {
	if len(have) != len(want) {
		return false
	}
	for i, c := range want {
		if have[i] != c.Name {
			return false
		}
	}
	return true
}

func columnNames(sig flavor.Signature) string {
	names := make([]string, len(sig.Columns))
	for i, c := range sig.Columns {
		names[i] = c.Name
	}
	if len(names) > 12 {
		return quoteList(names[:12]) + ", ..."
	}
	return quoteList(names)
}

// columnIndex finds a table's columns by name: by the expected position
// first, then by a scan, or a map for wide tables, where scanning for
// every column would cost square time.
type columnIndex struct {
	cols []string
	m    map[string]int
}

func newColumnIndex(cols []string) columnIndex {
	idx := columnIndex{cols: cols}
	if len(cols) > mapAfter {
		idx.m = make(map[string]int, len(cols))
		for i, c := range cols {
			idx.m[c] = i
		}
	}
	return idx
}

func (x columnIndex) find(name string, hint int) int {
	if hint < len(x.cols) && x.cols[hint] == name {
		return hint
	}
	if x.m != nil {
		if i, ok := x.m[name]; ok {
			return i
		}
		return -1
	}
	for i, c := range x.cols {
		if c == name {
			return i
		}
	}
	return -1
}
