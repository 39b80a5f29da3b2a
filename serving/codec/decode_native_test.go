package codec

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

func TestDecodeNativeTables(t *testing.T) {
	tests := []struct {
		name, body string
		want       Table
	}{
		{"positional rows", `{"rows": [[1.5, "a", null, true], [-2, "b", 3e2, false]]}`, Table{Rows: 2, Width: 4, Cells: []Cell{
			num(1.5), str("a"), null, boolean(true), num(-2), str("b"), num(300), boolean(false)}}},
		{"records", `{"rows": [{"f0": 1.5, "f1": "a"}, {"f1": "b", "f0": 2}]}`, Table{Columns: []string{"f0", "f1"}, Rows: 2, Width: 2,
			Cells: []Cell{num(1.5), str("a"), num(2), str("b")}}},
		// pandas.DataFrame(records): the union of the keys, missing ones NaN.
		{"records with different keys", `{"rows": [{"a": 1}, {"b": "x", "c": null}]}`, Table{Columns: []string{"a", "b", "c"}, Rows: 2, Width: 3,
			Cells: []Cell{num(1), null, null, null, str("x"), null}}},
		{"columns", `{"columns": {"a": [1, 2], "b": ["x", "y"]}}`, Table{Columns: []string{"a", "b"}, Rows: 2, Width: 2,
			Cells: []Cell{num(1), str("x"), num(2), str("y")}}},
		{"escaped names and text", `{"rows": [{"caf\u00e9": "line\nbreak", "q\"": "\ud83d\ude00"}]}`, Table{Columns: []string{"café", `q"`}, Rows: 1, Width: 2,
			Cells: []Cell{str("line\nbreak"), str("😀")}}},
		// Python's json reads NaN; MLflow clients send it for missing values.
		{"NaN literal and big exponents", `{"rows": [[NaN, 1e400, -1e400, 1e-400]]}`, Table{Rows: 1, Width: 4, Cells: []Cell{
			num(nan), num(math.Inf(1)), num(math.Inf(-1)), num(0)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := DecodeNative([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if in.Tensors != nil || in.Params != nil {
				t.Errorf("unexpected tensors or params: %+v", in)
			}
			if tt.name == "NaN literal and big exponents" {
				if c := in.Table.Cells[0]; c.Kind != Number || !math.IsNaN(c.Num) {
					t.Errorf("NaN cell = %+v", c)
				}
				in.Table.Cells[0], tt.want.Cells[0] = null, null
			}
			sameTable(t, in.Table, &tt.want)
		})
	}
}

// Numbers are rounded exactly as Python and Go's own parser round them:
// fastjson's Float64 is off by one ulp for some 16- and 17-digit inputs.
func TestDecodeNativeNumbersRoundExactly(t *testing.T) {
	lits := []string{"5.44580945458506e-05", "-9.43914842563287e-05", "3.95283733298224e-05", "9.49049063100893e-05",
		"0.12331563234329224", "-0.27413785457611084", "1.7976931348623157e308", "5e-324", "2.2250738585072014e-308",
		"9007199254740993", "123456789012345678901234567890", "0.1", "-0", "1E5", "1.5e+3", "0.000001"}
	body := `{"rows": [[` + strings.Join(lits, ",") + `]]}`
	in, err := DecodeNative([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	for j, lit := range lits {
		want, _ := strconv.ParseFloat(lit, 64)
		if got := in.Table.Cells[j].Num; math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("%s decoded as %v (%x), want %v (%x)", lit, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
}

// Against a million random doubles in Python's repr, the fast path and
// strconv must agree bit for bit.
func TestParseNumberRandom(t *testing.T) {
	x := uint64(88172645463325252)
	for range 200000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		f := math.Float64frombits(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		for _, lit := range []string{strconv.FormatFloat(f, 'g', -1, 64), strconv.FormatFloat(float64(float32(f)), 'f', -1, 64),
			strconv.FormatFloat(math.Mod(f, 1000), 'f', -1, 64)} {
			want, _ := strconv.ParseFloat(lit, 64)
			if got, ok := parseNumber([]byte(lit)); !ok || math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("parseNumber(%s) = %v, %v; want %v", lit, got, ok, want)
			}
		}
	}
}

func TestDecodeNativeTensors(t *testing.T) {
	tests := []struct {
		name, body string
		want       []flavor.Tensor
	}{
		{"unnamed", `{"inputs": [[1, 2], [3, 4]]}`, []flavor.Tensor{
			{Name: "", DType: flavor.Int64, Shape: []int{2, 2}, I64: []int64{1, 2, 3, 4}}}},
		{"named of each dtype", `{"inputs": {"f": [[0.5, null]], "i": [9007199254740993], "s": ["a", "b"], "b": [[[true], [false]]]}}`, []flavor.Tensor{
			{Name: "f", DType: flavor.Float64, Shape: []int{1, 2}, F64: []float64{0.5, nan}},
			{Name: "i", DType: flavor.Int64, Shape: []int{1}, I64: []int64{9007199254740993}},
			{Name: "s", DType: flavor.String, Shape: []int{2}, Str: []string{"a", "b"}},
			{Name: "b", DType: flavor.Bool, Shape: []int{1, 2, 1}, Bool: []bool{true, false}}}},
		{"integers and fractions make floats", `{"inputs": {"x": [1, 2.5, 1e3]}}`, []flavor.Tensor{
			{Name: "x", DType: flavor.Float64, Shape: []int{3}, F64: []float64{1, 2.5, 1000}}}},
		{"empty inner lists", `{"inputs": [[], []]}`, []flavor.Tensor{
			{Name: "", DType: flavor.Float64, Shape: []int{2, 0}, F64: []float64{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := DecodeNative([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if in.Table != nil || len(in.Tensors) != len(tt.want) {
				t.Fatalf("got %+v", in)
			}
			for i := range tt.want {
				sameTensor(t, in.Tensors[i], tt.want[i])
			}
		})
	}
}

func TestDecodeNativeParams(t *testing.T) {
	in, err := DecodeNative([]byte(`{"params": {"k": [1, "x"], "t": 0.5}, "rows": [[1]]}`))
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(in.Params, &p); err != nil || p["t"] != 0.5 || len(p) != 2 {
		t.Errorf("params %s: %v", in.Params, err)
	}
}

func TestDecodeNativeErrors(t *testing.T) {
	tests := []struct {
		name, body string
		fragments  []string
	}{
		{"malformed JSON", `{"rows": [[1,]]}`, []string{"malformed JSON"}},
		{"trailing garbage", `{"rows": [[1]]} x`, []string{"malformed JSON"}},
		{"empty body", ``, []string{"malformed JSON"}},
		{"invalid UTF-8", "{\"rows\": [[\"\xff\"]]}", []string{"UTF-8"}},
		{"not an object", `[[1, 2]]`, []string{"the body is a list"}},
		{"unknown key", `{"row": [[1]]}`, []string{`unknown key "row"`}},
		{"duplicate key", `{"rows": [[1]], "rows": [[2]]}`, []string{`duplicate key "rows"`}},
		{"no input", `{"params": {}}`, []string{"exactly one of rows, columns and inputs", "holds 0"}},
		{"two inputs", `{"rows": [[1]], "inputs": [[1]]}`, []string{"holds 2"}},
		{"rows not a list", `{"rows": {"a": 1}}`, []string{"rows is an object"}},
		{"no rows", `{"rows": []}`, []string{"rows: no rows"}},
		{"empty row", `{"rows": [[]]}`, []string{"row 0 is empty"}},
		{"ragged rows", `{"rows": [[1, 2], [3]]}`, []string{"row 1 has 1 values, row 0 has 2"}},
		{"row of scalars", `{"rows": [1, 2]}`, []string{"row 0 is a number"}},
		{"record after list", `{"rows": [[1], {"a": 1}]}`, []string{"row 1 is an object"}},
		{"list after record", `{"rows": [{"a": 1}, [1]]}`, []string{"row 1 is a list, not a record"}},
		{"nested cell", `{"rows": [[1, [2]]]}`, []string{"row 0, column 1", "a list where a single value"}},
		{"object cell", `{"rows": [{"a": {"b": 1}}]}`, []string{`column "a"`, "an object where"}},
		{"malformed number", `{"rows": [[1-2]]}`, []string{"malformed number 1-2"}},
		{"record repeats a key", `{"rows": [{"a": 1}, {"a": 2, "b": 1, "a": 3}]}`, []string{`row 1: duplicate key "a"`}},
		{"first record repeats a key", `{"rows": [{"a": 1, "a": 2}]}`, []string{`row 0: duplicate key "a"`}},
		{"record without keys", `{"rows": [{}]}`, []string{"no keys"}},
		{"columns not an object", `{"columns": [[1]]}`, []string{"columns is a list"}},
		{"no columns", `{"columns": {}}`, []string{"no columns"}},
		{"column not a list", `{"columns": {"a": 1}}`, []string{`column "a" is a number`}},
		{"columns of unequal length", `{"columns": {"a": [1, 2], "b": [1]}}`, []string{`column "b" has 1 values`}},
		{"duplicate column", `{"columns": {"a": [1], "a": [2]}}`, []string{`duplicate column "a"`}},
		{"empty columns", `{"columns": {"a": []}}`, []string{"no rows"}},
		{"ragged tensor", `{"inputs": [[1, 2], [3]]}`, []string{"ragged"}},
		{"value where a list belongs", `{"inputs": [[1, 2], 3]}`, []string{"ragged", "a number at depth 1"}},
		{"list where a value belongs", `{"inputs": [1, [2]]}`, []string{"ragged", "a list at depth 1"}},
		{"strings and numbers", `{"inputs": {"x": ["a", 1]}}`, []string{`input "x" mixes strings`}},
		{"booleans and numbers", `{"inputs": [true, 1]}`, []string{"mixes booleans"}},
		{"null among strings", `{"inputs": {"s": ["a", null]}}`, []string{`input "s": null in a list of strings`}},
		{"null among booleans", `{"inputs": [true, null]}`, []string{"null in a list of booleans"}},
		{"object leaf", `{"inputs": [{"a": 1}]}`, []string{"an object where a value is expected"}},
		{"scalar inputs", `{"inputs": 5}`, []string{"inputs is a number"}},
		{"named scalar", `{"inputs": {"a": 1}}`, []string{`input "a" is a number, not a list`}},
		{"duplicate input", `{"inputs": {"a": [1], "a": [2]}}`, []string{`duplicate input "a"`}},
		{"no named inputs", `{"inputs": {}}`, []string{"no inputs"}},
		{"malformed number in tensor", `{"inputs": [1, 2-3]}`, []string{"malformed number 2-3"}},
		{"params not an object", `{"rows": [[1]], "params": [1]}`, []string{"params is a list"}},
		{"too deep", `{"inputs": ` + strings.Repeat("[", 400) + strings.Repeat("]", 400) + `}`, []string{"malformed JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeNative([]byte(tt.body))
			wantInputErr(t, err, tt.fragments...)
		})
	}
}

// Sizes are checked against maxElements from the counts the data implies,
// before anything of that size is allocated.
func TestElementLimits(t *testing.T) {
	if err := checkCells("rows", maxElements/20+1, 20); err == nil {
		t.Error("checkCells accepted more than maxElements cells")
	}
	if err := checkCells("rows", maxElements/20, 20); err != nil {
		t.Errorf("checkCells refused maxElements cells: %v", err)
	}
	for _, shape := range [][]int{{1 << 40, 1 << 40}, {maxElements, 2}, {-1, 3}, {3, 1 << 62, 1 << 62, 0}} {
		if _, err := shapeCount("x", shape); err == nil {
			t.Errorf("shapeCount accepted %v", shape)
		}
	}
	if n, err := shapeCount("x", []int{maxElements / 4, 4}); err != nil || n != maxElements {
		t.Errorf("shapeCount(maxElements) = %d, %v", n, err)
	}
	if n, err := shapeCount("x", []int{0, 1 << 62}); err != nil || n != 0 {
		t.Errorf("shapeCount with a zero dimension = %d, %v", n, err)
	}
}

// A record with many keys takes linear time, through keyList's map.
func TestDecodeNativeWideRecord(t *testing.T) {
	const n = 20000
	var b strings.Builder
	b.WriteString(`{"rows": [{`)
	for j := range n {
		if j > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"c` + strconv.Itoa(j) + `": ` + strconv.Itoa(j))
	}
	b.WriteString(`}, {"c19999": 1, "c0": 2}]}`)
	in, err := DecodeNative([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	tab := in.Table
	if tab.Width != n || tab.Columns[n-1] != "c19999" || tab.Cells[n-1].Num != n-1 || tab.Cells[2*n-1].Num != 1 || tab.Cells[n].Num != 2 {
		t.Errorf("wide record decoded wrong: width %d", tab.Width)
	}
	if tab.Cells[n+1].Kind != Null {
		t.Errorf("missing key decoded as %+v", tab.Cells[n+1])
	}
	if _, err := DecodeNative([]byte(strings.Replace(b.String(), `"c19999": 1`, `"c5": 1, "c5": 2`, 1))); err == nil {
		t.Error("a repeated key in a wide record was accepted")
	}
}

// Decoded inputs own their strings: decoding the next body with the same
// pooled parser must not change them.
func TestDecodedInputOutlivesParser(t *testing.T) {
	first, err := DecodeNative([]byte(`{"rows": [{"colour": "red", "n": 1}], "params": {"p": "q"}}`))
	if err != nil {
		t.Fatal(err)
	}
	v2, err := DecodeV2([]byte(`{"id": "abc", "inputs": [{"name": "in", "shape": [1], "datatype": "BYTES", "data": ["s"]}], "outputs": [{"name": "o"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if _, err := DecodeNative([]byte(`{"rows": [{"xxxxxx": "yyy", "n": 2}], "params": {"z": "zzzz"}}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeV2([]byte(`{"id": "zzz", "inputs": [{"name": "zz", "shape": [1], "datatype": "BYTES", "data": ["z"]}], "outputs": [{"name": "z"}]}`)); err != nil {
			t.Fatal(err)
		}
	}
	sameTable(t, first.Table, &Table{Columns: []string{"colour", "n"}, Rows: 1, Width: 2, Cells: []Cell{str("red"), num(1)}})
	if string(first.Params) != `{"p":"q"}` {
		t.Errorf("params became %s", first.Params)
	}
	if v2.ID != "abc" || v2.Outputs[0] != "o" || v2.Input.Tensors[0].Name != "in" || v2.Input.Tensors[0].Str[0] != "s" {
		t.Errorf("V2 request became %+v", v2)
	}
}
