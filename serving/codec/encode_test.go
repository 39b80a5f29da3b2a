package codec

import (
	"bytes"
	"encoding/json"
	"math"
	"os/exec"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// testPython is the interpreter with numpy; the python3 on PATH lacks it.
const testPython = "/usr/bin/python3"

// peerCase is one response for testdata/peer_encode.py to write as
// MLflow ("mlflow", "tensor") or KServe ("v2") would.
type peerCase struct {
	Kind         string          `json:"kind"`
	Outputs      []peerTensor    `json:"outputs"`
	ModelName    string          `json:"model_name,omitempty"`
	ModelVersion string          `json:"model_version,omitempty"`
	ID           string          `json:"id,omitempty"`
	Parameters   json.RawMessage `json:"parameters,omitempty"`
}

type peerTensor struct {
	Name   string `json:"name"`
	DType  string `json:"dtype"`
	Shape  []int  `json:"shape"`
	Values []any  `json:"values"`
}

func toPeer(t flavor.Tensor) peerTensor {
	p := peerTensor{Name: t.Name, DType: string(t.DType), Shape: t.Shape, Values: []any{}}
	float := func(f float64) any {
		switch {
		case math.IsNaN(f):
			return "nan"
		case math.IsInf(f, 1):
			return "inf"
		case math.IsInf(f, -1):
			return "-inf"
		case f == 0 && math.Signbit(f):
			return "-0.0" // encoding/json writes -0, which Python reads as the integer 0
		}
		return f
	}
	for i := range dataLen(&t) {
		switch t.DType {
		case flavor.Float32:
			p.Values = append(p.Values, float(float64(t.F32[i])))
		case flavor.Float64:
			p.Values = append(p.Values, float(t.F64[i]))
		case flavor.Int64:
			p.Values = append(p.Values, t.I64[i])
		case flavor.Bool:
			p.Values = append(p.Values, t.Bool[i])
		case flavor.String:
			p.Values = append(p.Values, t.Str[i])
		}
	}
	return p
}

// peerBodies runs the peer script on cases and returns its bodies.
func peerBodies(t *testing.T, cases []peerCase) []string {
	t.Helper()
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testPython, "testdata/peer_encode.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s testdata/peer_encode.py (needs numpy): %v\n%s", testPython, err, stderr.String())
	}
	var bodies []string
	if err := json.Unmarshal(out, &bodies); err != nil {
		t.Fatalf("peer output: %v\n%s", err, out)
	}
	if len(bodies) != len(cases) {
		t.Fatalf("peer wrote %d bodies for %d cases", len(bodies), len(cases))
	}
	return bodies
}

// encodeTensors are outputs chosen to exercise every formatting rule:
// Python's float repr around its 1e-4 and 1e16 switches, float32
// widening, integer extremes, escapes and non-ASCII text, empty and
// nested shapes.
func encodeTensors() map[string]flavor.Tensor {
	return map[string]flavor.Tensor{
		"float64": {Name: "predictions", DType: flavor.Float64, Shape: []int{14}, F64: []float64{
			0.1, 1, math.Copysign(0, -1), 1e16, 9999999999999998, 1e15, 1e-4, 9.99999999999e-5, 1e-5, 123456789.123,
			1e21, 5e-324, math.MaxFloat64, -2.5e-07}},
		"float32": {Name: "probabilities", DType: flavor.Float32, Shape: []int{2, 3}, F32: []float32{
			0.1, 1.0 / 3, 16777216, 1e-8, -2.5, math.MaxFloat32}},
		"int64": {Name: "predictions", DType: flavor.Int64, Shape: []int{2, 2}, I64: []int64{
			0, -7, math.MinInt64, math.MaxInt64}},
		"bool": {Name: "flags", DType: flavor.Bool, Shape: []int{3}, Bool: []bool{true, false, true}},
		"string": {Name: "labels", DType: flavor.String, Shape: []int{6}, Str: []string{
			"high", "héllo", "日本", "emoji 😀", "quote\" back\\ nl\n tab\t cr\r bs\b ff\f", "ctl\x01 del\x7f sep\u2028"}},
		"nan":    {Name: "predictions", DType: flavor.Float64, Shape: []int{3}, F64: []float64{math.NaN(), math.Inf(1), math.Inf(-1)}},
		"rank3":  {Name: "scores", DType: flavor.Float64, Shape: []int{2, 1, 2}, F64: []float64{1, 2, 3, 4}},
		"empty":  {Name: "predictions", DType: flavor.Float64, Shape: []int{0}, F64: []float64{}},
		"0cols":  {Name: "predictions", DType: flavor.Int64, Shape: []int{2, 0}, I64: []int64{}},
		"scalar": {Name: "predictions", DType: flavor.Float64, Shape: []int{}, F64: []float64{2.5}},
	}
}

func TestAppendTensorMatchesMLflow(t *testing.T) {
	tensors := encodeTensors()
	var names []string
	var cases []peerCase
	for name, ts := range tensors {
		names = append(names, name)
		cases = append(cases, peerCase{Kind: "tensor", Outputs: []peerTensor{toPeer(ts)}})
	}
	want := peerBodies(t, cases)
	for i, name := range names {
		ts := tensors[name]
		if got := string(AppendTensor(nil, &ts)); got != want[i] {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want[i])
		}
	}
}

