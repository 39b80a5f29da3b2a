package codec

import (
	"reflect"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

func TestTableRow(t *testing.T) {
	named := &Table{Columns: []string{"a", "b", "c", "d"}, Rows: 2, Width: 4, Cells: []Cell{
		num(1.5), str("x"), null, boolean(true), num(2), str("y"), boolean(false), null}}
	want := map[string]any{"a": 1.5, "b": "x", "c": nil, "d": true}
	if got := named.Row(0); !reflect.DeepEqual(got, want) {
		t.Errorf("Row(0) = %v, want %v", got, want)
	}
	positional := &Table{Rows: 1, Width: 2, Cells: []Cell{num(1), str("z")}}
	if got := positional.Row(0); !reflect.DeepEqual(got, map[string]any{"f0": 1.0, "f1": "z"}) {
		t.Errorf("positional Row(0) = %v", got)
	}
	for _, i := range []int{-1, 2} {
		if named.Row(i) != nil {
			t.Errorf("Row(%d) is not nil", i)
		}
	}
}

func TestInputRows(t *testing.T) {
	tests := []struct {
		in   Input
		want int
	}{
		{Input{}, 0},
		{Input{Table: &Table{Rows: 3}}, 3},
		{Input{Tensors: []flavor.Tensor{{Shape: []int{5, 2}}, {Shape: []int{7}}}}, 5},
		{Input{Tensors: []flavor.Tensor{{Shape: []int{}}}}, 1},
	}
	for _, tt := range tests {
		if got := tt.in.Rows(); got != tt.want {
			t.Errorf("Rows() of %+v = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func batchPart(rows int, first float64, label string) []flavor.Tensor {
	x := flavor.Tensor{Name: "x", DType: flavor.Float64, Shape: []int{rows, 2}}
	s := flavor.Tensor{Name: "s", DType: flavor.String, Shape: []int{rows}}
	for i := range rows {
		x.F64 = append(x.F64, first+float64(i), -(first + float64(i)))
		s.Str = append(s.Str, label+strings.Repeat("!", i))
	}
	return []flavor.Tensor{x, s}
}

func TestConcatAndSliceRows(t *testing.T) {
	parts := [][]flavor.Tensor{batchPart(2, 10, "a"), batchPart(1, 20, "b"), batchPart(3, 30, "c")}
	got, err := ConcatRows(parts)
	if err != nil {
		t.Fatal(err)
	}
	sameTensor(t, got[0], flavor.Tensor{Name: "x", DType: flavor.Float64, Shape: []int{6, 2},
		F64: []float64{10, -10, 11, -11, 20, -20, 30, -30, 31, -31, 32, -32}})
	sameTensor(t, got[1], flavor.Tensor{Name: "s", DType: flavor.String, Shape: []int{6},
		Str: []string{"a", "a!", "b", "c", "c!", "c!!"}})
	if parts[0][0].Shape[0] != 2 {
		t.Error("ConcatRows changed a part's shape")
	}
	// Slicing the batch back gives each part's rows, in fresh memory.
	at := 0
	for _, p := range parts {
		n := p[0].Shape[0]
		for k := range p {
			s := SliceRows(&got[k], at, at+n)
			sameTensor(t, s, p[k])
		}
		at += n
	}
	s := SliceRows(&got[0], 1, 2)
	s.F64[0] = 99
	if got[0].F64[2] == 99 {
		t.Error("SliceRows shares memory with its source")
	}
	if out, err := ConcatRows(nil); out != nil || err != nil {
		t.Errorf("ConcatRows(nil) = %v, %v", out, err)
	}
}

func TestConcatRowsEveryDType(t *testing.T) {
	mk := func(v float64) []flavor.Tensor {
		return []flavor.Tensor{
			{Name: "f", DType: flavor.Float32, Shape: []int{1}, F32: []float32{float32(v)}},
			{Name: "i", DType: flavor.Int64, Shape: []int{1, 1}, I64: []int64{int64(v)}},
			{Name: "b", DType: flavor.Bool, Shape: []int{1}, Bool: []bool{v > 1}},
		}
	}
	got, err := ConcatRows([][]flavor.Tensor{mk(1), mk(2)})
	if err != nil {
		t.Fatal(err)
	}
	sameTensor(t, got[0], flavor.Tensor{Name: "f", DType: flavor.Float32, Shape: []int{2}, F32: []float32{1, 2}})
	sameTensor(t, got[1], flavor.Tensor{Name: "i", DType: flavor.Int64, Shape: []int{2, 1}, I64: []int64{1, 2}})
	sameTensor(t, got[2], flavor.Tensor{Name: "b", DType: flavor.Bool, Shape: []int{2}, Bool: []bool{false, true}})
}

func TestConcatRowsMismatch(t *testing.T) {
	base := batchPart(1, 0, "a")
	tests := map[string][]flavor.Tensor{
		"fewer tensors":      base[:1],
		"other name":         {{Name: "y", DType: flavor.Float64, Shape: []int{1, 2}, F64: []float64{1, 2}}, base[1]},
		"other dtype":        {{Name: "x", DType: flavor.Float32, Shape: []int{1, 2}, F32: []float32{1, 2}}, base[1]},
		"other width":        {{Name: "x", DType: flavor.Float64, Shape: []int{1, 3}, F64: []float64{1, 2, 3}}, base[1]},
		"data short":         {{Name: "x", DType: flavor.Float64, Shape: []int{2, 2}, F64: []float64{1, 2}}, base[1]},
		"rank 0":             {{Name: "x", DType: flavor.Float64, Shape: []int{}, F64: []float64{1}}, base[1]},
		"negative dimension": {{Name: "x", DType: flavor.Float64, Shape: []int{-1, 2}}, base[1]},
	}
	for name, other := range tests {
		if _, err := ConcatRows([][]flavor.Tensor{base, other}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSliceRowsClamps(t *testing.T) {
	x := batchPart(3, 0, "a")[0]
	tests := []struct{ from, to, rows int }{{-5, 1, 1}, {2, 99, 1}, {2, 1, 0}, {4, 9, 0}, {0, 3, 3}}
	for _, tt := range tests {
		s := SliceRows(&x, tt.from, tt.to)
		if s.Shape[0] != tt.rows || len(s.F64) != 2*tt.rows || s.Shape[1] != 2 {
			t.Errorf("SliceRows(%d, %d) = shape %v with %d values", tt.from, tt.to, s.Shape, len(s.F64))
		}
	}
	bad := flavor.Tensor{Name: "x", DType: flavor.Float64, Shape: []int{3}, F64: []float64{1}}
	if s := SliceRows(&bad, 0, 1); s.Shape[0] != 0 || len(s.F64) != 0 {
		t.Errorf("SliceRows of an inconsistent tensor = %+v", s)
	}
	scalar := flavor.Tensor{Name: "x", DType: flavor.Float64, Shape: []int{}, F64: []float64{1}}
	if s := SliceRows(&scalar, 0, 1); len(s.Shape) != 0 || len(s.F64) != 0 {
		t.Errorf("SliceRows of a scalar = %+v", s)
	}
}
