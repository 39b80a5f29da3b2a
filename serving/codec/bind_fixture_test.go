package codec

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/modeldir"
)

// loadModel loads a model directory with modeldir, as serving does.
func loadModel(t *testing.T, dir string) *modeldir.Loaded {
	t.Helper()
	l, err := modeldir.Load(context.Background(), dir, modeldir.Options{})
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	t.Cleanup(func() { l.Model.Close() })
	return l
}

// predictBound binds in to the model's signature, predicts, and returns
// the output serving would answer with.
func predictBound(t *testing.T, l *modeldir.Loaded, in Input) flavor.Tensor {
	t.Helper()
	ts, err := Bind(in, l.Signature)
	if err != nil {
		t.Fatalf("bind: %v", err)
	}
	outs, err := l.Model.Predict(context.Background(), ts)
	if err != nil {
		t.Fatalf("predict: %v", err)
	}
	want := flavor.OutputPredictions
	if l.PredictFn == modeldir.PredictFnProba {
		want = flavor.OutputProbabilities
	}
	for _, o := range outs {
		if o.Name == want {
			return o
		}
	}
	return outs[0]
}

// flatJSON reads a JSON file of nested lists into its leaves.
func flatJSON(t *testing.T, path string) []any {
	t.Helper()
	var raw any
	if err := json.Unmarshal(readFile(t, path), &raw); err != nil {
		t.Fatal(err)
	}
	var out []any
	var walk func(any)
	walk = func(v any) {
		if l, ok := v.([]any); ok {
			for _, e := range l {
				walk(e)
			}
			return
		}
		out = append(out, v)
	}
	walk(raw)
	return out
}

// matchExpected compares an output with the first values of a fixture's
// expected file (the library's own output), within tol for numbers.
func matchExpected(t *testing.T, got flavor.Tensor, path string, tol float64) {
	t.Helper()
	want := flatJSON(t, path)
	n := dataLen(&got)
	if n == 0 || n > len(want) {
		t.Fatalf("output %q has %d values, %s has %d", got.Name, n, path, len(want))
	}
	for i := range n {
		if got.DType == flavor.String {
			if got.Str[i] != want[i] {
				t.Fatalf("value %d = %q, want %v", i, got.Str[i], want[i])
			}
			continue
		}
		w, _ := want[i].(float64)
		if d := math.Abs(numAt(&got, i) - w); !(d <= tol) {
			t.Fatalf("value %d = %.9g, want %.9g", i, numAt(&got, i), w)
		}
	}
}

// The input examples MLflow wrote into each model directory, sent to the
// scoring protocol and bound to the signature modeldir.Load gives, make
// the predictions the source fixture's library made for those rows
// (scripts/fixtures/mlmodel_fixtures.py saves the fixtures' first rows).
func TestBindMLflowExamples(t *testing.T) {
	tests := []struct {
		dir, source, expected string
		tol                   float64
	}{
		{"xgboost_json", "xgboost/binary_logitraw", "expected.json", 1e-6},
		{"xgboost_tensor", "xgboost/gblinear_multi_softprob", "expected.json", 1e-6},
		{"sklearn_pickle_proba", "sklearn/random_forest", "expected.json", 1e-6},
		{"sklearn_cloudpickle_columns", "sklearn/column_onehot_logreg", "expected_predict.json", 0},
		{"sklearn_regressor", "sklearn/gradient_boosting_regressor", "expected.json", 1e-6},
		{"onnx_mlp", "onnx/mlp_softmax", "expected.json", 1e-5},
		{"onnx_external_data", "onnx/mlp_softmax", "expected.json", 1e-5},
		{"onnx_transformer", "onnx/transformer_encoder", "expected.json", 1e-5},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := testdataDir("mlmodel", tt.dir)
			l := loadModel(t, dir)
			example := readFile(t, filepath.Join(dir, "input_example.json"))
			if strings.HasPrefix(string(example), `{"columns"`) {
				example = []byte(`{"dataframe_split": ` + string(example) + `}`)
			}
			in, err := DecodeMLflow("application/json", example)
			if err != nil {
				t.Fatal(err)
			}
			got := predictBound(t, l, in)
			matchExpected(t, got, testdataDir("fixtures", tt.source, tt.expected), tt.tol)
		})
	}
}

