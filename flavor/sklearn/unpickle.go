package sklearn

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"

	"github.com/paddockml/paddock/flavor"
)

// The restricted unpickler. A pickle is a small program: GLOBAL names any
// importable Python callable and REDUCE calls it, which is how a hostile
// model.pkl runs os.system. Here every global is looked up in allowed, an
// allow-list keyed by "module.name"; each entry is a Go value that only
// records data (an estimator's __dict__, a numpy array's bytes). Nothing is
// ever executed: a global outside the list stops the load with an error
// naming it.

// maxNesting bounds pickles nested inside pickles (joblib writes object
// arrays as an inner pickle, which could itself hold another).
const maxNesting = 4

// allowed maps "module.name" to a constructor of the inert Go stand-in.
var allowed = map[string]func(g *guardReader) any{
	"numpy.core.multiarray._reconstruct":        func(g *guardReader) any { return reconstructFunc{g: g} },
	"numpy._core.multiarray._reconstruct":       func(g *guardReader) any { return reconstructFunc{g: g} },
	"numpy.core.multiarray.scalar":              func(*guardReader) any { return scalarFunc{} },
	"numpy._core.multiarray.scalar":             func(*guardReader) any { return scalarFunc{} },
	"numpy.core.numeric._frombuffer":            func(g *guardReader) any { return frombufferFunc{g: g} },
	"numpy._core.numeric._frombuffer":           func(g *guardReader) any { return frombufferFunc{g: g} },
	"numpy.ndarray":                             func(*guardReader) any { return ndarrayClass{} },
	"numpy.dtype":                               func(*guardReader) any { return dtypeClass{} },
	"numpy.random._pickle.__randomstate_ctor":   opaqueGlobal("numpy.random.RandomState"),
	"numpy.random._pickle.__bit_generator_ctor": opaqueGlobal("numpy.random.BitGenerator"),
	"numpy.random._pickle.__generator_ctor":     opaqueGlobal("numpy.random.Generator"),
	"numpy.random.__RandomState_ctor":           opaqueGlobal("numpy.random.RandomState"),
	"builtins.slice":                            func(*guardReader) any { return sliceFunc{} },
	"_codecs.encode":                            func(*guardReader) any { return encodeFunc{} },
	"joblib.numpy_pickle.NumpyArrayWrapper":     func(g *guardReader) any { return joblibWrapperClass{g: g} },
	"sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper": func(g *guardReader) any {
		return joblibWrapperClass{g: g}
	},
}

// Type objects that appear as plain parameter values (OneHotEncoder's
// dtype=np.float64). They become inert markers that cannot be called.
var typeMarkers = []string{
	"numpy.float64", "numpy.float32", "numpy.int64", "numpy.int32", "numpy.int8",
	"numpy.uint8", "numpy.bool_", "numpy.object_", "numpy.str_",
	"builtins.float", "builtins.int", "builtins.str", "builtins.bool", "builtins.object",
}

// sklearnClasses lists the scikit-learn classes whose state may be
// rebuilt. Which of them can serve as a model is decided later by build.
var sklearnClasses = []string{
	"sklearn.pipeline.Pipeline",
	"sklearn.compose._column_transformer.ColumnTransformer",
	"sklearn.preprocessing._data.StandardScaler",
	"sklearn.preprocessing._data.MinMaxScaler",
	"sklearn.preprocessing._encoders.OneHotEncoder",
	"sklearn.preprocessing._function_transformer.FunctionTransformer",
	"sklearn.impute._base.SimpleImputer",
	"sklearn.linear_model._logistic.LogisticRegression",
	"sklearn.linear_model._base.LinearRegression",
	"sklearn.linear_model._ridge.Ridge",
	"sklearn.linear_model._coordinate_descent.Lasso",
	"sklearn.tree._classes.DecisionTreeClassifier",
	"sklearn.tree._classes.DecisionTreeRegressor",
	"sklearn.tree._classes.ExtraTreeClassifier",
	"sklearn.tree._classes.ExtraTreeRegressor",
	"sklearn.tree._tree.Tree",
	"sklearn.ensemble._forest.RandomForestClassifier",
	"sklearn.ensemble._forest.RandomForestRegressor",
	"sklearn.ensemble._forest.ExtraTreesClassifier",
	"sklearn.ensemble._forest.ExtraTreesRegressor",
	"sklearn.ensemble._gb.GradientBoostingClassifier",
	"sklearn.ensemble._gb.GradientBoostingRegressor",
	"sklearn.ensemble._gb_losses.LeastSquaresError",
	"sklearn.ensemble._gb_losses.LeastAbsoluteError",
	"sklearn.ensemble._gb_losses.HuberLossFunction",
	"sklearn.ensemble._gb_losses.QuantileLossFunction",
	"sklearn.ensemble._gb_losses.BinomialDeviance",
	"sklearn.ensemble._gb_losses.MultinomialDeviance",
	"sklearn.ensemble._gb_losses.ExponentialLoss",
	"sklearn.dummy.DummyClassifier",
	"sklearn.dummy.DummyRegressor",
}

func init() {
	for _, name := range typeMarkers {
		allowed[name] = func(*guardReader) any { return typeMarker{name: name} }
	}
	for _, name := range sklearnClasses {
		allowed[name] = func(*guardReader) any { return &pyClass{name: name} }
	}
}

func opaqueGlobal(name string) func(*guardReader) any {
	return func(*guardReader) any { return opaqueFunc{name: name} }
}

