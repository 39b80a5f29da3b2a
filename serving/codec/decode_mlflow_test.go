package codec

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// splitExamples are the MLflow model directories whose input_example.json
// MLflow wrote in split orient ({"columns", "data"}).
var splitExamples = []string{"xgboost_json", "xgboost_default_xgb", "sklearn_cloudpickle_columns", "sklearn_regressor", "pyfunc_custom"}

// splitTable is the table a split example must decode to, built from the
// file with encoding/json.
func splitTable(t *testing.T, dir string) *Table {
	cols, rows := exampleSplit(t, dir)
	want := &Table{Columns: cols, Rows: len(rows), Width: len(cols)}
	for _, r := range rows {
		for _, v := range r {
			want.Cells = append(want.Cells, cellOfAny(v))
		}
	}
	return want
}

// Each split example, sent as MLflow's dataframe_split, as records, as
// instances and as the CSV pandas writes for it, decodes to the same table.
func TestDecodeMLflowExamples(t *testing.T) {
	examples := make([][]byte, len(splitExamples))
	for i, name := range splitExamples {
		examples[i] = readFile(t, filepath.Join(testdataDir("mlmodel", name), "input_example.json"))
	}
	csvs := pandasCSV(t, examples)
	for i, name := range splitExamples {
		t.Run(name, func(t *testing.T) {
			want := splitTable(t, testdataDir("mlmodel", name))
			bodies := map[string][]byte{
				"split":     []byte(`{"dataframe_split": ` + string(examples[i]) + `}`),
				"records":   recordsBody(t, "dataframe_records", want),
				"instances": recordsBody(t, "instances", want),
			}
			for format, body := range bodies {
				in, err := DecodeMLflow("application/json", body)
				if err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				sameTable(t, in.Table, want)
			}
			in, err := DecodeMLflow("text/csv", csvs[i])
			if err != nil {
				t.Fatalf("csv: %v", err)
			}
			// to_csv writes the index as a first, unnamed column.
			withIndex := &Table{Columns: append([]string{"Unnamed: 0"}, want.Columns...), Rows: want.Rows, Width: want.Width + 1}
			for i := range want.Rows {
				withIndex.Cells = append(withIndex.Cells, num(float64(i)))
				withIndex.Cells = append(withIndex.Cells, want.Cells[i*want.Width:(i+1)*want.Width]...)
			}
			sameTable(t, in.Table, withIndex)
		})
	}
}

