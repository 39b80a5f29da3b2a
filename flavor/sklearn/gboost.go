package sklearn

import (
	"fmt"
	"math"

	"github.com/paddockml/paddock/flavor"
)

// gbLoss is the link of a GradientBoosting model: how the raw score
// becomes probabilities and how the init estimator's output becomes a raw
// score (scikit-learn 1.2's sklearn.ensemble._gb_losses).
type gbLoss int

const (
	lossRegression gbLoss = iota
	lossBinomial
	lossMultinomial
	lossExponential
)

// float32Eps is np.finfo(np.float32).eps, the clip GradientBoosting
// applies to init probabilities.
const float32Eps = 1.1920928955078125e-07

// gradientBoosting is a GradientBoostingClassifier or Regressor: raw =
// init + learning_rate * sum of stage trees, one tree per class and stage.
type gradientBoosting struct {
	loss     gbLoss
	k        int       // trees per stage
	stages   [][]*tree // [stage][k]
	lr       float64
	init     any // classifier, regressor, or nil for init="zero"
	features int
	classes  *labels
}

func buildGBClassifier(b *builder, o *pyObject) (any, error) {
	classes, err := newLabels(o, "classes_")
	if err != nil {
		return nil, err
	}
	g, err := buildGB(b, o, classes)
	if err != nil {
		return nil, err
	}
	want := 1
	if g.loss == lossMultinomial {
		want = classes.n()
	}
	if g.loss == lossRegression || g.k != want || (g.loss != lossMultinomial && classes.n() != 2) {
		return nil, o.errorf("estimators_", "has %d trees per stage for %d classes", g.k, classes.n())
	}
	if c, ok := g.init.(classifier); ok && !c.labels().same(classes) {
		return nil, o.errorf("init_", "predicts other classes than classes_")
	}
	return &gbClassifier{g}, nil
}

func buildGBRegressor(b *builder, o *pyObject) (any, error) {
	g, err := buildGB(b, o, nil)
	if err != nil {
		return nil, err
	}
	if g.loss != lossRegression || g.k != 1 {
		return nil, o.errorf("_loss", "is not a regression loss with one tree per stage")
	}
	if r, ok := g.init.(regressor); ok {
		if n, _ := r.targets(); n != 1 {
			return nil, o.errorf("init_", "predicts %d targets", n)
		}
	}
	return &gbRegressor{g}, nil
}

// buildGB reads what both GradientBoosting estimators share.
func buildGB(b *builder, o *pyObject, classes *labels) (*gradientBoosting, error) {
	g := &gradientBoosting{classes: classes}
	var err error
	if g.loss, err = gbLossOf(o, classes); err != nil {
		return nil, err
	}
	if g.lr, err = o.float("learning_rate"); err != nil {
		return nil, err
	}
	if err := g.readStages(b, o); err != nil {
		return nil, err
	}
	if err := checkFeatures(o, g.features); err != nil {
		return nil, err
	}
	initV, err := o.need("init_")
	if err != nil {
		return nil, err
	}
	if initV == "zero" {
		return g, nil
	}
	if g.init, err = b.build(initV); err != nil {
		return nil, fmt.Errorf("GradientBoosting init_: %w", err)
	}
	if w := predictorWidth(g.init); w >= 0 && w != g.features {
		return nil, o.errorf("init_", "expects %d features, the trees %d", w, g.features)
	}
	_, isClf := g.init.(classifier)
	_, isReg := g.init.(regressor)
	if (classes != nil && !isClf) || (classes == nil && !isReg) {
		return nil, o.errorf("init_", "is %T, the wrong kind of estimator", g.init)
	}
	return g, nil
}

// gbLossOf reads the fitted loss object (_loss) or, failing that, the
// loss parameter.
func gbLossOf(o *pyObject, classes *labels) (gbLoss, error) {
	if lo, ok := o.state["_loss"].(*pyObject); ok {
		switch shortName(lo.class) {
		case "BinomialDeviance":
			return lossBinomial, nil
		case "MultinomialDeviance":
			return lossMultinomial, nil
		case "ExponentialLoss":
			return lossExponential, nil
		case "LeastSquaresError", "LeastAbsoluteError", "HuberLossFunction", "QuantileLossFunction":
			return lossRegression, nil
		}
		return 0, fmt.Errorf("%w: gradient boosting loss %s", flavor.ErrUnsupported, lo.class)
	}
	name, err := o.str("loss")
	if err != nil {
		return 0, err
	}
	switch {
	case classes == nil:
		return lossRegression, nil
	case name == "exponential":
		return lossExponential, nil
	case name == "log_loss" || name == "deviance":
		if classes.n() == 2 {
			return lossBinomial, nil
		}
		return lossMultinomial, nil
	}
	return 0, fmt.Errorf("%w: gradient boosting loss %q", flavor.ErrUnsupported, clip(name))
}