// findClass resolves a pickle GLOBAL against the allow-list.
func findClass(g *guardReader, module, name string) (any, error) {
	full := clip(module + "." + name)
	if mk, ok := allowed[module+"."+name]; ok {
		return mk(g), nil
	}
	if strings.HasPrefix(module, "sklearn.") && name != "" && unicode.IsUpper(rune(name[0])) {
		return nil, fmt.Errorf("%w: unsupported estimator %s", flavor.ErrUnsupported, full)
	}
	return nil, fmt.Errorf("%w: refused global %q", flavor.ErrUnsupported, full)
}

// unpickle runs the restricted unpickler over a whole pickle (or joblib
// file) held in memory and returns its root object.
func unpickle(data []byte) (any, error) {
	g := newGuardReader(data)
	return g.load()
}

// load unpickles one pickle starting at the reader's position. It is also
// how joblib's inner pickles of object arrays are read.
func (g *guardReader) load() (v any, err error) {
	if g.nesting >= maxNesting {
		return nil, fmt.Errorf("%w: pickles nested more than %d deep", flavor.ErrCorrupt, maxNesting)
	}
	g.nesting++
	defer func() { g.nesting-- }()
	defer func() {
		// gopickle indexes its stack without checks on a few malformed
		// inputs (an odd DICT, an empty LONG); that is a corrupt file, not
		// a crash.
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("%w: malformed pickle: %s", flavor.ErrCorrupt, clip(fmt.Sprint(r)))
		}
	}()
	u := pickle.NewUnpickler(g)
	u.FindClass = func(module, name string) (any, error) { return findClass(g, module, name) }
	v, err = u.Load()
	if err != nil {
		return nil, classify(err)
	}
	return v, nil
}

// classify wraps an unpickling error in the flavor vocabulary.
func classify(err error) error {
	if errors.Is(err, flavor.ErrUnsupported) || errors.Is(err, flavor.ErrCorrupt) {
		return err
	}
	return fmt.Errorf("%w: unpickle: %s", flavor.ErrCorrupt, clip(err.Error()))
}

// clip shortens text from a hostile file before it goes into an error.
func clip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

// pyClass is an allow-listed scikit-learn class. Instantiating it (NEWOBJ
// or REDUCE) yields a pyObject that only records its arguments and state.
type pyClass struct{ name string }

// PyNew implements types.PyNewable.
func (c *pyClass) PyNew(args ...any) (any, error) { return &pyObject{class: c.name, args: args}, nil }

// Call implements types.Callable (sklearn.tree._tree.Tree is rebuilt by
// REDUCE with its constructor arguments).
func (c *pyClass) Call(args ...any) (any, error) { return c.PyNew(args...) }

// pyObject is an instance of an allow-listed class: its class name, the
// arguments it was created with, and its __dict__.
type pyObject struct {
	class string
	args  []any
	state map[string]any
}

// PySetState implements types.PyStateSettable (the BUILD opcode).
func (o *pyObject) PySetState(state any) error {
	if t, ok := state.(*types.Tuple); ok && t.Len() == 2 {
		state = t.Get(0) // (dict, slots): the slots of sklearn objects are empty
	}
	d, ok := state.(*types.Dict)
	if !ok {
		return fmt.Errorf("%w: %s state is %s, want a dict", flavor.ErrCorrupt, o.class, typeName(state))
	}
	if o.state == nil {
		o.state = make(map[string]any, len(*d))
	}
	for _, e := range *d {
		k, ok := e.Key.(string)
		if !ok {
			return fmt.Errorf("%w: %s state has a %s key", flavor.ErrCorrupt, o.class, typeName(e.Key))
		}
		o.state[k] = e.Value
	}
	return nil
}

// opaqueFunc stands for a numpy random-state constructor. The objects it
// "builds" keep nothing: models hold a RandomState for refitting only.
type opaqueFunc struct{ name string }

// Call implements types.Callable.
func (f opaqueFunc) Call(...any) (any, error) { return &opaque{name: f.name}, nil }

type opaque struct{ name string }

// PySetState implements types.PyStateSettable and drops the state.
func (*opaque) PySetState(any) error { return nil }

// typeMarker is a Python type object used as a value (dtype=np.float64).
type typeMarker struct{ name string }

// pySlice is a builtins.slice used as a ColumnTransformer column selector.
type pySlice struct{ start, stop, step any }

type sliceFunc struct{}

// Call implements types.Callable.
func (sliceFunc) Call(args ...any) (any, error) {
	if len(args) != 3 {
		return nil, fmt.Errorf("%w: slice takes 3 arguments, got %d", flavor.ErrCorrupt, len(args))
	}
	return &pySlice{start: args[0], stop: args[1], step: args[2]}, nil
}

// encodeFunc is _codecs.encode, which protocol 2 uses to pickle bytes as
// a latin-1 string.
type encodeFunc struct{}

// Call implements types.Callable for encode(str, "latin1").
func (encodeFunc) Call(args ...any) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("%w: _codecs.encode takes 2 arguments", flavor.ErrCorrupt)
	}
	s, ok1 := args[0].(string)
	enc, ok2 := args[1].(string)
	if !ok1 || !ok2 || (enc != "latin1" && enc != "latin-1") {
		return nil, fmt.Errorf("%w: _codecs.encode only decodes latin1 strings", flavor.ErrUnsupported)
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, fmt.Errorf("%w: latin1 text holds rune %U", flavor.ErrCorrupt, r)
		}
		out = append(out, byte(r))
	}
	return out, nil
}

// typeName names a decoded value's Python type for error messages.
func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case *pyObject:
		return x.class
	case *types.Dict:
		return "dict"
	case *types.List:
		return "list"
	case *types.Tuple:
		return "tuple"
	case string:
		return "str"
	case bool:
		return "bool"
	case int, int64:
		return "int"
	case float64:
		return "float"
	case *ndarray:
		return "ndarray"
	}
	return fmt.Sprintf("%T", v)
}
