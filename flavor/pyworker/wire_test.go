package pyworker

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

func TestRawDataLayout(t *testing.T) {
	// 1.0 as a little-endian float64 is 00 00 00 00 00 00 f0 3f.
	w, err := encodeTensor("x", &flavor.Tensor{DType: flavor.Float64, Shape: []int{1}, F64: []float64{1}})
	if err != nil || string(w.Data) != `"AAAAAAAA8D8="` {
		t.Fatalf("data = %s, %v", w.Data, err)
	}
	w, err = encodeTensor("b", &flavor.Tensor{DType: flavor.Bool, Shape: []int{2}, Bool: []bool{true, false}})
	if err != nil || string(w.Data) != `"AQA="` {
		t.Fatalf("bool data = %s, %v", w.Data, err)
	}
}

func TestArrayDataDecodes(t *testing.T) {
	got, err := decodeTensor(wireTensor{DType: flavor.Float32, Shape: []int{2, 2}, Data: json.RawMessage(` [ 0.1, "NaN" ,"-Infinity",1e-3 ] `)})
	if err != nil || got.F32[0] != 0.1 || !math.IsNaN(float64(got.F32[1])) || !math.IsInf(float64(got.F32[2]), -1) || got.F32[3] != 1e-3 {
		t.Fatalf("float32 array: %+v, %v", got, err)
	}
	got, err = decodeTensor(wireTensor{DType: flavor.Int64, Shape: []int{2}, Data: json.RawMessage(`[-9223372036854775808, 7]`)})
	if err != nil || !slices.Equal(got.I64, []int64{math.MinInt64, 7}) {
		t.Fatalf("int64 array: %+v, %v", got, err)
	}
	got, err = decodeTensor(wireTensor{DType: flavor.Bool, Shape: []int{}, Data: json.RawMessage(`[false]`)})
	if err != nil || !slices.Equal(got.Bool, []bool{false}) {
		t.Fatalf("bool scalar: %+v, %v", got, err)
	}
}

func TestTensorEncodeDecodeRoundTrip(t *testing.T) {
	in := []flavor.Tensor{
		f64("f", []int{2, 2}, math.NaN(), math.Inf(-1), -0.0, 1e308),
		{DType: flavor.Float32, Shape: []int{2}, F32: []float32{0.1, float32(math.Inf(1))}},
		{DType: flavor.Int64, Shape: []int{2}, I64: []int64{math.MinInt64, math.MaxInt64}},
		{DType: flavor.String, Shape: []int{2}, Str: []string{"\x00\t\"", "é"}},
		{DType: flavor.Bool, Shape: []int{1}, Bool: []bool{true}},
		{DType: flavor.String, Shape: []int{0}},
	}
	for _, want := range in {
		w, err := encodeTensor("t", &want)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(w.Data) {
			t.Fatalf("%s data is not JSON: %s", want.DType, w.Data)
		}
		got, err := decodeTensor(w)
		if err != nil {
			t.Fatalf("%s: %v (data %s)", want.DType, err, w.Data)
		}
		if !slices.Equal(bitsOf(got), bitsOf(want)) || !slices.Equal(got.I64, want.I64) ||
			!slices.Equal(got.Str, want.Str) || !slices.Equal(got.Bool, want.Bool) {
			t.Errorf("%s: got %+v, want %+v", want.DType, got, want)
		}
	}
}

func bitsOf(t flavor.Tensor) []uint64 {
	var out []uint64
	for _, v := range t.F64 {
		if math.IsNaN(v) {
			v = math.NaN() // any NaN payload is the same missing value
		}
		out = append(out, math.Float64bits(v))
	}
	for _, v := range t.F32 {
		out = append(out, uint64(math.Float32bits(v)))
	}
	return out
}

