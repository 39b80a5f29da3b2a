package codec

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// Signatures shaped like the ones modeldir gives real models.
var (
	// tabular3: an XGBoost or scikit-learn model over three named columns.
	tabular3 = flavor.Signature{
		Inputs:  []flavor.TensorSpec{{Name: "input", DType: flavor.Float64, Shape: []int{-1, 3}}},
		Columns: []flavor.ColumnSpec{{Name: "a", DType: flavor.Float64}, {Name: "b", DType: flavor.Float64}, {Name: "c", DType: flavor.Float64}},
	}
	// mixed: a scikit-learn pipeline taking one [batch] input per column.
	mixed = flavor.Signature{
		Inputs: []flavor.TensorSpec{
			{Name: "color", DType: flavor.String, Shape: []int{-1}},
			{Name: "size", DType: flavor.Float64, Shape: []int{-1}},
		},
		Columns: []flavor.ColumnSpec{{Name: "color", DType: flavor.String}, {Name: "size", DType: flavor.Float64}},
	}
	// onnx2: a tensor model with two named inputs.
	onnx2 = flavor.Signature{Inputs: []flavor.TensorSpec{
		{Name: "ids", DType: flavor.Int64, Shape: []int{-1, 4}},
		{Name: "mask", DType: flavor.Float32, Shape: []int{-1, 4}},
	}}
	// onnx1: a tensor model with one [batch, 2] float32 input.
	onnx1 = flavor.Signature{Inputs: []flavor.TensorSpec{{Name: "input", DType: flavor.Float32, Shape: []int{-1, 2}}}}
)