// recordsBody writes a table as MLflow's records or instances, keys in
// column order.
func recordsBody(t *testing.T, key string, tab *Table) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"` + key + `": [`)
	for i := range tab.Rows {
		if i > 0 {
			b.WriteString(", ")
		}
		row := tab.Row(i)
		b.WriteString("{")
		for j, c := range tab.Columns {
			v, err := json.Marshal(row[c])
			if err != nil {
				t.Fatal(err)
			}
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(c) + ": " + string(v))
		}
		b.WriteString("}")
	}
	b.WriteString("]}")
	return b.Bytes()
}

// pandasCSV has pandas write split examples as CSV, as an MLflow client
// would with DataFrame.to_csv().
func pandasCSV(t *testing.T, examples [][]byte) [][]byte {
	t.Helper()
	cmd := exec.Command(testPython, "-c", `import json, sys, pandas as pd
exs = json.load(sys.stdin)
json.dump([pd.DataFrame(data=ex["data"], columns=ex["columns"]).to_csv() for ex in exs], sys.stdout)`)
	cmd.Stdin = bytes.NewReader(append(append([]byte("["), bytes.Join(examples, []byte(","))...), ']'))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pandas to_csv: %v", err)
	}
	var csvs []string
	if err := json.Unmarshal(out, &csvs); err != nil || len(csvs) != len(examples) {
		t.Fatalf("pandas wrote %s: %v", out, err)
	}
	res := make([][]byte, len(csvs))
	for i, c := range csvs {
		res[i] = []byte(c)
	}
	return res
}

// The tf-serving examples decode to tensors of the file's shape.
func TestDecodeMLflowTensorExamples(t *testing.T) {
	tests := []struct {
		dir, name string
		dtype     flavor.DType
		shape     []int
	}{
		{"onnx_mlp", "", flavor.Float64, []int{5, 20}},
		{"onnx_transformer", "input", flavor.Int64, []int{5, 16}},
		{"xgboost_tensor", "", flavor.Float64, []int{5, 10}}, // holds nulls
		{"sklearn_pickle_proba", "", flavor.Float64, []int{5, 12}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			body := readFile(t, filepath.Join(testdataDir("mlmodel", tt.dir), "input_example.json"))
			in, err := DecodeMLflow("application/json; charset=utf-8", body)
			if err != nil {
				t.Fatal(err)
			}
			if len(in.Tensors) != 1 {
				t.Fatalf("got %d tensors", len(in.Tensors))
			}
			got := in.Tensors[0]
			if got.Name != tt.name || got.DType != tt.dtype || !equalInts(got.Shape, tt.shape) {
				t.Errorf("tensor %q %s %v, want %q %s %v", got.Name, got.DType, got.Shape, tt.name, tt.dtype, tt.shape)
			}
			if in.Rows() != tt.shape[0] {
				t.Errorf("Rows() = %d", in.Rows())
			}
		})
	}
}

func TestDecodeMLflowFormats(t *testing.T) {
	tests := []struct {
		name, body string
		table      *Table
		tensors    []flavor.Tensor
	}{
		{"split without columns", `{"dataframe_split": {"data": [[1, "a"]]}}`, &Table{Rows: 1, Width: 2, Cells: []Cell{num(1), str("a")}}, nil},
		{"split with index", `{"dataframe_split": {"index": [7, 8], "columns": ["x"], "data": [[1], [2]]}}`,
			&Table{Columns: []string{"x"}, Rows: 2, Width: 1, Cells: []Cell{num(1), num(2)}}, nil},
		// pandas reads a flat list as one column.
		{"split of scalars", `{"dataframe_split": {"columns": ["x"], "data": [1, 2]}}`,
			&Table{Columns: []string{"x"}, Rows: 2, Width: 1, Cells: []Cell{num(1), num(2)}}, nil},
		{"records as lists", `{"dataframe_records": [[1, 2], [3, 4]]}`, &Table{Rows: 2, Width: 2, Cells: []Cell{num(1), num(2), num(3), num(4)}}, nil},
		{"records with missing keys", `{"dataframe_records": [{"a": 1}, {"b": 2}]}`,
			&Table{Columns: []string{"a", "b"}, Rows: 2, Width: 2, Cells: []Cell{num(1), null, null, num(2)}}, nil},
		{"instances as a list", `{"instances": [[1.5, 2], [3, 4]]}`, nil, []flavor.Tensor{
			{DType: flavor.Float64, Shape: []int{2, 2}, F64: []float64{1.5, 2, 3, 4}}}},
		{"instances of tensors", `{"instances": [{"a": [1, 2], "b": "x"}, {"a": [3, 4], "b": "y"}]}`, nil, []flavor.Tensor{
			{Name: "a", DType: flavor.Int64, Shape: []int{2, 2}, I64: []int64{1, 2, 3, 4}},
			{Name: "b", DType: flavor.String, Shape: []int{2}, Str: []string{"x", "y"}}}},
		{"instances as an object", `{"instances": {"a": [1, 2]}}`, nil, []flavor.Tensor{
			{Name: "a", DType: flavor.Int64, Shape: []int{2}, I64: []int64{1, 2}}}},
		{"inputs as an object", `{"inputs": {"a": [true], "b": [[0.5]]}}`, nil, []flavor.Tensor{
			{Name: "a", DType: flavor.Bool, Shape: []int{1}, Bool: []bool{true}},
			{Name: "b", DType: flavor.Float64, Shape: []int{1, 1}, F64: []float64{0.5}}}},
		// MLflow ignores keys it does not know.
		{"unknown keys ignored", `{"inputs": [1], "extra": {"x": 1}}`, nil, []flavor.Tensor{
			{DType: flavor.Int64, Shape: []int{1}, I64: []int64{1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := DecodeMLflow("application/json", []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.table != nil {
				sameTable(t, in.Table, tt.table)
				return
			}
			if in.Table != nil || len(in.Tensors) != len(tt.tensors) {
				t.Fatalf("got %+v", in)
			}
			for i := range tt.tensors {
				sameTensor(t, in.Tensors[i], tt.tensors[i])
			}
		})
	}
}

func TestDecodeMLflowParams(t *testing.T) {
	in, err := DecodeMLflow("application/json", []byte(`{"inputs": [1], "params": {"temperature": 0.5}}`))
	if err != nil || string(in.Params) != `{"temperature":0.5}` {
		t.Errorf("params %s, %v", in.Params, err)
	}
}

func TestDecodeMLflowContentTypes(t *testing.T) {
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8",
		`application/json; charset="utf-8"`, "application/json;"} {
		if _, err := DecodeMLflow(ct, []byte(`{"inputs": [1]}`)); err != nil {
			t.Errorf("%q: %v", ct, err)
		}
	}
	if _, err := DecodeMLflow("text/csv; charset=utf-8", []byte("a\n1\n")); err != nil {
		t.Errorf("text/csv: %v", err)
	}
	tests := []struct{ ct, fragment string }{
		{"text/plain", "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'text/plain'."},
		{"", "Got ''."},
		{"application/json; charset=latin-1", "The scoring server only supports UTF-8"},
		{"application/json; format=pandas-split", "Unrecognized content type parameters: format. IMPORTANT: The MLflow Model scoring protocol has changed"},
	}
	for _, tt := range tests {
		_, err := DecodeMLflow(tt.ct, []byte(`{"inputs": [1]}`))
		wantErr(t, err, ErrMediaType, tt.fragment)
	}
}

func TestDecodeMLflowErrors(t *testing.T) {
	tests := []struct {
		name, body string
		fragments  []string
	}{
		{"malformed JSON", `{"inputs": [1}`, []string{"Invalid input. Ensure that input is a valid JSON formatted string. Error:"}},
		{"a list", `[[1, 2]]`, []string{"Invalid input. " + mlflowRequiredFormat + ". Received a list."}},
		{"a string", `"x"`, []string{"Received unexpected input type '<class 'str'>'."}},
		{"a number", `1.5`, []string{"'<class 'float'>'"}},
		{"no input field", `{"data": [[1]]}`, []string{mlflowRequiredFormat + ". Received dictionary with input fields: ['data']. IMPORTANT"}},
		{"LLM input", `{"messages": []}`, []string{"Received dictionary with input fields: ['messages']"}},
		{"two input fields", `{"inputs": [1], "instances": [1]}`, []string{"input fields: ['inputs', 'instances']"}},
		{"duplicate field", `{"inputs": [1], "inputs": [2]}`, []string{`duplicate key "inputs"`}},
		{"split not a dict", `{"dataframe_split": [[1]]}`, []string{"Invalid input. Dataframe split format must be a dictionary. Got list."}},
		{"split is a string", `{"dataframe_split": "x"}`, []string{"Got type <class 'str'>."}},
		{"split without data", `{"dataframe_split": {"columns": ["a"]}}`, []string{
			"Invalid input. Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got {'columns'}.'"}},
		{"split with extra key", `{"dataframe_split": {"data": [[1]], "dtype": "x"}}`, []string{"Got {'data', 'dtype'}"}},
		{"split columns mismatch", `{"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 2]]}}`, []string{
			"Invalid input. Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: '3 columns passed, passed data had 2 columns'"}},
		{"split index mismatch", `{"dataframe_split": {"index": [0], "data": [[1], [2]]}}`, []string{"Shape of passed values is (2, 1), indices imply (1, 1)"}},
		{"split index not a list", `{"dataframe_split": {"index": 3, "data": [[1]]}}`, []string{"Index(...) must be called with a collection"}},
		{"split column not a name", `{"dataframe_split": {"columns": [1], "data": [[1]]}}`, []string{"column 0 is a number"}},
		{"split duplicate column", `{"dataframe_split": {"columns": ["a", "a"], "data": [[1, 2]]}}`, []string{`duplicate column "a"`}},
		{"split ragged", `{"dataframe_split": {"data": [[1, 2], [1]]}}`, []string{"row 1 has 1 values, row 0 has 2"}},
		{"split data not a list", `{"dataframe_split": {"data": 1}}`, []string{"data is a number"}},
		{"split no rows", `{"dataframe_split": {"columns": ["a"], "data": []}}`, []string{"no rows"}},
		{"records not a list", `{"dataframe_records": {"a": [1]}}`, []string{"Invalid input. Dataframe records format must be a list of records. Got dictionary."}},
		{"records is a number", `{"dataframe_records": 1}`, []string{"Got type <class 'int'>."}},
		{"records no rows", `{"dataframe_records": []}`, []string{"no rows"}},
		{"instances lengths differ", `{"instances": [{"a": 1, "b": 2}, {"a": 3}]}`, []string{
			"Invalid input. The length of values for each input/column name are not the same"}},
		{"instances record then list", `{"instances": [{"a": 1}, [1]]}`, []string{"item 1 is a list"}},
		{"instances ragged tensors", `{"instances": [{"a": [1, 2]}, {"a": [3]}]}`, []string{`instances: input "a": ragged`}},
		{"instances repeated key", `{"instances": [{"a": 1, "a": 2}]}`, []string{`duplicate key "a"`}},
		{"inputs a string", `{"inputs": "x"}`, []string{"inputs is a string"}},
		{"params not a dict", `{"inputs": [1], "params": "x"}`, []string{"params is a string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeMLflow("application/json", []byte(tt.body))
			wantInputErr(t, err, tt.fragments...)
		})
	}
}

