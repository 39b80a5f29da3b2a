package sklearn

import (
	"fmt"

	"github.com/paddockml/paddock/flavor"
)

// dummyClassifier is a DummyClassifier with a deterministic strategy
// (prior, most_frequent, constant): the same distribution for every row.
// GradientBoostingClassifier uses one as its default init estimator.
type dummyClassifier struct {
	classes  *labels
	proba    []float64
	pred     int
	features int
}

func buildDummyClassifier(_ *builder, o *pyObject) (any, error) {
	classes, err := newLabels(o, "classes_")
	if err != nil {
		return nil, err
	}
	if n, err := o.integer("n_outputs_"); err != nil || n != 1 {
		return nil, fmt.Errorf("%w: multi-output DummyClassifier", flavor.ErrUnsupported)
	}
	prior, err := o.vector("class_prior_", classes.n())
	if err != nil {
		return nil, err
	}
	strategy, err := o.strOr("_strategy", "")
	if err == nil && strategy == "" {
		strategy, err = o.str("strategy")
	}
	if err != nil {
		return nil, err
	}
	d := &dummyClassifier{classes: classes, proba: make([]float64, classes.n())}
	if d.features, err = nFeatures(o); err != nil {
		return nil, err
	}
	switch strategy {
	case "prior":
		copy(d.proba, prior)
		d.pred = argmax(prior)
	case "most_frequent":
		d.pred = argmax(prior)
		d.proba[d.pred] = 1
	case "constant":
		d.pred = -1
		for k, name := range classes.names {
			if name == pyStr(o.state["constant"]) {
				d.pred = k
			}
		}
		if d.pred < 0 {
			return nil, o.errorf("constant", "is not one of classes_")
		}
		d.proba[d.pred] = 1
	default:
		return nil, fmt.Errorf("%w: DummyClassifier(strategy=%q) is random", flavor.ErrUnsupported, clip(strategy))
	}
	return d, nil
}

func (d *dummyClassifier) inWidth() int    { return d.features }
func (d *dummyClassifier) labels() *labels { return d.classes }

func (d *dummyClassifier) predictProba(f *frame, proba []float64, pred []int) error {
	if err := f.checkWidth("DummyClassifier", d.features); err != nil {
		return err
	}
	nc := len(d.proba)
	for i := range f.rows {
		copy(proba[i*nc:(i+1)*nc], d.proba)
		pred[i] = d.pred
	}
	return nil
}

// dummyRegressor is a DummyRegressor: constant_ for every row, whatever
// the strategy that chose it.
type dummyRegressor struct {
	constant []float64
	features int
	oneD     bool
}

func buildDummyRegressor(_ *builder, o *pyObject) (any, error) {
	c, shape, err := o.floats("constant_")
	if err != nil {
		return nil, err
	}
	if len(c) == 0 || (len(shape) == 2 && shape[0] != 1) {
		return nil, o.errorf("constant_", "has shape %v", shape)
	}
	n, err := o.integer("n_outputs_")
	if err != nil || n != len(c) {
		return nil, o.errorf("n_outputs_", "does not match constant_")
	}
	features, err := nFeatures(o)
	if err != nil {
		return nil, err
	}
	return &dummyRegressor{constant: c, features: features, oneD: n == 1}, nil
}

func (d *dummyRegressor) inWidth() int         { return d.features }
func (d *dummyRegressor) targets() (int, bool) { return len(d.constant), d.oneD }

func (d *dummyRegressor) predictValues(f *frame, out []float64) error {
	if err := f.checkWidth("DummyRegressor", d.features); err != nil {
		return err
	}
	k := len(d.constant)
	for i := range f.rows {
		copy(out[i*k:(i+1)*k], d.constant)
	}
	return nil
}
