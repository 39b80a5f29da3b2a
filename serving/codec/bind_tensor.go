package codec

import (
	"math"

	"github.com/paddockml/paddock/flavor"
)

func bindTensors(ts []flavor.Tensor, sig flavor.Signature) ([]flavor.Tensor, error) {
	lay := layoutOf(sig)
	if lay == tabular {
		return bindTabularTensors(ts, sig)
	}
	if len(sig.Inputs) == 1 && len(ts) == 1 {
		t, err := fitTensor(ts[0], sig.Inputs[0])
		if err != nil {
			return nil, err
		}
		return []flavor.Tensor{t}, nil
	}
	out := make([]flavor.Tensor, len(sig.Inputs))
	for i, spec := range sig.Inputs {
		k := tensorIndex(ts, spec.Name)
		if k < 0 {
			return nil, inputErr("missing input %q (the model takes %s)", spec.Name, inputNames(sig))
		}
		var err error
		if out[i], err = fitTensor(ts[k], spec); err != nil {
			return nil, err
		}
	}
	if lay == tensors {
		// Unlike extra columns, an extra tensor is most likely a typo.
		for _, t := range ts {
			if !hasInput(sig, t.Name) {
				return nil, inputErr("unknown input %q (the model takes %s)", t.Name, inputNames(sig))
			}
		}
		return out, nil
	}
	return out, sameBatch(out)
}

// bindTabularTensors fits tensors to a tabular model: a single
// [rows, width] tensor, or one [rows] tensor per column, by name.
func bindTabularTensors(ts []flavor.Tensor, sig flavor.Signature) ([]flavor.Tensor, error) {
	spec := sig.Inputs[0]
	if len(ts) == 1 && len(ts[0].Shape) == 2 {
		if w := ts[0].Shape[1]; w != len(sig.Columns) {
			return nil, inputErr("input has %d columns, the model takes %d (%s)", w, len(sig.Columns), columnNames(sig))
		}
		t, err := convertTensor(ts[0], spec.DType, spec.Name)
		if err != nil {
			return nil, err
		}
		return []flavor.Tensor{t}, nil
	}
	for _, t := range ts {
		if len(t.Shape) != 1 {
			return nil, inputErr("input %q has shape %v; the model takes one [rows, %d] tensor or one list per column (%s)",
				t.Name, t.Shape, len(sig.Columns), columnNames(sig))
		}
	}
	tab, err := tensorsTable(ts)
	if err != nil {
		return nil, err
	}
	return bindTabular(tab, sig)
}

// tensorsTable turns [rows] tensors into a named table, so that columns
// sent as tensors bind as columns sent in a table do.
func tensorsTable(ts []flavor.Tensor) (*Table, error) {
	if err := sameBatch(ts); err != nil {
		return nil, err
	}
	rows, w := ts[0].Shape[0], len(ts)
	if rows == 0 {
		return nil, inputErr("the request holds no rows")
	}
	t := &Table{Columns: make([]string, w), Rows: rows, Width: w, Cells: make([]Cell, rows*w)}
	for j := range ts {
		t.Columns[j] = ts[j].Name
		for r := 0; r < rows; r++ {
			t.Cells[r*w+j] = tensorCell(&ts[j], r)
		}
	}
	return t, nil
}

func tensorCell(t *flavor.Tensor, i int) Cell {
	switch t.DType {
	case flavor.String:
		return Cell{Kind: String, Str: t.Str[i]}
	case flavor.Bool:
		if t.Bool[i] {
			return Cell{Kind: Bool, Num: 1}
		}
		return Cell{Kind: Bool}
	}
	f := numAt(t, i)
	if math.IsNaN(f) {
		return Cell{}
	}
	return Cell{Kind: Number, Num: f}
}

// sameBatch fails unless every tensor has the first one's batch size.
func sameBatch(ts []flavor.Tensor) error {
	for _, t := range ts {
		if len(t.Shape) == 0 || t.Shape[0] != ts[0].Shape[0] {
			return inputErr("input %q has shape %v; every input must have %d rows like input %q",
				t.Name, t.Shape, ts[0].Shape[0], ts[0].Name)
		}
	}
	return nil
}

func tensorIndex(ts []flavor.Tensor, name string) int {
	for i := range ts {
		if ts[i].Name == name {
			return i
		}
	}
	return -1
}

func hasInput(sig flavor.Signature, name string) bool {
	for _, s := range sig.Inputs {
		if s.Name == name {
			return true
		}
	}
	return false
}

// fitTensor checks t's shape against spec (same rank, fixed dimensions
// equal; a [rows, 1] tensor also fits a [rows] input) and converts it to
// spec's dtype under spec's name.
func fitTensor(t flavor.Tensor, spec flavor.TensorSpec) (flavor.Tensor, error) {
	if len(spec.Shape) == 1 && len(t.Shape) == 2 && t.Shape[1] == 1 {
		t.Shape = t.Shape[:1]
	}
	ok := len(t.Shape) == len(spec.Shape)
	for k := 0; ok && k < len(spec.Shape); k++ {
		ok = spec.Shape[k] < 0 || spec.Shape[k] == t.Shape[k]
	}
	if !ok {
		return flavor.Tensor{}, inputErr("input %q has shape %v, the model takes %v", spec.Name, t.Shape, spec.Shape)
	}
	return convertTensor(t, spec.DType, spec.Name)
}
