package sklearn

import (
	"fmt"

	"github.com/paddockml/paddock/flavor"
)

// transformer is a fitted preprocessing step (scaler, imputer, encoder,
// column transformer, or a pipeline of them).
type transformer interface {
	// widths returns the number of input columns (-1 when the step does
	// not record it) and output columns.
	widths() (in, out int)
	// kinds says, per input column, whether it must hold strings; nil
	// means all numeric.
	kinds() []colKind
	transform(f *frame) (*frame, error)
}

// classifier is a fitted final estimator with predict_proba.
type classifier interface {
	inWidth() int
	labels() *labels
	// predictProba writes row-major probabilities [rows x classes] and the
	// index of the class predict() returns for each row.
	predictProba(f *frame, proba []float64, pred []int) error
}

// regressor is a fitted final estimator with predict.
type regressor interface {
	inWidth() int
	// targets returns the number of outputs per row and whether predict
	// returns a 1-D array.
	targets() (n int, oneD bool)
	// predictValues writes row-major predictions [rows x targets].
	predictValues(f *frame, out []float64) error
}

// maxDepth bounds how deeply estimators nest (pipelines in column
// transformers in pipelines); real models stay under ten.
const maxDepth = 32

// builder turns unpickled estimator objects into Go estimators. Each
// object is built once, so a pickle that references one estimator many
// times cannot multiply the work, and a reference cycle is an error.
type builder struct {
	depth int
	built map[*pyObject]any
	busy  map[*pyObject]bool
}

type buildFunc func(b *builder, o *pyObject) (any, error)

// builders maps a scikit-learn class to the function that rebuilds it.
var builders map[string]buildFunc

func init() {
	builders = map[string]buildFunc{
		"sklearn.pipeline.Pipeline":                                       buildPipeline,
		"sklearn.compose._column_transformer.ColumnTransformer":           buildColumnTransformer,
		"sklearn.preprocessing._data.StandardScaler":                      buildStandardScaler,
		"sklearn.preprocessing._data.MinMaxScaler":                        buildMinMaxScaler,
		"sklearn.preprocessing._encoders.OneHotEncoder":                   buildOneHot,
		"sklearn.preprocessing._function_transformer.FunctionTransformer": buildFunctionTransformer,
		"sklearn.impute._base.SimpleImputer":                              buildImputer,
		"sklearn.linear_model._logistic.LogisticRegression":               buildLogistic,
		"sklearn.linear_model._base.LinearRegression":                     buildLinear,
		"sklearn.linear_model._ridge.Ridge":                               buildLinear,
		"sklearn.linear_model._coordinate_descent.Lasso":                  buildLinear,
		"sklearn.tree._classes.DecisionTreeClassifier":                    buildTreeClassifier,
		"sklearn.tree._classes.ExtraTreeClassifier":                       buildTreeClassifier,
		"sklearn.tree._classes.DecisionTreeRegressor":                     buildTreeRegressor,
		"sklearn.tree._classes.ExtraTreeRegressor":                        buildTreeRegressor,
		"sklearn.ensemble._forest.RandomForestClassifier":                 buildForestClassifier,
		"sklearn.ensemble._forest.ExtraTreesClassifier":                   buildForestClassifier,
		"sklearn.ensemble._forest.RandomForestRegressor":                  buildForestRegressor,
		"sklearn.ensemble._forest.ExtraTreesRegressor":                    buildForestRegressor,
		"sklearn.ensemble._gb.GradientBoostingClassifier":                 buildGBClassifier,
		"sklearn.ensemble._gb.GradientBoostingRegressor":                  buildGBRegressor,
		"sklearn.dummy.DummyClassifier":                                   buildDummyClassifier,
		"sklearn.dummy.DummyRegressor":                                    buildDummyRegressor,
	}
}

func newBuilder() *builder {
	return &builder{built: map[*pyObject]any{}, busy: map[*pyObject]bool{}}
}

// build rebuilds one estimator object.
func (b *builder) build(v any) (any, error) {
	o, ok := v.(*pyObject)
	if !ok {
		return nil, fmt.Errorf("%w: expected an estimator, found %s", flavor.ErrCorrupt, typeName(v))
	}
	if est, ok := b.built[o]; ok {
		return est, nil
	}
	if b.busy[o] {
		return nil, fmt.Errorf("%w: %s contains itself", flavor.ErrCorrupt, shortName(o.class))
	}
	if b.depth >= maxDepth {
		return nil, fmt.Errorf("%w: estimators nested more than %d deep", flavor.ErrCorrupt, maxDepth)
	}
	fn, ok := builders[o.class]
	if !ok {
		return nil, fmt.Errorf("%w: unsupported estimator %s", flavor.ErrUnsupported, o.class)
	}
	if o.state == nil {
		return nil, fmt.Errorf("%w: %s has no state (is it fitted?)", flavor.ErrCorrupt, shortName(o.class))
	}
	b.busy[o] = true
	b.depth++
	est, err := fn(b, o)
	b.depth--
	delete(b.busy, o)
	if err != nil {
		return nil, err
	}
	b.built[o] = est
	return est, nil
}

// nFeatures reads n_features_in_, or -1 when the estimator predates it.
func nFeatures(o *pyObject) (int, error) {
	if _, ok := o.field("n_features_in_"); !ok {
		return -1, nil
	}
	n, err := o.integer("n_features_in_")
	if err == nil && n < 0 {
		err = o.errorf("n_features_in_", "is %d", n)
	}
	return n, err
}

// checkFeatures verifies that n_features_in_, when present, equals the
// width the estimator's parameters imply.
func checkFeatures(o *pyObject, width int) error {
	n, err := nFeatures(o)
	if err != nil {
		return err
	}
	if n >= 0 && n != width {
		return o.errorf("n_features_in_", "is %d but the fitted parameters cover %d features", n, width)
	}
	return nil
}