func mustNative(t *testing.T, body string) Input {
	t.Helper()
	in, err := DecodeNative([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestBind(t *testing.T) {
	tests := []struct {
		name, body string
		sig        flavor.Signature
		want       []flavor.Tensor
	}{
		{"tabular positional", `{"rows": [[1, 2, 3], [4, null, true]]}`, tabular3, []flavor.Tensor{
			{Name: "input", DType: flavor.Float64, Shape: []int{2, 3}, F64: []float64{1, 2, 3, 4, nan, 1}}}},
		{"tabular records in another order, extra ignored", `{"rows": [{"c": 3, "x": "extra", "a": 1, "b": 2}]}`, tabular3, []flavor.Tensor{
			{Name: "input", DType: flavor.Float64, Shape: []int{1, 3}, F64: []float64{1, 2, 3}}}},
		{"tabular records missing a value", `{"rows": [{"a": 1, "b": 2, "c": 3}, {"a": 1, "c": 3}]}`, tabular3, []flavor.Tensor{
			{Name: "input", DType: flavor.Float64, Shape: []int{2, 3}, F64: []float64{1, 2, 3, 1, nan, 3}}}},
		{"tabular 2-D tensor", `{"inputs": [[1, 2, 3]]}`, tabular3, []flavor.Tensor{
			{Name: "input", DType: flavor.Float64, Shape: []int{1, 3}, F64: []float64{1, 2, 3}}}},
		{"tabular tensors per column", `{"inputs": {"b": [2, 5], "a": [1, 4], "c": [3.5, null]}}`, tabular3, []flavor.Tensor{
			{Name: "input", DType: flavor.Float64, Shape: []int{2, 3}, F64: []float64{1, 2, 3.5, 4, 5, nan}}}},
		{"mixed records", `{"rows": [{"size": 2, "color": "red"}, {"color": "blue", "size": null}]}`, mixed, []flavor.Tensor{
			{Name: "color", DType: flavor.String, Shape: []int{2}, Str: []string{"red", "blue"}},
			{Name: "size", DType: flavor.Float64, Shape: []int{2}, F64: []float64{2, nan}}}},
		{"mixed positional", `{"rows": [["red", 2]]}`, mixed, []flavor.Tensor{
			{Name: "color", DType: flavor.String, Shape: []int{1}, Str: []string{"red"}},
			{Name: "size", DType: flavor.Float64, Shape: []int{1}, F64: []float64{2}}}},
		{"mixed tensors by name", `{"inputs": {"size": [[1], [2]], "color": ["a", "b"], "other": [1]}}`, mixed, []flavor.Tensor{
			{Name: "color", DType: flavor.String, Shape: []int{2}, Str: []string{"a", "b"}},
			{Name: "size", DType: flavor.Float64, Shape: []int{2}, F64: []float64{1, 2}}}},
		{"onnx by name", `{"inputs": {"mask": [[1, 1, 0, 0.5]], "ids": [[1, 2, 3, 4]]}}`, onnx2, []flavor.Tensor{
			{Name: "ids", DType: flavor.Int64, Shape: []int{1, 4}, I64: []int64{1, 2, 3, 4}},
			{Name: "mask", DType: flavor.Float32, Shape: []int{1, 4}, F32: []float32{1, 1, 0, 0.5}}}},
		{"onnx ids given as integral floats", `{"inputs": {"ids": [[1.0, 2, 3, 4]], "mask": [[0, 0, 0, 0]]}}`, onnx2, []flavor.Tensor{
			{Name: "ids", DType: flavor.Int64, Shape: []int{1, 4}, I64: []int64{1, 2, 3, 4}},
			{Name: "mask", DType: flavor.Float32, Shape: []int{1, 4}, F32: []float32{0, 0, 0, 0}}}},
		{"single input, unnamed tensor", `{"inputs": [[0.1, 2]]}`, onnx1, []flavor.Tensor{
			{Name: "input", DType: flavor.Float32, Shape: []int{1, 2}, F32: []float32{0.1, 2}}}},
		{"single input, any name", `{"inputs": {"input-0": [[0.1, 2]]}}`, onnx1, []flavor.Tensor{
			{Name: "input", DType: flavor.Float32, Shape: []int{1, 2}, F32: []float32{0.1, 2}}}},
		{"single 2-D input from a table", `{"rows": [{"x": 1, "y": false}]}`, onnx1, []flavor.Tensor{
			{Name: "input", DType: flavor.Float32, Shape: []int{1, 2}, F32: []float32{1, 0}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Bind(mustNative(t, tt.body), tt.sig)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d tensors, want %d", len(got), len(tt.want))
			}
			for i := range tt.want {
				sameTensor(t, got[i], tt.want[i])
			}
		})
	}
}

// Bind converts to the input's dtype from whatever the protocol carried.
func TestBindDTypes(t *testing.T) {
	sig := func(dt flavor.DType) flavor.Signature {
		return flavor.Signature{Inputs: []flavor.TensorSpec{{Name: "x", DType: dt, Shape: []int{-1}}}}
	}
	tests := []struct {
		name, body string
		dt         flavor.DType
		want       flavor.Tensor
	}{
		{"int64 from numbers", `{"rows": [[1], [-2], [true]]}`, flavor.Int64, flavor.Tensor{I64: []int64{1, -2, 1}}},
		{"bool from booleans and 0/1", `{"rows": [[true], [0], [1]]}`, flavor.Bool, flavor.Tensor{Bool: []bool{true, false, true}}},
		{"float32 from tensor of ints", `{"inputs": [1, 2]}`, flavor.Float32, flavor.Tensor{F32: []float32{1, 2}}},
		{"float64 from tensor of bools", `{"inputs": [true, false]}`, flavor.Float64, flavor.Tensor{F64: []float64{1, 0}}},
		{"bool from tensor of 0/1", `{"inputs": [0, 1]}`, flavor.Bool, flavor.Tensor{Bool: []bool{false, true}}},
		{"string from strings", `{"rows": [["é"]]}`, flavor.String, flavor.Tensor{Str: []string{"é"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Bind(mustNative(t, tt.body), sig(tt.dt))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Name, tt.want.DType, tt.want.Shape = "x", tt.dt, []int{dataLen(&got[0])}
			sameTensor(t, got[0], tt.want)
		})
	}
}

func TestBindErrors(t *testing.T) {
	intSig := flavor.Signature{Inputs: []flavor.TensorSpec{{Name: "n", DType: flavor.Int64, Shape: []int{-1}}}}
	boolSig := flavor.Signature{Inputs: []flavor.TensorSpec{{Name: "flag", DType: flavor.Bool, Shape: []int{-1}}}}
	tests := []struct {
		name, body string
		sig        flavor.Signature
		fragments  []string
	}{
		{"too few columns", `{"rows": [[1, 2]]}`, tabular3, []string{`rows have 2 values, the model takes 3 columns ("a", "b", "c")`}},
		{"too many columns", `{"rows": [[1, 2, 3, 4]]}`, tabular3, []string{"rows have 4 values"}},
		{"missing column", `{"rows": [{"a": 1, "c": 2}]}`, tabular3, []string{`missing column "b"`}},
		{"string for a number", `{"rows": [[1, "x", 3]]}`, tabular3, []string{`column "b", row 0: the model takes numbers (float64), got the string "x"`}},
		{"string for a named number", `{"rows": [{"a": 1, "b": 2, "c": "x"}, {"a": 1, "b": 2, "c": 3}]}`, tabular3, []string{`column "c", row 0`}},
		{"tensor of strings for numbers", `{"inputs": [["a", "b", "c"]]}`, tabular3, []string{"holds string values, the model takes float64"}},
		{"tensor too narrow", `{"inputs": [[1, 2]]}`, tabular3, []string{"input has 2 columns, the model takes 3"}},
		{"3-D tensor", `{"inputs": [[[1, 2, 3]]]}`, tabular3, []string{"has shape [1 1 3]; the model takes one [rows, 3] tensor"}},
		{"column tensors missing one", `{"inputs": {"a": [1], "b": [2]}}`, tabular3, []string{`missing column "c"`}},
		{"column tensors of different lengths", `{"inputs": {"a": [1], "b": [2, 3], "c": [1]}}`, tabular3, []string{`input "b" has shape [2]; every input must have 1 rows`}},
		{"number for a string", `{"rows": [[1, 2]]}`, mixed, []string{`column "color", row 0: the model takes strings, got the number 1`}},
		{"null for a string", `{"rows": [{"color": null, "size": 1}]}`, mixed, []string{`column "color", row 0: missing value (null), which the model's string input cannot take`}},
		{"mixed missing column", `{"rows": [{"size": 1}]}`, mixed, []string{`missing column "color"`}},
		{"mixed wrong width", `{"rows": [["a"]]}`, mixed, []string{"rows have 1 values, the model takes 2 columns"}},
		{"mixed tensors of different lengths", `{"inputs": {"color": ["a"], "size": [1, 2]}}`, mixed, []string{"every input must have"}},
		{"fraction for an integer", `{"rows": [[1.5]]}`, intSig, []string{`column "n", row 0: the model takes integers, got the number 1.5`}},
		{"null for an integer", `{"rows": [[null]]}`, intSig, []string{"missing value (null), which the model's int64 input cannot take"}},
		{"huge for an integer", `{"rows": [[1e19]]}`, intSig, []string{"the model takes integers"}},
		{"fractional tensor for an integer", `{"inputs": [0.5]}`, intSig, []string{`input "n": value 0 (0.5) does not convert to int64`}},
		{"2 for a bool", `{"rows": [[2]]}`, boolSig, []string{"the model takes booleans (or 0 and 1), got the number 2"}},
		{"string for a bool", `{"rows": [["true"]]}`, boolSig, []string{`got the string "true"`}},
		{"missing input", `{"inputs": {"ids": [[1, 2, 3, 4]]}}`, onnx2, []string{`missing input "mask" (the model takes "ids", "mask")`}},
		{"unknown input", `{"inputs": {"ids": [[1, 2, 3, 4]], "mask": [[1, 1, 1, 1]], "typo": [1]}}`, onnx2, []string{`unknown input "typo"`}},
		{"wrong fixed dimension", `{"inputs": {"ids": [[1, 2, 3]], "mask": [[1, 1, 1, 1]]}}`, onnx2, []string{`input "ids" has shape [1 3], the model takes [-1 4]`}},
		{"wrong rank", `{"inputs": [1, 2]}`, onnx1, []string{`input "input" has shape [2], the model takes [-1 2]`}},
		{"table for a multi-input model", `{"rows": [[1, 2]]}`, onnx2, []string{`the model takes the tensors "ids", "mask"`}},
		{"table too wide for a 2-D input", `{"rows": [[1, 2, 3]]}`, onnx1, []string{`rows have 3 values, input "input" takes 2`}},
		{"string cell for a 2-D input", `{"rows": [[1, "x"]]}`, onnx1, []string{"column 1, row 0: the model takes numbers (float32)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Bind(mustNative(t, tt.body), tt.sig)
			wantInputErr(t, err, tt.fragments...)
		})
	}
}

// Inputs built by hand (not by a decoder) with inconsistent fields are
// refused, not indexed out of range.
func TestBindInconsistentInput(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		sig  flavor.Signature
		frag string
	}{
		{"nothing", Input{}, tabular3, "the request holds no input"},
		{"cells short", Input{Table: &Table{Rows: 2, Width: 3, Cells: make([]Cell, 5)}}, tabular3, "do not fill 2 rows of 3"},
		{"no rows", Input{Table: &Table{Width: 3}}, tabular3, "no rows"},
		{"columns short", Input{Table: &Table{Columns: []string{"a"}, Rows: 1, Width: 3, Cells: make([]Cell, 3)}}, tabular3, "names 1 columns"},
		{"tensor data short", Input{Tensors: []flavor.Tensor{{Name: "x", DType: flavor.Float64, Shape: []int{2, 3}, F64: []float64{1}}}}, tabular3, "1 values for shape [2 3]"},
		{"tensor negative shape", Input{Tensors: []flavor.Tensor{{Name: "x", DType: flavor.Float64, Shape: []int{-2, 3}}}}, tabular3, "negative dimension"},
		{"tensor unknown dtype", Input{Tensors: []flavor.Tensor{{Name: "x", DType: "complex", Shape: []int{1}}}}, onnx1, `input "x" has unsupported dtype "complex"`},
		{"model without inputs", Input{Table: &Table{Rows: 1, Width: 1, Cells: make([]Cell, 1)}}, flavor.Signature{}, "declares no inputs"},
		{"unsupported model dtype", Input{Table: &Table{Rows: 1, Width: 1, Cells: []Cell{num(1)}}},
			flavor.Signature{Inputs: []flavor.TensorSpec{{Name: "x", DType: "complex", Shape: []int{-1}}}}, `dtype "complex" is not supported`},
		{"tensor for an unsupported model dtype", Input{Tensors: []flavor.Tensor{{Name: "x", DType: flavor.Float64, Shape: []int{1}, F64: []float64{1}}}},
			flavor.Signature{Inputs: []flavor.TensorSpec{{Name: "x", DType: "complex", Shape: []int{-1}}}}, "the model takes complex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Bind(tt.in, tt.sig)
			wantInputErr(t, err, tt.frag)
		})
	}
}

// A tensor already of the input's dtype is taken as it is, not copied.
func TestBindSharesMatchingTensor(t *testing.T) {
	data := []float64{1, 2, 3}
	in := Input{Tensors: []flavor.Tensor{{Name: "", DType: flavor.Float64, Shape: []int{1, 3}, F64: data}}}
	got, err := Bind(in, tabular3)
	if err != nil {
		t.Fatal(err)
	}
	if &got[0].F64[0] != &data[0] || got[0].Name != "input" {
		t.Errorf("tensor copied or misnamed: %+v", got[0])
	}
}

// A wide table sent in another column order is matched by name through
// columnIndex's map.
func TestBindWideTableByName(t *testing.T) {
	const w = 100
	sig := tabularSig(w)
	fields := make([]string, w)
	for j := range w {
		fields[w-1-j] = fmt.Sprintf(`"f%d": %d`, j, j)
	}
	got, err := Bind(mustNative(t, `{"rows": [{`+strings.Join(fields, ", ")+`}]}`), sig)
	if err != nil {
		t.Fatal(err)
	}
	for j, v := range got[0].F64 {
		if v != float64(j) {
			t.Fatalf("column f%d = %v", j, v)
		}
	}
	_, err = Bind(mustNative(t, `{"rows": [{`+strings.Join(fields[1:], ", ")+`}]}`), sig)
	wantInputErr(t, err, `missing column "f99"`, `"f11", ...`)
}

// Per-column tensors of strings and booleans bind to a mixed model's
// table as their cells would.
func TestBindColumnTensorsOfEveryKind(t *testing.T) {
	sig := flavor.Signature{
		Inputs:  []flavor.TensorSpec{{Name: "input", DType: flavor.Float64, Shape: []int{-1, 2}}},
		Columns: []flavor.ColumnSpec{{Name: "b", DType: flavor.Bool}, {Name: "n", DType: flavor.Float64}},
	}
	got, err := Bind(mustNative(t, `{"inputs": {"n": [1.5, null], "b": [true, false]}}`), sig)
	if err != nil {
		t.Fatal(err)
	}
	sameTensor(t, got[0], flavor.Tensor{Name: "input", DType: flavor.Float64, Shape: []int{2, 2}, F64: []float64{1, 1.5, 0, nan}})
	_, err = Bind(mustNative(t, `{"inputs": {"n": ["x", "y"], "b": [true, false]}}`), sig)
	wantInputErr(t, err, `column "n", row 0: the model takes numbers (float64), got the string "x"`)
}
