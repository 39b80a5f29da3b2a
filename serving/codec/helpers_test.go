package codec

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// testdataDir returns the repository's testdata/<parts...>.
func testdataDir(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "testdata"}, parts...)...)
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantInputErr fails unless err wraps flavor.ErrInput and its message
// holds every fragment.
func wantInputErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	wantErr(t, err, flavor.ErrInput, fragments...)
}

func wantErr(t *testing.T, err, kind error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one wrapping %v with %q", kind, fragments)
	}
	if !errors.Is(err, kind) {
		t.Errorf("error %q does not wrap %v", err, kind)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}

// num, str, null and boolean build cells for expected tables.
func num(f float64) Cell  { return Cell{Kind: Number, Num: f} }
func str(s string) Cell   { return Cell{Kind: String, Str: s} }
func boolean(b bool) Cell { return Cell{Kind: Bool, Num: map[bool]float64{false: 0, true: 1}[b]} }

var null = Cell{}

// sameTable fails unless got holds want's columns, shape and cells.
func sameTable(t *testing.T, got, want *Table) {
	t.Helper()
	if got == nil {
		t.Fatalf("no table, want %+v", want)
	}
	if strings.Join(got.Columns, "|") != strings.Join(want.Columns, "|") || (got.Columns == nil) != (want.Columns == nil) {
		t.Errorf("columns %q, want %q", got.Columns, want.Columns)
	}
	if got.Rows != want.Rows || got.Width != want.Width {
		t.Fatalf("table %dx%d, want %dx%d", got.Rows, got.Width, want.Rows, want.Width)
	}
	for i := range want.Cells {
		if got.Cells[i] != want.Cells[i] {
			t.Errorf("cell %d = %+v, want %+v", i, got.Cells[i], want.Cells[i])
		}
	}
}

// sameTensor fails unless got equals want, NaN matching NaN.
func sameTensor(t *testing.T, got, want flavor.Tensor) {
	t.Helper()
	if got.Name != want.Name || got.DType != want.DType || !equalInts(got.Shape, want.Shape) {
		t.Fatalf("tensor %q %s %v, want %q %s %v", got.Name, got.DType, got.Shape, want.Name, want.DType, want.Shape)
	}
	if dataLen(&got) != dataLen(&want) {
		t.Fatalf("tensor %q has %d values, want %d", got.Name, dataLen(&got), dataLen(&want))
	}
	for i := range dataLen(&want) {
		switch want.DType {
		case flavor.String:
			if got.Str[i] != want.Str[i] {
				t.Errorf("%s[%d] = %q, want %q", got.Name, i, got.Str[i], want.Str[i])
			}
		case flavor.Bool:
			if got.Bool[i] != want.Bool[i] {
				t.Errorf("%s[%d] = %v, want %v", got.Name, i, got.Bool[i], want.Bool[i])
			}
		case flavor.Int64:
			if got.I64[i] != want.I64[i] {
				t.Errorf("%s[%d] = %d, want %d", got.Name, i, got.I64[i], want.I64[i])
			}
		default:
			g, w := numAt(&got, i), numAt(&want, i)
			if g != w && !(math.IsNaN(g) && math.IsNaN(w)) {
				t.Errorf("%s[%d] = %v, want %v", got.Name, i, g, w)
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// exampleRows reads an MLflow input_example.json in split orient.
func exampleSplit(t *testing.T, dir string) (cols []string, rows [][]any) {
	t.Helper()
	var ex struct {
		Columns []string `json:"columns"`
		Data    [][]any  `json:"data"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "input_example.json")), &ex); err != nil {
		t.Fatal(err)
	}
	return ex.Columns, ex.Data
}

// cellOfAny converts a value encoding/json decoded into the cell the
// decoders should make of it.
func cellOfAny(v any) Cell {
	switch x := v.(type) {
	case nil:
		return null
	case float64:
		return num(x)
	case string:
		return str(x)
	case bool:
		return boolean(x)
	}
	panic("unexpected JSON value")
}

var nan = math.NaN()