func TestDecodeCSV(t *testing.T) {
	in, err := DecodeMLflow("text/csv", []byte("\ufeffn,s,b,mixed,\"quoted, name\",empty\n"+
		"1.5,x,True,1,\" 2 \",\n"+
		"NaN,,False,a,-3e2,NA\n"))
	if err != nil {
		t.Fatal(err)
	}
	sameTable(t, in.Table, &Table{Columns: []string{"n", "s", "b", "mixed", "quoted, name", "empty"}, Rows: 2, Width: 6, Cells: []Cell{
		num(1.5), str("x"), boolean(true), str("1"), num(2), null,
		null, null, boolean(false), str("a"), num(-300), null,
	}})
	tests := []struct{ name, body, fragment string }{
		{"empty", "", "No columns to parse from file"},
		{"header only", "a,b\n", "no rows"},
		{"long row", "a,b\n1,2\n1,2,3\n", "Expected 2 fields in line 3, saw 3"},
		{"short row", "a,b\n1\n", "Expected 2 fields in line 2, saw 1"},
		{"duplicate header", "a,a\n1,2\n", `duplicate column "a"`},
		{"bad quote", "a\n\"x\n", "Failed to parse input as a Pandas DataFrame"},
		{"invalid UTF-8", "a\n\xff\n", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeMLflow("text/csv", []byte(tt.body))
			wantInputErr(t, err, tt.fragment)
			if !strings.Contains(err.Error(), tt.fragment) {
				t.Logf("error: %v", err)
			}
		})
	}
}
