package sklearn

import (
	"fmt"
	"math"

	"github.com/paddockml/paddock/flavor"
)

// linear holds coef_ as a row-major [outputs x features] matrix and
// intercept_, shared by the linear regressors and LogisticRegression.
type linear struct {
	name      string
	outputs   int
	features  int
	coef      []float64
	intercept []float64
	oneD      bool // coef_ was 1-D: predict returns a 1-D array
}

// readLinear reads coef_ and intercept_ (a float, a numpy scalar or an
// array; fit_intercept=False stores 0.0).
func readLinear(o *pyObject) (*linear, error) {
	coef, shape, err := o.floats("coef_")
	if err != nil {
		return nil, err
	}
	l := &linear{name: shortName(o.class), coef: coef}
	switch len(shape) {
	case 1:
		l.outputs, l.features, l.oneD = 1, shape[0], true
	case 2:
		l.outputs, l.features = shape[0], shape[1]
	default:
		return nil, o.errorf("coef_", "has shape %v", shape)
	}
	if l.outputs == 0 {
		return nil, o.errorf("coef_", "has no rows")
	}
	icpt, _, err := o.floats("intercept_")
	if err != nil {
		return nil, err
	}
	switch len(icpt) {
	case l.outputs:
		l.intercept = icpt
	case 1:
		l.intercept = make([]float64, l.outputs)
		for k := range l.intercept {
			l.intercept[k] = icpt[0]
		}
	default:
		return nil, o.errorf("intercept_", "holds %d values for %d outputs", len(icpt), l.outputs)
	}
	if err := checkFeatures(o, l.features); err != nil {
		return nil, err
	}
	return l, nil
}

// decision computes X @ coef_.T + intercept_ into out [rows x outputs].
func (l *linear) decision(f *frame, out []float64) error {
	if err := f.checkWidth(l.name, l.features); err != nil {
		return err
	}
	cols, err := f.numeric(l.name)
	if err != nil {
		return err
	}
	if err := finite(l.name, cols); err != nil {
		return err
	}
	k := l.outputs
	clear(out)
	for j, col := range cols {
		for c := range k {
			w := l.coef[c*l.features+j]
			for i, x := range col {
				out[i*k+c] += x * w
			}
		}
	}
	for i := range f.rows {
		for c := range k {
			out[i*k+c] += l.intercept[c]
		}
	}
	return nil
}

// linearRegressor is LinearRegression, Ridge or Lasso.
type linearRegressor struct{ *linear }

func buildLinear(_ *builder, o *pyObject) (any, error) {
	l, err := readLinear(o)
	if err != nil {
		return nil, err
	}
	return &linearRegressor{l}, nil
}

func (r *linearRegressor) inWidth() int         { return r.features }
func (r *linearRegressor) targets() (int, bool) { return r.outputs, r.oneD }
func (r *linearRegressor) predictValues(f *frame, out []float64) error {
	return r.decision(f, out)
}

// logistic is a fitted LogisticRegression. Probabilities follow 1.2's
// predict_proba: one-vs-rest normalises per-class sigmoids; multinomial
// takes a softmax of the decision values (for two classes, of [-d, d]).
type logistic struct {
	*linear
	classes *labels
	ovr     bool
}

func buildLogistic(_ *builder, o *pyObject) (any, error) {
	l, err := readLinear(o)
	if err != nil {
		return nil, err
	}
	classes, err := newLabels(o, "classes_")
	if err != nil {
		return nil, err
	}
	nc := classes.n()
	if nc < 2 || (nc == 2 && l.outputs != 1) || (nc > 2 && l.outputs != nc) {
		return nil, o.errorf("coef_", "has %d rows for %d classes", l.outputs, nc)
	}
	multi, err := o.strOr("multi_class", "auto")
	if err != nil {
		return nil, err
	}
	solver, err := o.strOr("solver", "lbfgs")
	if err != nil {
		return nil, err
	}
	var ovr bool
	switch multi {
	case "ovr", "warn":
		ovr = true
	case "auto":
		ovr = nc <= 2 || solver == "liblinear"
	case "multinomial":
	default:
		return nil, fmt.Errorf("%w: LogisticRegression(multi_class=%q)", flavor.ErrUnsupported, clip(multi))
	}
	return &logistic{linear: l, classes: classes, ovr: ovr}, nil
}

func (m *logistic) inWidth() int    { return m.features }
func (m *logistic) labels() *labels { return m.classes }

func (m *logistic) predictProba(f *frame, proba []float64, pred []int) error {
	k := m.outputs
	dec := make([]float64, f.rows*k)
	if err := m.decision(f, dec); err != nil {
		return err
	}
	nc := m.classes.n()
	for i := range f.rows {
		d, p := dec[i*k:(i+1)*k], proba[i*nc:(i+1)*nc]
		switch {
		case k == 1 && m.ovr:
			p[1] = expit(d[0])
			p[0] = 1 - p[1]
		case k == 1:
			two := [2]float64{-d[0], d[0]}
			softmax(p, two[:])
		case m.ovr:
			sum := 0.0
			for c := range d {
				p[c] = expit(d[c])
				sum += p[c]
			}
			for c := range p {
				p[c] /= sum
			}
		default:
			softmax(p, d)
		}
		// predict() decides from the decision values, not the proba.
		if k == 1 {
			pred[i] = 0
			if d[0] > 0 {
				pred[i] = 1
			}
		} else {
			pred[i] = argmax(d)
		}
	}
	return nil
}

// expit is scipy.special.expit, written as scipy does for each sign so
// that neither branch overflows.
func expit(x float64) float64 {
	if x < 0 {
		e := math.Exp(x)
		return e / (1 + e)
	}
	return 1 / (1 + math.Exp(-x))
}

// softmax writes sklearn.utils.extmath.softmax of x into p.
func softmax(p, x []float64) {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = math.Max(mx, v)
	}
	sum := 0.0
	for c, v := range x {
		p[c] = math.Exp(v - mx)
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
}

// argmax returns the first index of the largest value, as np.argmax.
func argmax(x []float64) int {
	best := 0
	for c, v := range x {
		if v > x[best] {
			best = c
		}
	}
	return best
}