func TestDecodeTensorIsStrict(t *testing.T) {
	tests := []struct {
		dtype flavor.DType
		shape []int
		data  string
		text  string
	}{
		{flavor.Float64, []int{2}, `[1, null]`, "not a number"},
		{flavor.Float64, []int{2}, `[1]`, "1 values, shape says 2"},
		{flavor.Float64, []int{1}, `[1, 2]`, "more than the 1 values"},
		{flavor.Float64, []int{1}, `[[1]]`, "nested"},
		{flavor.Float64, []int{1}, `["nan"]`, "not a number"},
		{flavor.Float64, []int{1}, `[0x10]`, "not a number"},
		{flavor.Float64, []int{1}, `[Infinity]`, "not a number"},
		{flavor.Float32, []int{1}, `[1e39]`, "out of float32 range"},
		{flavor.Float64, []int{1}, `{"a": 1}`, "not an array"},
		{flavor.Int64, []int{1}, `[1.5]`, "not an int64"},
		{flavor.Int64, []int{1}, `[9223372036854775808]`, "not an int64"},
		{flavor.Bool, []int{1}, `[1]`, "not a bool"},
		{flavor.String, []int{1}, `[1]`, "not a string"},
		{flavor.String, []int{1}, `["a]`, "unterminated"},
		{flavor.Float64, []int{-1}, `[]`, "negative"},
		{flavor.Float64, []int{1 << 30, 1 << 30}, `[1]`, "more values than the data"},
		{"float16", []int{1}, `[1]`, "unknown dtype"},
		{flavor.Float64, []int{2}, `[1,,2]`, "empty value"},
		{flavor.Float64, []int{1}, `[1] x`, "trailing"},
		{flavor.Float64, []int{1}, `"AAAAAAAA8D8"`, "11 base64 characters, shape needs 12"},
		{flavor.Float64, []int{2}, `"AAAAAAAA8D8="`, "shape needs 24"},
		{flavor.Float32, []int{1}, `"!!!!!!!!"`, "bad base64"},
		{flavor.Float32, []int{1}, `"AA\/AAAA"`, "bad base64"},
		{flavor.Bool, []int{1}, `"Ag=="`, "not 0 or 1"},
		{flavor.String, []int{1}, `"YQ=="`, "must be a JSON array"},
		{flavor.Int64, []int{1}, `"AAAAAAAAAAA=`, "malformed"},
	}
	for _, tt := range tests {
		_, err := decodeTensor(wireTensor{Name: "y", DType: tt.dtype, Shape: tt.shape, Data: json.RawMessage(tt.data)})
		if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%s %v %s: err = %v, want mention of %q", tt.dtype, tt.shape, tt.data, err, tt.text)
		}
	}
}

// TestPythonDecoderAcceptsBothForms runs the worker's own tensor codec:
// Paddock always sends base64, but the protocol also allows JSON arrays.
func TestPythonDecoderAcceptsBothForms(t *testing.T) {
	script, err := writeScript(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	check := `
import importlib.util, math, sys
spec = importlib.util.spec_from_file_location("w", sys.argv[1])
w = importlib.util.module_from_spec(spec)
spec.loader.exec_module(w)

def decode(dtype, shape, data):
    return w.decode_tensor({"name": "t", "dtype": dtype, "shape": shape, "data": data})[1]

a = decode("float64", [3], [1.5, "NaN", "-Infinity"])
assert a[0] == 1.5 and math.isnan(a[1]) and a[2] == -math.inf, a
assert decode("float64", [1], "AAAAAAAA8D8=").tolist() == [1.0]
assert decode("int64", [2, 1], [-(2**63), 2**63 - 1]).tolist() == [[-(2**63)], [2**63 - 1]]
assert decode("bool", [2], "AQA=").tolist() == [True, False]
assert decode("string", [], ["x"]).tolist() == "x"
for dtype, shape, data in [("float64", [2], [1.0]), ("float64", [1], [None]),
                           ("float64", [1], ["nan"]), ("int64", [1], [1.5]),
                           ("bool", [1], "Ag=="), ("string", [1], "YQ=="),
                           ("float32", [1], "AAAA!==="), ("float32", [1], {"a": 1})]:
    try:
        decode(dtype, shape, data)
    except w.WorkerError as e:
        assert e.kind == "input", e.kind
    else:
        raise AssertionError("accepted %s %s %r" % (dtype, shape, data))
t = w.encode_tensor("y", __import__("numpy").array([[1.0, float("nan")]], dtype="float32"))
assert t["dtype"] == "float32" and t["shape"] == [1, 2] and t["data"] == "AACAPwAAwH8=", t
print("ok")
`
	out, err := exec.Command(testPython, "-c", check, script).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("python codec check: %v\n%s", err, out)
	}
}

func TestEncodePredictIsValidJSON(t *testing.T) {
	a, _ := encodeTensor(`we"ird\ name ✓`, &flavor.Tensor{DType: flavor.Int64, Shape: []int{2, 1}, I64: []int64{1, 2}})
	b, _ := encodeTensor("s", &flavor.Tensor{DType: flavor.String, Shape: []int{}, Str: []string{"x"}})
	frame, err := encodePredict(42, []wireTensor{a, b}, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := readFrame(bytes.NewReader(frame), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		ID     uint64
		Op     string
		Inputs []wireTensor
	}
	if err := json.Unmarshal(payload, &req); err != nil {
		t.Fatalf("%v\n%s", err, payload)
	}
	if req.ID != 42 || req.Op != "predict" || len(req.Inputs) != 2 || req.Inputs[0].Name != `we"ird\ name ✓` ||
		!slices.Equal(req.Inputs[0].Shape, []int{2, 1}) || string(req.Inputs[1].Data) != `["x"]` {
		t.Fatalf("decoded %+v from %s", req, payload)
	}
	if _, err := encodePredict(1, []wireTensor{a}, 16); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("over max: %v", err)
	}
}