func TestAppendMLflowMatchesMLflow(t *testing.T) {
	all := encodeTensors()
	tests := map[string][]flavor.Tensor{
		"one float64":  {all["float64"]},
		"one float32":  {all["float32"]},
		"class labels": {all["string"]},
		"nan":          {all["nan"]},
		"several":      {{Name: "predictions", DType: flavor.Int64, Shape: []int{2}, I64: []int64{1, 0}}, all["float32"]},
	}
	var names []string
	var cases []peerCase
	for name, outs := range tests {
		names = append(names, name)
		c := peerCase{Kind: "mlflow"}
		for _, o := range outs {
			c.Outputs = append(c.Outputs, toPeer(o))
		}
		cases = append(cases, c)
	}
	want := peerBodies(t, cases)
	for i, name := range names {
		got := string(AppendMLflow([]byte("prefix:"), tests[name]))
		if got != "prefix:"+want[i] {
			t.Errorf("%s:\n got %s\nwant prefix:%s", name, got, want[i])
		}
	}
}

func TestAppendV2MatchesKServe(t *testing.T) {
	all := encodeTensors()
	tests := map[string]V2Response{
		"full": {ModelName: "churn", ModelVersion: "3", ID: "42", Parameters: []byte(`{"a":1,"b":"x"}`),
			Outputs: []flavor.Tensor{all["float64"], all["float32"]}},
		"no id":   {ModelName: "m", ModelVersion: "1", Outputs: []flavor.Tensor{all["int64"], all["bool"]}},
		"strings": {ModelName: "modèle", ModelVersion: "v2", ID: "é", Outputs: []flavor.Tensor{all["string"]}},
		"shapes":  {ModelName: "m", ModelVersion: "1", Outputs: []flavor.Tensor{all["rank3"], all["empty"], all["0cols"], all["scalar"]}},
	}
	var names []string
	var cases []peerCase
	for name, r := range tests {
		names = append(names, name)
		c := peerCase{Kind: "v2", ModelName: r.ModelName, ModelVersion: r.ModelVersion, ID: r.ID, Parameters: r.Parameters}
		for _, o := range r.Outputs {
			c.Outputs = append(c.Outputs, toPeer(o))
		}
		cases = append(cases, c)
	}
	want := peerBodies(t, cases)
	for i, name := range names {
		r := tests[name]
		if got := string(AppendV2(nil, &r)); got != want[i] {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want[i])
		}
	}
}

// KServe fails a response holding NaN (Starlette's allow_nan=False);
// AppendV2 writes null there so the body stays valid JSON.
func TestAppendV2NaNIsNull(t *testing.T) {
	all := encodeTensors()
	r := V2Response{ModelName: "m", ModelVersion: "1", Outputs: []flavor.Tensor{all["nan"]}}
	want := peerBodies(t, []peerCase{{Kind: "v2", ModelName: "m", ModelVersion: "1", Outputs: []peerTensor{toPeer(all["nan"])}}})
	if want[0] != "error: Out of range float values are not JSON compliant" {
		t.Fatalf("KServe's serializer accepted NaN: %s", want[0])
	}
	got := AppendV2(nil, &r)
	if string(got) != `{"model_name":"m","model_version":"1","outputs":[{"name":"predictions","shape":[3],"datatype":"FP64","data":[null,null,null]}]}` {
		t.Errorf("got %s", got)
	}
	if !json.Valid(got) {
		t.Errorf("AppendV2 wrote invalid JSON: %s", got)
	}
}

// A tensor whose data does not fill its shape (a flavor bug) is written
// flat rather than making the encoder index out of range.
func TestAppendMismatchedTensor(t *testing.T) {
	bad := flavor.Tensor{Name: "p", DType: flavor.Float64, Shape: []int{2, 3}, F64: []float64{1, 2}}
	if got := string(AppendTensor(nil, &bad)); got != "[1.0, 2.0]" {
		t.Errorf("AppendTensor: %s", got)
	}
	r := V2Response{ModelName: "m", Outputs: []flavor.Tensor{bad, {Name: "q", DType: "complex"}}}
	want := `{"model_name":"m","model_version":"","outputs":[{"name":"p","shape":[2],"datatype":"FP64","data":[1.0,2.0]},` +
		`{"name":"q","shape":[0],"datatype":"","data":[]}]}`
	if got := string(AppendV2(nil, &r)); got != want {
		t.Errorf("AppendV2:\n got %s\nwant %s", got, want)
	}
	if got := string(AppendMLflow(nil, nil)); got != `{"predictions": []}` {
		t.Errorf("AppendMLflow(nil): %s", got)
	}
}

func TestV2Datatype(t *testing.T) {
	for dt, want := range map[flavor.DType]string{
		flavor.Float32: "FP32", flavor.Float64: "FP64", flavor.Int64: "INT64",
		flavor.String: "BYTES", flavor.Bool: "BOOL", "complex": "",
	} {
		if got := V2Datatype(dt); got != want {
			t.Errorf("V2Datatype(%s) = %q, want %q", dt, got, want)
		}
	}
}
