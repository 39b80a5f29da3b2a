package sklearn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
)

func expectCorrupt(t *testing.T, name string, data []byte, want string) {
	t.Helper()
	m, err := Parse(bytes.NewReader(data))
	if err == nil {
		t.Fatalf("%s: loaded %+v, want an error", name, m.Signature())
	}
	if !errors.Is(err, flavor.ErrCorrupt) {
		t.Errorf("%s: error %v does not wrap ErrCorrupt", name, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %q, want it to contain %q", name, err, want)
	}
}

// TestCorruptModels loads well-formed pickles of inconsistent models
// written by scikit-learn itself.
func TestCorruptModels(t *testing.T) {
	want := map[string]string{
		"tree_cycle.pkl":                "node 1 has children 0 and",
		"tree_child_out_of_range.pkl":   "node 0 has children 1 and 1.099511627776e+12",
		"tree_feature_out_of_range.pkl": "node 0 splits on feature 7 of 3",
		"pipeline_width_mismatch.pkl":   "pipeline transformers output 3 features but the estimator expects 4",
		"coef_wrong_type.pkl":           "LinearRegression.coef_: is str, want ndarray",
		"unfitted.pkl":                  "LinearRegression.coef_: missing (is the estimator fitted?)",
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "corrupt", "*.pkl"))
	if len(files) != len(want) {
		t.Fatalf("found %d corrupt pickles, want %d", len(files), len(want))
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		expectCorrupt(t, filepath.Base(path), data, want[filepath.Base(path)])
	}
}

// TestHandBuiltModel checks the test pickle writer against a model it can
// describe correctly, so the failures below are about the one flaw each.
func TestHandBuiltModel(t *testing.T) {
	m, err := Parse(bytes.NewReader(newPickle().linearRegression(2, -1).done()))
	if err != nil {
		t.Fatal(err)
	}
	in := flavortest.InputTensor("input", flavor.Float64, [][]float64{{1, 3}, {0.5, 0}})
	got := predictByName(t, m, []flavor.Tensor{in}, flavor.OutputPredictions)
	compareFloats(t, "hand-built", got.F64, []float64{2*1 - 3 + 0.5, 2*0.5 + 0.5})
}

// TestAbsurdSizes refuses arrays whose shape does not match their data
// before allocating anything from the shape.
func TestAbsurdSizes(t *testing.T) {
	coef := func(shape ...int64) []byte {
		return newPickle().object("sklearn.linear_model._base", "LinearRegression",
			func(p *pk) { p.str("coef_").array("f8", shape, make([]byte, 16)) },
			func(p *pk) { p.str("intercept_").float(0) }).done()
	}
	expectCorrupt(t, "1<<40 elements", coef(1<<40), "array shape [1099511627776] is too large")
	expectCorrupt(t, "overflowing shape", coef(1<<31, 1<<31, 1<<31), "too large")
	expectCorrupt(t, "short data", coef(3), "needs 3 elements, data holds 16 bytes")
	expectCorrupt(t, "negative dimension", coef(-1), "array dimension -1")
}

// TestGuard refuses opcodes whose declared lengths or memory cost exceed
// the file, before gopickle allocates for them.
func TestGuard(t *testing.T) {
	huge := make([]byte, 8)
	binary.LittleEndian.PutUint64(huge, 1<<62)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"BINBYTES8", append([]byte("\x80\x04\x8e"), append(huge, "abc."...)...), "exceeds the"},
		{"BINUNICODE8", append([]byte("\x80\x04\x8d"), append(huge, "abc."...)...), "exceeds the"},
		{"BYTEARRAY8", append([]byte("\x80\x05\x96"), append(huge, "abc."...)...), "exceeds the"},
		{"FRAME", append([]byte("\x80\x04\x95"), append(huge, "N."...)...), "exceeds the"},
		{"BINBYTES", []byte("\x80\x03B\xff\xff\xff\xffabc."), "exceeds the"},
		{"LONG4", []byte("\x80\x02\x8b\x00\x00\x01\x00" + strings.Repeat("\x01", 1<<16) + "."), "integer of 65536 bytes"},
		{"decimal LONG", []byte("L" + strings.Repeat("9", 1<<16) + "L\n."), "text argument without newline"},
		{"empty LONG1", []byte("\x80\x02\x8a\x00."), "empty LONG1"},
		{"unknown opcode", []byte("\x80\x02\xff."), "unknown opcode 0xff"},
		{"MARK flood", bytes.Repeat([]byte("("), 4<<20), "MiB to unpickle"},
		{"odd DICT", []byte("\x80\x02(K\x01d."), "malformed pickle"},
		{"truncated", []byte("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00N"), "unpickle"},
		{"empty", nil, "unpickle"},
	}
	for _, c := range cases {
		expectCorrupt(t, c.name, c.data, c.want)
	}
}

