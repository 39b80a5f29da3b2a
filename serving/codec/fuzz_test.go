package codec

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// fuzzSigs are the model layouts Bind distinguishes.
var fuzzSigs = []flavor.Signature{tabular3, mixed, onnx1, onnx2}

// exerciseInput runs what serving does with a decoded input: Bind to
// each layout, then digest, batch, slice and encode what bound. None of
// it may panic, and every refusal must be an input error.
func exerciseInput(t *testing.T, in Input, err error) {
	if err != nil {
		if !errors.Is(err, flavor.ErrInput) && !errors.Is(err, ErrMediaType) {
			t.Fatalf("error %q wraps neither ErrInput nor ErrMediaType", err)
		}
		return
	}
	if in.Table != nil {
		in.Table.Row(0)
	}
	for _, sig := range fuzzSigs {
		ts, err := Bind(in, sig)
		if err != nil {
			if !errors.Is(err, flavor.ErrInput) {
				t.Fatalf("Bind error %q does not wrap ErrInput", err)
			}
			continue
		}
		if len(ts) != len(sig.Inputs) {
			t.Fatalf("Bind returned %d tensors for %d inputs", len(ts), len(sig.Inputs))
		}
		Digest(ts)
		batch, err := ConcatRows([][]flavor.Tensor{ts, ts})
		if err != nil {
			t.Fatalf("ConcatRows of bound tensors: %v", err)
		}
		for i := range batch {
			s := SliceRows(&batch[i], 0, 1)
			AppendTensor(nil, &s)
		}
		AppendMLflow(nil, ts)
		AppendV2(nil, &V2Response{ModelName: "m", Outputs: ts})
	}
}

// fuzzSeeds adds the MLflow input examples under testdata/mlmodel.
func fuzzSeeds(f *testing.F, wrap func([]byte) []byte) {
	dirs, _ := filepath.Glob(testdataDir("mlmodel", "*", "input_example.json"))
	for _, p := range dirs {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(wrap(b))
		}
	}
}

func FuzzDecodeNative(f *testing.F) {
	for _, s := range []string{
		`{"rows": [[1, 2, 3], [4, null, true]]}`, `{"rows": [{"a": 1, "b": "x", "c": 3}]}`,
		`{"columns": {"color": ["red"], "size": [1]}}`, `{"inputs": {"ids": [[1, 2, 3, 4]], "mask": [[1, 0, 1, 0]]}}`,
		`{"inputs": [[0.5, 1]], "params": {"k": 1}}`, `{"rows": [[NaN, 1e400, "é"]]}`,
	} {
		f.Add([]byte(s))
	}
	fuzzSeeds(f, func(b []byte) []byte { return b })
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := DecodeNative(body)
		exerciseInput(t, in, err)
	})
}

func FuzzDecodeMLflow(f *testing.F) {
	for _, s := range []struct{ ct, body string }{
		{"application/json", `{"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 2, 3]]}}`},
		{"application/json", `{"dataframe_records": [{"color": "red", "size": 2}]}`},
		{"application/json", `{"instances": [{"a": [1, 2]}, {"a": [3, 4]}]}`},
		{"application/json; charset=utf-8", `{"inputs": {"input": [[1, 2]]}, "params": {}}`},
		{"text/csv", ",a,b,c\n0,1,2,x\n1,,True,3\n"},
		{"application/json; format=pandas-split", `{}`},
	} {
		f.Add(s.ct, []byte(s.body))
	}
	dirs, _ := filepath.Glob(testdataDir("mlmodel", "*", "input_example.json"))
	for _, p := range dirs {
		if b, err := os.ReadFile(p); err == nil {
			f.Add("application/json", append(append([]byte(`{"dataframe_split": `), b...), '}'))
			f.Add("application/json", b)
		}
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		in, err := DecodeMLflow(contentType, body)
		exerciseInput(t, in, err)
	})
}

func FuzzDecodeV2(f *testing.F) {
	for _, s := range []string{
		`{"id": "42", "inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP32", "data": [[1, 2]]}], "outputs": [{"name": "output"}]}`,
		`{"inputs": [{"name": "ids", "shape": [1, 4], "datatype": "INT64", "data": [1, 2, 3, 4]}, {"name": "mask", "shape": [1, 4], "datatype": "FP16", "data": [1, 0, 1, null]}]}`,
		`{"inputs": [{"name": "color", "shape": [1], "datatype": "BYTES", "data": ["red"]}, {"name": "size", "shape": [1], "datatype": "UINT8", "data": [3]}]}`,
		`{"inputs": [{"name": "x", "shape": [8192, 8192], "datatype": "FP64", "data": [1]}], "parameters": {"a": true}}`,
		`{"inputs": [{"name": "b", "shape": [], "datatype": "BOOL", "data": [true]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := DecodeV2(body)
		exerciseInput(t, r.Input, err)
		if err == nil {
			AppendV2(nil, &V2Response{ModelName: "m", ID: r.ID, Parameters: r.Input.Params, Outputs: r.Input.Tensors})
		}
	})
}