// Whole fixtures (64 rows, nulls for missing values) through each
// protocol reproduce the library's own output.
func TestBindFixturesEachProtocol(t *testing.T) {
	fixture := func(parts ...string) string { return testdataDir(append([]string{"fixtures"}, parts...)...) }
	inputs := func(parts ...string) string {
		return string(readFile(t, filepath.Join(fixture(parts...), "inputs.json")))
	}

	t.Run("native rows, xgboost", func(t *testing.T) {
		l := loadModel(t, fixture("xgboost", "binary_logistic"))
		in, err := DecodeNative([]byte(`{"rows": ` + inputs("xgboost", "binary_logistic") + `}`))
		if err != nil {
			t.Fatal(err)
		}
		matchExpected(t, predictBound(t, l, in), filepath.Join(fixture("xgboost", "binary_logistic"), "expected.json"), 1e-6)
	})
	t.Run("MLflow records, scikit-learn pipeline over mixed columns", func(t *testing.T) {
		dir := fixture("sklearn", "column_onehot_logreg")
		l := loadModel(t, dir)
		in, err := DecodeMLflow("application/json", []byte(`{"dataframe_records": `+inputs("sklearn", "column_onehot_logreg")+`}`))
		if err != nil {
			t.Fatal(err)
		}
		matchExpected(t, predictBound(t, l, in), filepath.Join(dir, "expected_predict.json"), 0)
		ts, err := Bind(in, l.Signature)
		if err != nil {
			t.Fatal(err)
		}
		outs, err := l.Model.Predict(context.Background(), ts)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outs {
			if o.Name == flavor.OutputProbabilities {
				matchExpected(t, o, filepath.Join(dir, "expected.json"), 1e-6)
			}
		}
	})
	t.Run("V2 FP32, ONNX", func(t *testing.T) {
		dir := fixture("onnx", "mlp_softmax")
		l := loadModel(t, dir)
		body := `{"id": "x", "inputs": [{"name": "input", "shape": [64, 20], "datatype": "FP32", "data": ` + inputs("onnx", "mlp_softmax") + `}]}`
		r, err := DecodeV2([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		matchExpected(t, predictBound(t, l, r.Input), filepath.Join(dir, "expected.json"), 1e-5)
	})
	t.Run("native named int64 tensor, ONNX", func(t *testing.T) {
		dir := fixture("onnx", "bag_text")
		l := loadModel(t, dir)
		in, err := DecodeNative([]byte(`{"inputs": {"input": ` + inputs("onnx", "bag_text") + `}}`))
		if err != nil {
			t.Fatal(err)
		}
		matchExpected(t, predictBound(t, l, in), filepath.Join(dir, "expected.json"), 1e-5)
	})
}

// The same rows reach the same digest whichever protocol and layout
// carried them, once bound to the model's signature.
func TestDigestSameAcrossProtocols(t *testing.T) {
	dir := testdataDir("fixtures", "xgboost", "binary_logistic")
	sig := loadModel(t, dir).Signature
	var rows [][]*float64
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "inputs.json")), &rows); err != nil {
		t.Fatal(err)
	}
	var first [32]byte
	var firstName string
	for name, body := range protocolBodies(sig, rows[:3]) {
		in, err := decodeAs(name, body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ts, err := Bind(in, sig)
		if err != nil {
			t.Fatalf("%s: bind: %v", name, err)
		}
		d := Digest(ts)
		if firstName == "" {
			first, firstName = d, name
		} else if d != first {
			t.Errorf("%s digest %x differs from %s's %x", name, d, firstName, first)
		}
	}
}

// protocolBodies writes rows in every protocol and layout, keyed by
// "protocol format". Numbers are spelled as Go's shortest repr, which
// differs from the fixture's Python spelling in places.
func protocolBodies(sig flavor.Signature, rows [][]*float64) map[string]string {
	cols := make([]string, len(sig.Columns))
	for j, c := range sig.Columns {
		cols[j] = c.Name
	}
	value := func(v *float64) string {
		if v == nil {
			return "null"
		}
		return fmt.Sprint(*v)
	}
	var positional, records, flat, csv []string
	for _, r := range rows {
		var cells, fields, csvFields []string
		for j, v := range r {
			cells = append(cells, value(v))
			fields = append(fields, fmt.Sprintf("%q: %s", cols[j], value(v)))
			csvFields = append(csvFields, strings.Replace(value(v), "null", "", 1))
		}
		positional = append(positional, "["+strings.Join(cells, ", ")+"]")
		records = append(records, "{"+strings.Join(fields, ", ")+"}")
		flat = append(flat, cells...)
		csv = append(csv, strings.Join(csvFields, ","))
	}
	quoted, _ := json.Marshal(cols)
	pos, rec := "["+strings.Join(positional, ",")+"]", "["+strings.Join(records, ",")+"]"
	return map[string]string{
		"native rows":      `{"rows": ` + pos + `}`,
		"native records":   `{"rows": ` + rec + `}`,
		"mlflow split":     `{"dataframe_split": {"columns": ` + string(quoted) + `, "data": ` + pos + `}}`,
		"mlflow records":   `{"dataframe_records": ` + rec + `}`,
		"mlflow instances": `{"instances": ` + rec + `}`,
		"mlflow inputs":    `{"inputs": ` + pos + `}`,
		"csv":              strings.Join(cols, ",") + "\n" + strings.Join(csv, "\n") + "\n",
		"v2 FP64": fmt.Sprintf(`{"inputs": [{"name": "input-0", "shape": [%d, %d], "datatype": "FP64", "data": [%s]}]}`,
			len(rows), len(cols), strings.Join(flat, ",")),
	}
}

func decodeAs(name, body string) (Input, error) {
	switch {
	case strings.HasPrefix(name, "native"):
		return DecodeNative([]byte(body))
	case strings.HasPrefix(name, "mlflow"):
		return DecodeMLflow("application/json", []byte(body))
	case name == "csv":
		return DecodeMLflow("text/csv", []byte(body))
	}
	r, err := DecodeV2([]byte(body))
	return r.Input, err
}