// TestTruncatedFixtures cuts real model files short at many points: each
// prefix must give a clear error, never a panic or a model.
func TestTruncatedFixtures(t *testing.T) {
	for _, name := range []string{"scaler_logreg_binary", "decision_tree_classifier", "joblib_scaler_tree", "protocol5_minmax_clip_logreg"} {
		data, err := os.ReadFile(filepath.Join(flavortest.FixturesDir(t), "sklearn", name, "model.pkl"))
		if err != nil {
			t.Fatal(err)
		}
		step := max(1, len(data)/400)
		for n := 0; n < len(data)-1; n += step {
			_, err := Parse(bytes.NewReader(data[:n]))
			if err == nil || !(errors.Is(err, flavor.ErrCorrupt) || errors.Is(err, flavor.ErrUnsupported)) {
				t.Fatalf("%s cut at %d of %d: error %v", name, n, len(data), err)
			}
		}
	}
}

// TestStructuralLimits refuses reference cycles and absurd nesting between
// estimators, and state of the wrong type.
func TestStructuralLimits(t *testing.T) {
	// A Pipeline whose only step is the Pipeline itself (memo slot 0).
	cycle := newPickle().global("sklearn.pipeline", "Pipeline").op(")\x81q\x00}(").
		str("steps").op("]").tuple(func(p *pk) { p.str("self").op("h\x00") }).op("a").op("ub").done()
	expectCorrupt(t, "cycle", cycle, "Pipeline contains itself")

	if _, err := Parse(bytes.NewReader(nestedPipelines(10))); err != nil {
		t.Fatalf("10 nested pipelines: %v", err)
	}
	expectCorrupt(t, "deep", nestedPipelines(100), "nested more than 32 deep")

	listState := newPickle().global("sklearn.linear_model._base", "LinearRegression").op(")\x81]b").done()
	expectCorrupt(t, "list state", listState, "LinearRegression state is list, want a dict")

	intKey := newPickle().global("sklearn.linear_model._base", "LinearRegression").op(")\x81}").int(1).int(2).op("sb").done()
	expectCorrupt(t, "int key", intKey, "state has a int key")
}

// nestedPipelines pickles n Pipelines each holding the next, around a
// LinearRegression.
func nestedPipelines(n int) []byte {
	p := newPickle()
	for range n {
		p.global("sklearn.pipeline", "Pipeline").op(")\x81}(").str("steps").op("]").str("p")
	}
	p.linearRegression(1)
	for range n {
		p.op("\x86a").op("ub")
	}
	return p.done()
}

// TestDtypeChangedAfterUse builds a tree whose node array was filled with
// a 32-byte record dtype that a later BUILD shrinks to 8 bytes while
// keeping its fields: read with the new size, the last fields would lie
// past the data. The array must keep the layout its data was checked
// against.
func TestDtypeChangedAfterUse(t *testing.T) {
	record := func(p *pk) { p.op("h\x00") } // the record dtype, memo slot 0
	state := func(size int, fields bool) func(p *pk) {
		return func(p *pk) {
			p.int(3).str("|").op("N")
			if !fields {
				p.op("NN").int(size).int(8).int(16)
				return
			}
			p.tuple(func(p *pk) { p.str("left_child") }).op("}")
			for i, name := range []string{"left_child", "right_child", "feature", "threshold"} {
				p.str(name).tuple(func(p *pk) { p.dtype("i8").int(8 * i) }).op("s")
			}
			p.int(size).int(8).int(16)
		}
	}
	p := newPickle()
	p.global("numpy", "dtype").tuple(func(p *pk) { p.str("V32").op("\x89\x88") }).op("Rq\x00")
	p.tuple(state(32, true)).op("b0")
	p.object("sklearn.tree._classes", "DecisionTreeRegressor", func(p *pk) {
		p.str("tree_").global("sklearn.tree._tree", "Tree").tuple(func(p *pk) {
			p.int(1).array("i8", []int64{1}, []byte{1, 0, 0, 0, 0, 0, 0, 0}).int(1)
		}).op("R}(")
		p.str("node_count").int(4)
		p.str("nodes").global("numpy.core.multiarray", "_reconstruct").tuple(func(p *pk) {
			p.global("numpy", "ndarray").tuple(func(p *pk) { p.int(0) }).raw([]byte("b"))
		}).op("R").tuple(func(p *pk) {
			p.int(1).tuple(func(p *pk) { p.int(1) })
			record(p)
			p.op("\x89").raw(bytes.Repeat([]byte{0xff}, 32))
		}).op("b")
		record(p)
		p.tuple(state(8, false)).op("b0") // shrink the record, keep the fields
		p.str("values").array("f8", []int64{4, 1, 1}, make([]byte, 32))
		p.op("ub")
	})
	expectCorrupt(t, "dtype shrunk after use", p.done(), "is not a record array of node_count=4 nodes")
}
