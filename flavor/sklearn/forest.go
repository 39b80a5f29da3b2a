package sklearn

import (
	"fmt"

	"github.com/paddockml/paddock/flavor"
)

// treeClassifier is a DecisionTreeClassifier or ExtraTreeClassifier.
// proba holds each node's class distribution normalised as predict_proba
// does (weighted counts divided by their sum), computed once at load.
type treeClassifier struct {
	t       *tree
	classes *labels
	proba   []float64
}

// treeRegressor is a DecisionTreeRegressor or ExtraTreeRegressor.
type treeRegressor struct {
	t    *tree
	oneD bool
}

func buildTreeClassifier(_ *builder, o *pyObject) (any, error) {
	classes, err := newLabels(o, "classes_")
	if err != nil {
		return nil, err
	}
	if n, _ := o.integer("n_outputs_"); n != 1 {
		return nil, fmt.Errorf("%w: multi-output %s", flavor.ErrUnsupported, shortName(o.class))
	}
	t, err := treeOf(o)
	if err != nil {
		return nil, err
	}
	nc := classes.n()
	if t.outputs != 1 || t.classes[0] != nc {
		return nil, o.errorf("tree_", "predicts %v classes, classes_ holds %d", t.classes, nc)
	}
	c := &treeClassifier{t: t, classes: classes, proba: make([]float64, len(t.value))}
	for n := range t.nodes {
		row, dst := t.value[n*nc:(n+1)*nc], c.proba[n*nc:(n+1)*nc]
		sum := 0.0
		for _, v := range row {
			sum += v
		}
		if sum == 0 {
			sum = 1
		}
		for k, v := range row {
			dst[k] = v / sum
		}
	}
	return c, nil
}

// treeOf reads an estimator's tree_ and checks n_features_in_ against it.
func treeOf(o *pyObject) (*tree, error) {
	v, err := o.need("tree_")
	if err != nil {
		return nil, err
	}
	t, err := readTree(v)
	if err != nil {
		return nil, err
	}
	if err := checkFeatures(o, t.features); err != nil {
		return nil, err
	}
	return t, nil
}

func buildTreeRegressor(_ *builder, o *pyObject) (any, error) {
	t, err := treeOf(o)
	if err != nil {
		return nil, err
	}
	for _, c := range t.classes {
		if c != 1 {
			return nil, o.errorf("tree_", "is a classification tree")
		}
	}
	return &treeRegressor{t: t, oneD: t.outputs == 1}, nil
}

func (c *treeClassifier) inWidth() int    { return c.t.features }
func (c *treeClassifier) labels() *labels { return c.classes }

func (c *treeClassifier) predictProba(f *frame, proba []float64, pred []int) error {
	cols, err := treeInput("DecisionTreeClassifier", f, c.t.features)
	if err != nil {
		return err
	}
	nc := c.classes.n()
	x := make([]float64, c.t.features)
	for i := range f.rows {
		if err := prepareRow("DecisionTreeClassifier", cols, i, x, c.t.missing); err != nil {
			return err
		}
		leaf := c.t.leaf(x)
		copy(proba[i*nc:(i+1)*nc], c.proba[leaf*nc:(leaf+1)*nc])
		// predict() takes the argmax of the raw weighted counts.
		pred[i] = argmax(c.t.value[leaf*nc : (leaf+1)*nc])
	}
	return nil
}

func (r *treeRegressor) inWidth() int         { return r.t.features }
func (r *treeRegressor) targets() (int, bool) { return r.t.outputs, r.oneD }

func (r *treeRegressor) predictValues(f *frame, out []float64) error {
	cols, err := treeInput("DecisionTreeRegressor", f, r.t.features)
	if err != nil {
		return err
	}
	k := r.t.outputs
	x := make([]float64, r.t.features)
	for i := range f.rows {
		if err := prepareRow("DecisionTreeRegressor", cols, i, x, r.t.missing); err != nil {
			return err
		}
		leaf := r.t.leaf(x)
		copy(out[i*k:(i+1)*k], r.t.value[leaf*k:(leaf+1)*k])
	}
	return nil
}

// forestClassifier is a RandomForestClassifier or ExtraTreesClassifier:
// predict_proba is the mean of the trees' normalised distributions.
type forestClassifier struct {
	trees    []*treeClassifier
	classes  *labels
	features int
	missing  bool
}

// forestRegressor is a RandomForestRegressor or ExtraTreesRegressor:
// predict is the mean of the trees' predictions.
type forestRegressor struct {
	trees    []*treeRegressor
	features int
	outputs  int
	oneD     bool
	missing  bool
}

