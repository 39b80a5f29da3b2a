package codec

import (
	"math"
	"strconv"

	"github.com/paddockml/paddock/flavor"
)

// convertCells copies every cell of t, row by row, into out, whose rows
// have t's width. cols names the columns for messages; nil numbers them.
// This is the hot path of tabular requests: one pass, no allocation.
func convertCells(out *flavor.Tensor, t *Table, cols []flavor.ColumnSpec) error {
	for k := range t.Cells {
		if !setCell(out, k, &t.Cells[k]) {
			j := k % t.Width
			label := strconv.Itoa(j)
			if cols != nil {
				label = strconv.Quote(cols[j].Name)
			}
			return cellErr(label, k/t.Width, &t.Cells[k], out.DType)
		}
	}
	return nil
}

// convertColumn copies column src of t into column dst of out.
func convertColumn(out *flavor.Tensor, dst int, t *Table, src int, name string) error {
	w := 1
	if len(out.Shape) == 2 {
		w = out.Shape[1]
	}
	for r := 0; r < t.Rows; r++ {
		c := &t.Cells[r*t.Width+src]
		if !setCell(out, r*w+dst, c) {
			return cellErr(strconv.Quote(name), r, c, out.DType)
		}
	}
	return nil
}

// setCell stores c as element k of out, converted to out's dtype; it
// reports false when c cannot be: a string where a number is wanted or
// the other way round, a fraction for an integer, a missing value for a
// dtype that has none.
func setCell(out *flavor.Tensor, k int, c *Cell) bool {
	switch out.DType {
	case flavor.Float64:
		switch c.Kind {
		case Number, Bool:
			out.F64[k] = c.Num
		case Null:
			out.F64[k] = math.NaN()
		default:
			return false
		}
	case flavor.Float32:
		switch c.Kind {
		case Number, Bool:
			out.F32[k] = float32(c.Num)
		case Null:
			out.F32[k] = float32(math.NaN())
		default:
			return false
		}
	case flavor.Int64:
		n, ok := cellInt(c)
		out.I64[k] = n
		return ok
	case flavor.String:
		out.Str[k] = c.Str
		return c.Kind == String
	case flavor.Bool:
		out.Bool[k] = c.Num != 0
		return (c.Kind == Bool || c.Kind == Number) && (c.Num == 0 || c.Num == 1)
	default:
		return false
	}
	return true
}

func cellInt(c *Cell) (int64, bool) {
	if c.Kind != Number && c.Kind != Bool {
		return 0, false
	}
	f := c.Num
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// cellErr explains why setCell refused a cell.
func cellErr(label string, row int, c *Cell, dt flavor.DType) error {
	got := describeCell(c)
	switch {
	case c.Kind == Null:
		return inputErr("column %s, row %d: missing value (null), which the model's %s input cannot take", label, row, dt)
	case dt == flavor.String:
		return inputErr("column %s, row %d: the model takes strings, got %s", label, row, got)
	case dt == flavor.Int64:
		return inputErr("column %s, row %d: the model takes integers, got %s", label, row, got)
	case dt == flavor.Bool:
		return inputErr("column %s, row %d: the model takes booleans (or 0 and 1), got %s", label, row, got)
	case dt == flavor.Float32 || dt == flavor.Float64:
		return inputErr("column %s, row %d: the model takes numbers (%s), got %s", label, row, dt, got)
	}
	return inputErr("column %s: the model's input dtype %q is not supported", label, dt)
}

func describeCell(c *Cell) string {
	switch c.Kind {
	case String:
		return "the string " + strconv.Quote(truncate(c.Str, 40))
	case Bool:
		return strconv.FormatBool(c.Num != 0)
	case Null:
		return "null"
	}
	return "the number " + strconv.FormatFloat(c.Num, 'g', -1, 64)
}
