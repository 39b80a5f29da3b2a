package codec

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/paddockml/paddock/flavor"
)

// Row returns row i as a map from column name to value (nil, float64,
// string or bool), for the rule filters. Positional tables use the names
// f0, f1, ... An i out of range gives nil.
func (t *Table) Row(i int) map[string]any {
	if i < 0 || i >= t.Rows || (i+1)*t.Width > len(t.Cells) {
		return nil
	}
	m := make(map[string]any, t.Width)
	for j, c := range t.Cells[i*t.Width : (i+1)*t.Width] {
		name := "f" + strconv.Itoa(j)
		if j < len(t.Columns) {
			name = t.Columns[j]
		}
		switch c.Kind {
		case Number:
			m[name] = c.Num
		case String:
			m[name] = c.Str
		case Bool:
			m[name] = c.Num != 0
		default:
			m[name] = nil
		}
	}
	return m
}

// Rows returns the number of rows (the batch size) of the input: the
// table's rows, or the first dimension of the first tensor. A rank-0
// tensor is one row; no input is zero.
func (in *Input) Rows() int {
	switch {
	case in.Table != nil:
		return in.Table.Rows
	case len(in.Tensors) == 0:
		return 0
	case len(in.Tensors[0].Shape) == 0:
		return 1
	}
	return in.Tensors[0].Shape[0]
}

// ConcatRows joins the bound inputs of several requests along the batch
// (first) dimension, for adaptive batching. Every part must have the same
// tensors with the same trailing dimensions.
func ConcatRows(parts [][]flavor.Tensor) ([]flavor.Tensor, error) {
	if len(parts) == 0 {
		return nil, nil
	}
	first := parts[0]
	out := make([]flavor.Tensor, len(first))
	for k := range first {
		rows, n, err := concatSize(parts, k)
		if err != nil {
			return nil, err
		}
		t := flavor.Tensor{Name: first[k].Name, DType: first[k].DType, Shape: slices.Clone(first[k].Shape)}
		t.Shape[0] = rows
		allocData(&t, n)
		at := 0
		for _, p := range parts {
			at += copyData(&t, at, &p[k], 0, dataLen(&p[k]))
		}
		out[k] = t
	}
	return out, nil
}

// concatSize checks that tensor k agrees across parts and returns the
// joined batch size and element count.
func concatSize(parts [][]flavor.Tensor, k int) (rows, n int, err error) {
	ref := &parts[0][k]
	for i, p := range parts {
		if len(p) != len(parts[0]) {
			return 0, 0, fmt.Errorf("concat rows: part %d has %d tensors, part 0 has %d", i, len(p), len(parts[0]))
		}
		t := &p[k]
		if t.Name != ref.Name || t.DType != ref.DType || len(t.Shape) == 0 || len(t.Shape) != len(ref.Shape) ||
			!slices.Equal(t.Shape[1:], ref.Shape[1:]) {
			return 0, 0, fmt.Errorf("concat rows: part %d's tensor %q (%s %v) does not match %q (%s %v)",
				i, t.Name, t.DType, t.Shape, ref.Name, ref.DType, ref.Shape)
		}
		c, ok := countOf(t.Shape)
		if !ok || c != dataLen(t) {
			return 0, 0, fmt.Errorf("concat rows: part %d's tensor %q has %d values for shape %v", i, t.Name, dataLen(t), t.Shape)
		}
		rows, n = rows+t.Shape[0], n+c
	}
	return rows, n, nil
}

// copyData copies count elements of src from index from into dst at
// index at, and returns count.
func copyData(dst *flavor.Tensor, at int, src *flavor.Tensor, from, count int) int {
	switch dst.DType {
	case flavor.Float32:
		copy(dst.F32[at:], src.F32[from:from+count])
	case flavor.Float64:
		copy(dst.F64[at:], src.F64[from:from+count])
	case flavor.Int64:
		copy(dst.I64[at:], src.I64[from:from+count])
	case flavor.String:
		copy(dst.Str[at:], src.Str[from:from+count])
	case flavor.Bool:
		copy(dst.Bool[at:], src.Bool[from:from+count])
	}
	return count
}

// SliceRows returns rows [from, to) of t, sharing no memory with t.
// from and to are clamped to [0, rows]; a rank-0 tensor, or one whose data
// does not fill its shape, comes back as an empty copy of its kind.
func SliceRows(t *flavor.Tensor, from, to int) flavor.Tensor {
	out := flavor.Tensor{Name: t.Name, DType: t.DType, Shape: slices.Clone(t.Shape)}
	n, ok := countOf(t.Shape)
	if len(t.Shape) == 0 || !ok || n != dataLen(t) {
		if len(out.Shape) > 0 {
			out.Shape[0] = 0
		}
		allocData(&out, 0)
		return out
	}
	rows := t.Shape[0]
	from, to = min(max(from, 0), rows), min(max(to, 0), rows)
	to = max(to, from)
	stride := 0
	if rows > 0 {
		stride = n / rows
	}
	out.Shape[0] = to - from
	allocData(&out, (to-from)*stride)
	copyData(&out, 0, t, from*stride, (to-from)*stride)
	return out
}