// subEstimators builds estimators_ (a list, or GradientBoosting's object
// array) through the builder.
func subEstimators(b *builder, o *pyObject) ([]any, []int, error) {
	v, err := o.need("estimators_")
	if err != nil {
		return nil, nil, err
	}
	items, ok := asList(v)
	shape := []int{len(items)}
	if !ok {
		a, isArr := asArray(v)
		if !isArr || a.dt.kind != 'O' {
			return nil, nil, o.errorf("estimators_", "is %s", typeName(v))
		}
		items, shape = a.objs, a.shape
		if a.fortran && len(shape) > 1 {
			return nil, nil, fmt.Errorf("%w: Fortran-ordered estimators_", flavor.ErrUnsupported)
		}
	}
	if len(items) == 0 {
		return nil, nil, o.errorf("estimators_", "is empty")
	}
	out := make([]any, len(items))
	for i, it := range items {
		if out[i], err = b.build(it); err != nil {
			return nil, nil, err
		}
	}
	return out, shape, nil
}

func buildForestClassifier(b *builder, o *pyObject) (any, error) {
	classes, err := newLabels(o, "classes_")
	if err != nil {
		return nil, err
	}
	ests, _, err := subEstimators(b, o)
	if err != nil {
		return nil, err
	}
	fc := &forestClassifier{classes: classes, missing: true}
	for i, e := range ests {
		tc, ok := e.(*treeClassifier)
		// The trees are fitted on class indexes (0., 1., ...), not the labels.
		if !ok || tc.classes.n() != classes.n() {
			return nil, o.errorf("estimators_", "entry %d is not a tree classifier over classes_", i)
		}
		if i > 0 && tc.t.features != fc.features {
			return nil, o.errorf("estimators_", "trees disagree on the number of features")
		}
		// NaN is routed only when every tree knows where missing values go.
		fc.features, fc.missing = tc.t.features, fc.missing && tc.t.missing
		fc.trees = append(fc.trees, tc)
	}
	return fc, checkFeatures(o, fc.features)
}

func (fc *forestClassifier) inWidth() int    { return fc.features }
func (fc *forestClassifier) labels() *labels { return fc.classes }

func (fc *forestClassifier) predictProba(f *frame, proba []float64, pred []int) error {
	cols, err := treeInput("forest", f, fc.features)
	if err != nil {
		return err
	}
	nc := fc.classes.n()
	x := make([]float64, fc.features)
	clear(proba)
	for i := range f.rows {
		if err := prepareRow("forest", cols, i, x, fc.missing); err != nil {
			return err
		}
		p := proba[i*nc : (i+1)*nc]
		for _, tc := range fc.trees {
			leaf := tc.t.leaf(x)
			for k, v := range tc.proba[leaf*nc : (leaf+1)*nc] {
				p[k] += v
			}
		}
		for k := range p {
			p[k] /= float64(len(fc.trees))
		}
		pred[i] = argmax(p)
	}
	return nil
}

func buildForestRegressor(b *builder, o *pyObject) (any, error) {
	ests, _, err := subEstimators(b, o)
	if err != nil {
		return nil, err
	}
	fr := &forestRegressor{missing: true}
	for i, e := range ests {
		tr, ok := e.(*treeRegressor)
		if !ok {
			return nil, o.errorf("estimators_", "entry %d is %T, not a tree regressor", i, e)
		}
		if i > 0 && (tr.t.features != fr.features || tr.t.outputs != fr.outputs) {
			return nil, o.errorf("estimators_", "trees disagree on features or outputs")
		}
		fr.features, fr.outputs, fr.oneD = tr.t.features, tr.t.outputs, tr.oneD
		fr.missing = fr.missing && tr.t.missing
		fr.trees = append(fr.trees, tr)
	}
	return fr, checkFeatures(o, fr.features)
}

func (fr *forestRegressor) inWidth() int         { return fr.features }
func (fr *forestRegressor) targets() (int, bool) { return fr.outputs, fr.oneD }

func (fr *forestRegressor) predictValues(f *frame, out []float64) error {
	cols, err := treeInput("forest", f, fr.features)
	if err != nil {
		return err
	}
	k := fr.outputs
	x := make([]float64, fr.features)
	clear(out)
	for i := range f.rows {
		if err := prepareRow("forest", cols, i, x, fr.missing); err != nil {
			return err
		}
		y := out[i*k : (i+1)*k]
		for _, tr := range fr.trees {
			leaf := tr.t.leaf(x)
			for c, v := range tr.t.value[leaf*k : (leaf+1)*k] {
				y[c] += v
			}
		}
		for c := range y {
			y[c] /= float64(len(fr.trees))
		}
	}
	return nil
}
