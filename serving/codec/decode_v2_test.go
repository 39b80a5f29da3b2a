package codec

import (
	"math"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// The inference request example of the KServe V2 protocol document
// (docs/predict-api/v2/required_api.md), with its BOOL input's data made
// to fill the declared shape [3].
func TestDecodeV2ProtocolExample(t *testing.T) {
	body := `{
	  "id" : "42",
	  "inputs" : [
	    {"name" : "input0", "shape" : [ 2, 2 ], "datatype" : "UINT32", "data" : [ 1, 2, 3, 4 ]},
	    {"name" : "input1", "shape" : [ 3 ], "datatype" : "BOOL", "data" : [ true, false, true ]}
	  ],
	  "outputs" : [ {"name" : "output0"} ]
	}`
	r, err := DecodeV2([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "42" || len(r.Outputs) != 1 || r.Outputs[0] != "output0" || r.Input.Params != nil || r.Input.Table != nil {
		t.Errorf("request %+v", r)
	}
	sameTensor(t, r.Input.Tensors[0], flavor.Tensor{Name: "input0", DType: flavor.Int64, Shape: []int{2, 2}, I64: []int64{1, 2, 3, 4}})
	sameTensor(t, r.Input.Tensors[1], flavor.Tensor{Name: "input1", DType: flavor.Bool, Shape: []int{3}, Bool: []bool{true, false, true}})
	// As printed in the document, input1 declares 3 values and sends 1.
	_, err = DecodeV2([]byte(strings.Replace(body, "[ true, false, true ]", "[ true ]", 1)))
	wantInputErr(t, err, `input "input1": data holds 1 values, shape [3] needs 3`)
}

func TestDecodeV2Datatypes(t *testing.T) {
	tests := []struct {
		name, input string
		want        flavor.Tensor
	}{
		{"FP32 nested", `{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [[0.1, 2], [3, null]]}`,
			flavor.Tensor{Name: "x", DType: flavor.Float32, Shape: []int{2, 2}, F32: []float32{0.1, 2, 3, float32(nan)}}},
		{"FP32 nested differently from shape", `{"name": "x", "shape": [4], "datatype": "FP32", "data": [[1, 2], [3, 4]]}`,
			flavor.Tensor{Name: "x", DType: flavor.Float32, Shape: []int{4}, F32: []float32{1, 2, 3, 4}}},
		{"FP16", `{"name": "x", "shape": [1], "datatype": "FP16", "data": [0.5]}`,
			flavor.Tensor{Name: "x", DType: flavor.Float32, Shape: []int{1}, F32: []float32{0.5}}},
		{"FP64 lower case", `{"name": "x", "shape": [2], "datatype": "fp64", "data": [0.1, -1e300]}`,
			flavor.Tensor{Name: "x", DType: flavor.Float64, Shape: []int{2}, F64: []float64{0.1, -1e300}}},
		{"INT64 extremes", `{"name": "x", "shape": [2], "datatype": "INT64", "data": [-9223372036854775808, 9223372036854775807]}`,
			flavor.Tensor{Name: "x", DType: flavor.Int64, Shape: []int{2}, I64: []int64{math.MinInt64, math.MaxInt64}}},
		{"INT8 as integral floats", `{"name": "x", "shape": [3], "datatype": "INT8", "data": [-128, 127.0, 1e2]}`,
			flavor.Tensor{Name: "x", DType: flavor.Int64, Shape: []int{3}, I64: []int64{-128, 127, 100}}},
		{"UINT16", `{"name": "x", "shape": [1], "datatype": "UINT16", "data": [65535]}`,
			flavor.Tensor{Name: "x", DType: flavor.Int64, Shape: []int{1}, I64: []int64{65535}}},
		{"BYTES", `{"name": "x", "shape": [1, 2], "datatype": "BYTES", "data": ["héllo", ""]}`,
			flavor.Tensor{Name: "x", DType: flavor.String, Shape: []int{1, 2}, Str: []string{"héllo", ""}}},
		{"scalar", `{"name": "x", "shape": [], "datatype": "FP64", "data": [7]}`,
			flavor.Tensor{Name: "x", DType: flavor.Float64, Shape: []int{}, F64: []float64{7}}},
		{"empty", `{"name": "x", "shape": [0, 3], "datatype": "FP64", "data": []}`,
			flavor.Tensor{Name: "x", DType: flavor.Float64, Shape: []int{0, 3}, F64: []float64{}}},
		{"unknown keys ignored", `{"name": "x", "shape": [1], "datatype": "BOOL", "data": [false], "parameters": {"content_type": "np"}, "extra": 1}`,
			flavor.Tensor{Name: "x", DType: flavor.Bool, Shape: []int{1}, Bool: []bool{false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeV2([]byte(`{"inputs": [` + tt.input + `]}`))
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Input.Tensors) != 1 {
				t.Fatalf("%d tensors", len(r.Input.Tensors))
			}
			sameTensor(t, r.Input.Tensors[0], tt.want)
		})
	}
}

func TestDecodeV2Request(t *testing.T) {
	r, err := DecodeV2([]byte(`{"parameters": {"k": "v"}, "outputs": [], "inputs": [
		{"name": "a", "shape": [1], "datatype": "FP32", "data": [1]},
		{"name": "b", "shape": [1], "datatype": "BYTES", "data": ["x"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "" || r.Outputs != nil || string(r.Input.Params) != `{"k":"v"}` || len(r.Input.Tensors) != 2 || r.Input.Rows() != 1 {
		t.Errorf("request %+v", r)
	}
}

func TestDecodeV2Errors(t *testing.T) {
	in := func(s string) string { return `{"inputs": [` + s + `]}` }
	tests := []struct {
		name, body string
		fragments  []string
	}{
		{"malformed JSON", `{"inputs": [}`, []string{"malformed JSON"}},
		{"not an object", `[1]`, []string{"not an inference request"}},
		{"no inputs", `{"id": "1"}`, []string{"inputs is missing"}},
		{"empty inputs", `{"inputs": []}`, []string{"non-empty list"}},
		{"inputs not a list", `{"inputs": {}}`, []string{"non-empty list"}},
		{"duplicate key", `{"inputs": [], "inputs": []}`, []string{`duplicate key "inputs"`}},
		{"id not a string", `{"id": 42, "inputs": []}`, []string{"id is a number"}},
		{"parameters not an object", `{"parameters": 1, "inputs": []}`, []string{"parameters is a number"}},
		{"input not an object", in(`1`), []string{"input 0 is a number"}},
		{"no name", in(`{"shape": [1], "datatype": "FP32", "data": [1]}`), []string{"input 0: name must be a string"}},
		{"name not a string", in(`{"name": 1, "shape": [1], "datatype": "FP32", "data": [1]}`), []string{"name must be a string"}},
		{"duplicate input key", in(`{"name": "x", "name": "y"}`), []string{`input 0: duplicate key "name"`}},
		{"no datatype", in(`{"name": "x", "shape": [1], "data": [1]}`), []string{`input "x": datatype must be a string`}},
		{"unknown datatype", in(`{"name": "x", "shape": [1], "datatype": "FP8", "data": [1]}`), []string{`input "x": unknown datatype "FP8"`}},
		{"no shape", in(`{"name": "x", "datatype": "FP32", "data": [1]}`), []string{`input "x": shape must be a list`}},
		{"negative dimension", in(`{"name": "x", "shape": [-1, 2], "datatype": "FP32", "data": [1, 2]}`), []string{"shape dimension 0 is -1"}},
		{"fractional dimension", in(`{"name": "x", "shape": [1.5], "datatype": "FP32", "data": [1]}`), []string{"shape dimension 0 is 1.5"}},
		{"string dimension", in(`{"name": "x", "shape": ["2"], "datatype": "FP32", "data": [1, 2]}`), []string{`shape dimension 0 is "2"`}},
		{"huge dimension", in(`{"name": "x", "shape": [100000000000], "datatype": "FP32", "data": [1]}`), []string{"shape dimension 0"}},
		{"huge shape", in(`{"name": "x", "shape": [65536, 65536, 65536], "datatype": "FP32", "data": [1]}`), []string{"more than 67108864 values"}},
		// Declared within the limit, but the data is tiny: refused before allocating.
		{"shape larger than data", in(`{"name": "x", "shape": [8192, 8192], "datatype": "FP64", "data": [1]}`), []string{"data holds 1 values, shape [8192 8192] needs 67108864"}},
		{"no data", in(`{"name": "x", "shape": [1], "datatype": "FP32"}`), []string{`input "x": data must be a list`}},
		{"data not a list", in(`{"name": "x", "shape": [1], "datatype": "FP32", "data": 1}`), []string{"data must be a list"}},
		{"too many values", in(`{"name": "x", "shape": [1], "datatype": "FP32", "data": [1, 2]}`), []string{"data holds 2 values, shape [1] needs 1"}},
		// The first row implies 2x8 = 16 values, the shape's count, but the rest is empty.
		{"ragged data", in(`{"name": "x", "shape": [16], "datatype": "FP32", "data": [[1, 2, 3, 4, 5, 6, 7, 8], []]}`), []string{"ragged data"}},
		{"string in FP32", in(`{"name": "x", "shape": [1], "datatype": "FP32", "data": ["1"]}`), []string{`input "x": value 0: expected a number`}},
		{"bool in FP64", in(`{"name": "x", "shape": [1], "datatype": "FP64", "data": [true]}`), []string{"expected a number"}},
		{"fraction in INT32", in(`{"name": "x", "shape": [2], "datatype": "INT32", "data": [1, 1.5]}`), []string{"value 1: expected an integer"}},
		{"INT8 out of range", in(`{"name": "x", "shape": [1], "datatype": "INT8", "data": [128]}`), []string{"value 0: out of range"}},
		{"UINT8 negative", in(`{"name": "x", "shape": [1], "datatype": "UINT8", "data": [-1]}`), []string{"out of range"}},
		{"UINT64 past int64", in(`{"name": "x", "shape": [1], "datatype": "UINT64", "data": [18446744073709551615]}`), []string{"out of range"}},
		{"INT64 huge float", in(`{"name": "x", "shape": [1], "datatype": "INT64", "data": [1e30]}`), []string{"out of range"}},
		{"null in INT64", in(`{"name": "x", "shape": [1], "datatype": "INT64", "data": [null]}`), []string{"expected an integer"}},
		{"number in BYTES", in(`{"name": "x", "shape": [1], "datatype": "BYTES", "data": [1]}`), []string{"expected a string"}},
		{"number in BOOL", in(`{"name": "x", "shape": [1], "datatype": "BOOL", "data": [1]}`), []string{"expected true or false"}},
		{"binary data", in(`{"name": "x", "shape": [1], "datatype": "FP32", "data": [], "parameters": {"binary_data_size": 4}}`), []string{"binary tensor data is not supported"}},
		{"duplicate input", in(`{"name": "x", "shape": [1], "datatype": "FP32", "data": [1]}, {"name": "x", "shape": [1], "datatype": "FP32", "data": [1]}`),
			[]string{`duplicate input "x"`}},
		{"outputs not a list", `{"outputs": {}, "inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1]}]}`, []string{"outputs is an object"}},
		{"output without name", `{"outputs": [{}], "inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1]}]}`, []string{"outputs: item 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeV2([]byte(tt.body))
			wantInputErr(t, err, tt.fragments...)
		})
	}
}