// readStages reads estimators_, an object array [n_stages x K] of
// DecisionTreeRegressor.
func (g *gradientBoosting) readStages(b *builder, o *pyObject) error {
	ests, shape, err := subEstimators(b, o)
	if err != nil {
		return err
	}
	if len(shape) != 2 || shape[1] < 1 {
		return o.errorf("estimators_", "has shape %v, want (n_stages, K)", shape)
	}
	g.k = shape[1]
	for s := 0; s < shape[0]; s++ {
		stage := make([]*tree, g.k)
		for k := range stage {
			tr, ok := ests[s*g.k+k].(*treeRegressor)
			if !ok || tr.t.outputs != 1 || tr.t.missing {
				return o.errorf("estimators_", "stage %d holds %T, want a single-output regression tree", s, ests[s*g.k+k])
			}
			if s+k > 0 && tr.t.features != g.features {
				return o.errorf("estimators_", "trees disagree on the number of features")
			}
			g.features, stage[k] = tr.t.features, tr.t
		}
		g.stages = append(g.stages, stage)
	}
	return nil
}

// raw computes the raw scores [rows x k] for a frame.
func (g *gradientBoosting) raw(f *frame) ([]float64, error) {
	cols, err := treeInput("GradientBoosting", f, g.features)
	if err != nil {
		return nil, err
	}
	raw := make([]float64, f.rows*g.k)
	x := make([]float64, g.features)
	if err := g.initRaw(cols, f.rows, raw, x); err != nil {
		return nil, err
	}
	for i := range f.rows {
		if err := prepareRow("GradientBoosting", cols, i, x, false); err != nil {
			return nil, err
		}
		r := raw[i*g.k : (i+1)*g.k]
		for _, stage := range g.stages {
			for k, t := range stage {
				// predict_stages adds scale * value: round the product first.
				r[k] += float64(g.lr * t.value[t.leaf(x)])
			}
		}
	}
	return raw, nil
}

// initRaw fills raw with the init estimator's raw predictions. As in
// scikit-learn the init estimator sees X already cast to float32.
func (g *gradientBoosting) initRaw(cols [][]float64, rows int, raw, x []float64) error {
	if g.init == nil {
		return nil
	}
	in := newNumFrame(rows, len(cols))
	for j, c := range cols {
		for i, v := range c {
			in.cols[j].num[i] = float64(float32(v))
		}
	}
	if r, ok := g.init.(regressor); ok {
		return r.predictValues(in, raw)
	}
	c := g.init.(classifier)
	nc := c.labels().n()
	proba, pred := make([]float64, rows*nc), make([]int, rows)
	if err := c.predictProba(in, proba, pred); err != nil {
		return err
	}
	for i := range rows {
		p := proba[i*nc : (i+1)*nc]
		switch g.loss {
		case lossMultinomial:
			for k := range p {
				raw[i*g.k+k] = math.Log(clipProba(p[k]))
			}
		case lossBinomial, lossExponential:
			q := clipProba(p[1])
			raw[i] = math.Log(q / (1 - q))
			if g.loss == lossExponential {
				raw[i] *= 0.5
			}
		}
	}
	return nil
}

func clipProba(p float64) float64 {
	return math.Min(math.Max(p, float32Eps), 1-float32Eps)
}

type gbClassifier struct{ *gradientBoosting }

func (c *gbClassifier) inWidth() int    { return c.features }
func (c *gbClassifier) labels() *labels { return c.classes }

func (c *gbClassifier) predictProba(f *frame, proba []float64, pred []int) error {
	raw, err := c.raw(f)
	if err != nil {
		return err
	}
	nc := c.classes.n()
	for i := range f.rows {
		p := proba[i*nc : (i+1)*nc]
		switch c.loss {
		case lossBinomial:
			p[1] = expit(raw[i])
			p[0] = 1 - p[1]
		case lossExponential:
			p[1] = expit(2 * raw[i])
			p[0] = 1 - p[1]
		default:
			logSoftmax(p, raw[i*nc:(i+1)*nc])
		}
		pred[i] = argmax(p)
	}
	return nil
}

// logSoftmax writes exp(r - logsumexp(r)) into p, as MultinomialDeviance
// does (scipy's logsumexp shifts by the maximum; NaN becomes 0).
func logSoftmax(p, r []float64) {
	mx := math.Inf(-1)
	for _, v := range r {
		mx = math.Max(mx, v)
	}
	if math.IsInf(mx, 0) || math.IsNaN(mx) {
		mx = 0
	}
	sum := 0.0
	for _, v := range r {
		sum += math.Exp(v - mx)
	}
	lse := math.Log(sum) + mx
	for k, v := range r {
		p[k] = math.Exp(v - lse)
		if math.IsNaN(p[k]) {
			p[k] = 0
		}
	}
}

type gbRegressor struct{ *gradientBoosting }

func (r *gbRegressor) inWidth() int         { return r.features }
func (r *gbRegressor) targets() (int, bool) { return 1, true }

func (r *gbRegressor) predictValues(f *frame, out []float64) error {
	raw, err := r.raw(f)
	if err != nil {
		return err
	}
	copy(out, raw)
	return nil
}
