package codec

import (
	"github.com/valyala/fastjson"
)

// checkCells fails when rows x width cells exceed maxElements; it is
// called before the cells are allocated.
func checkCells(what string, rows, width int) error {
	if width > 0 && rows > maxElements/width {
		return inputErr("%s: %d rows of %d values exceed the limit of %d values per request", what, rows, width, maxElements)
	}
	return nil
}

// positionalTable decodes rows given as lists ([[1, "a"], [2, "b"]]).
// Every row must have the width of the first: pandas would pad a short
// row with NaN, but a short row is almost always a client bug, and a
// silent NaN feeds the model a value nobody sent.
func (d *decoder) positionalTable(what string, rows []*fastjson.Value) (*Table, error) {
	if len(rows) == 0 {
		return nil, inputErr("%s: no rows", what)
	}
	first, err := rows[0].Array()
	if err != nil {
		return nil, inputErr("%s: row 0 is %s, not a list of values", what, jsonType(rows[0]))
	}
	w := len(first)
	if w == 0 {
		return nil, inputErr("%s: row 0 is empty", what)
	}
	if err := checkCells(what, len(rows), w); err != nil {
		return nil, err
	}
	t := &Table{Rows: len(rows), Width: w, Cells: make([]Cell, len(rows)*w)}
	for i, r := range rows {
		vals, err := r.Array()
		if err != nil {
			return nil, inputErr("%s: row %d is %s, not a list of values", what, i, jsonType(r))
		}
		if len(vals) != w {
			return nil, inputErr("%s: row %d has %d values, row 0 has %d", what, i, len(vals), w)
		}
		cells := t.Cells[i*w : (i+1)*w]
		for j, v := range vals {
			if !d.setCell(&cells[j], v) {
				return nil, inputErr("%s: row %d, column %d: %s", what, i, j, badCell(v))
			}
		}
	}
	return t, nil
}

// scalarTable decodes a flat list of values as one unnamed column, as
// pandas reads DataFrame(data=[1, 2, 3]).
func (d *decoder) scalarTable(what string, vals []*fastjson.Value) (*Table, error) {
	if err := checkCells(what, len(vals), 1); err != nil {
		return nil, err
	}
	t := &Table{Rows: len(vals), Width: 1, Cells: make([]Cell, len(vals))}
	for i, v := range vals {
		if !d.setCell(&t.Cells[i], v) {
			return nil, inputErr("%s: row %d: %s", what, i, badCell(v))
		}
	}
	return t, nil
}

// columnsTable decodes {"name": [values...], ...}: named columns of equal
// length, transposed into rows.
func (d *decoder) columnsTable(what string, o *fastjson.Object) (*Table, error) {
	var names keyList
	var lists [][]*fastjson.Value
	var err error
	o.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		if names.find(k, len(lists)) >= 0 {
			err = inputErr("%s: duplicate column %q", what, k)
			return
		}
		names.add(k)
		if lists = append(lists, nil); v.Type() != fastjson.TypeArray {
			err = inputErr("%s: column %q is %s, not a list of values", what, k, jsonType(v))
			return
		}
		lists[len(lists)-1], _ = v.Array()
	})
	if err != nil {
		return nil, err
	}
	if len(lists) == 0 {
		return nil, inputErr("%s: no columns", what)
	}
	return d.fillColumns(what, names.strings(), lists)
}

func (d *decoder) fillColumns(what string, cols []string, lists [][]*fastjson.Value) (*Table, error) {
	rows, w := len(lists[0]), len(lists)
	if rows == 0 {
		return nil, inputErr("%s: no rows", what)
	}
	if err := checkCells(what, rows, w); err != nil {
		return nil, err
	}
	t := &Table{Columns: cols, Rows: rows, Width: w, Cells: make([]Cell, rows*w)}
	for j, l := range lists {
		if len(l) != rows {
			return nil, inputErr("%s: column %q has %d values, column %q has %d", what, cols[j], len(l), cols[0], rows)
		}
		for i, v := range l {
			if !d.setCell(&t.Cells[i*w+j], v) {
				return nil, inputErr("%s: column %q, row %d: %s", what, cols[j], i, badCell(v))
			}
		}
	}
	return t, nil
}
