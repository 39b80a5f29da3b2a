package xgboost

import (
	"fmt"
	"math"

	"github.com/paddockml/paddock/flavor"
)

// link is how an objective turns base_score into the starting margin
// (XGBoost's ObjFunction::ProbToMargin).
type link int

const (
	linkIdentity link = iota
	linkLogit         // -log(1/p - 1): logistic objectives
	linkLog           // log(p): count:poisson, reg:gamma, reg:tweedie
)

// transform is how an objective turns margins into Booster.predict's output
// (XGBoost's ObjFunction::PredTransform).
type transform int

const (
	transformIdentity transform = iota
	transformSigmoid
	transformExp
	transformHinge    // 1 if the margin is positive, else 0
	transformSoftprob // softmax over the classes
	transformSoftmax  // index of the largest margin, as a float
)

// objective describes one XGBoost learning objective.
type objective struct {
	name      string
	task      flavor.Task
	link      link
	transform transform
}

// objectives lists every objective Paddock evaluates. Ranking objectives
// predict raw scores, as Booster.predict does.
var objectives = map[string]objective{
	"binary:logistic":      {task: flavor.TaskClassification, link: linkLogit, transform: transformSigmoid},
	"binary:logitraw":      {task: flavor.TaskClassification},
	"binary:hinge":         {task: flavor.TaskClassification, transform: transformHinge},
	"multi:softprob":       {task: flavor.TaskClassification, transform: transformSoftprob},
	"multi:softmax":        {task: flavor.TaskClassification, transform: transformSoftmax},
	"reg:squarederror":     {task: flavor.TaskRegression},
	"reg:linear":           {task: flavor.TaskRegression},
	"reg:squaredlogerror":  {task: flavor.TaskRegression},
	"reg:pseudohubererror": {task: flavor.TaskRegression},
	"reg:absoluteerror":    {task: flavor.TaskRegression},
	"reg:logistic":         {task: flavor.TaskRegression, link: linkLogit, transform: transformSigmoid},
	"count:poisson":        {task: flavor.TaskRegression, link: linkLog, transform: transformExp},
	"reg:gamma":            {task: flavor.TaskRegression, link: linkLog, transform: transformExp},
	"reg:tweedie":          {task: flavor.TaskRegression, link: linkLog, transform: transformExp},
	"rank:pairwise":        {task: flavor.TaskRanking},
	"rank:ndcg":            {task: flavor.TaskRanking},
	"rank:map":             {task: flavor.TaskRanking},
}

// lookupObjective returns the named objective or an ErrUnsupported error.
func lookupObjective(name string) (objective, error) {
	o, ok := objectives[name]
	if !ok {
		return objective{}, fmt.Errorf("%w: objective %q", flavor.ErrUnsupported, name)
	}
	o.name = name
	return o, nil
}

// multiclass reports whether the objective predicts one of num_class classes.
func (o objective) multiclass() bool {
	return o.transform == transformSoftprob || o.transform == transformSoftmax
}

// binary reports whether the objective is a two-class classifier whose
// probabilities output is [1-p, p].
func (o objective) binary() bool {
	return o.task == flavor.TaskClassification && !o.multiclass()
}

// margin converts base_score to the starting margin in float32, as XGBoost
// does, and rejects scores the link cannot take.
func (l link) margin(p float32) (float32, error) {
	if math.IsNaN(float64(p)) || math.IsInf(float64(p), 0) {
		return 0, fmt.Errorf("%w: base_score %v is not finite", flavor.ErrCorrupt, p)
	}
	switch l {
	case linkLogit:
		if !(p > 0 && p < 1) {
			return 0, fmt.Errorf("%w: base_score %v must be in (0, 1) for a logistic objective", flavor.ErrCorrupt, p)
		}
		return -logf(1/p - 1), nil
	case linkLog:
		if !(p > 0) {
			return 0, fmt.Errorf("%w: base_score %v must be positive for a log-link objective", flavor.ErrCorrupt, p)
		}
		return logf(p), nil
	}
	return p, nil
}

// apply transforms one margin for the single-output transforms.
func (t transform) apply(m float32) float32 {
	switch t {
	case transformSigmoid:
		return sigmoid(m)
	case transformExp:
		return expf(m)
	case transformHinge:
		if m > 0 {
			return 1
		}
		return 0
	}
	return m
}

// sigmoid is XGBoost 1.7's common::Sigmoid: 1 / (1 + expf(-x)) in float32.
func sigmoid(x float32) float32 {
	return 1 / (1 + expf(-x))
}

// expf and logf round the float64 result to float32, matching the C
// library's single-precision functions to within one unit in the last place.
func expf(x float32) float32 { return float32(math.Exp(float64(x))) }

func logf(x float32) float32 { return float32(math.Log(float64(x))) }

// softmaxInPlace replaces margins with class probabilities exactly as
// XGBoost's common::Softmax does: float32 exponentials of the shifted
// margins, summed in float64, each divided by the sum rounded to float32.
func softmaxInPlace(v []float64) {
	if len(v) == 0 {
		return
	}
	wmax := float32(v[0])
	for _, x := range v[1:] {
		wmax = max(wmax, float32(x))
	}
	var wsum float64
	for i, x := range v {
		e := expf(float32(x) - wmax)
		v[i] = float64(e)
		wsum += float64(e)
	}
	s := float32(wsum)
	for i, x := range v {
		v[i] = float64(float32(x) / s)
	}
}

// argmax returns the index of the first largest value, like XGBoost's
// FindMaxIndex.
func argmax(v []float64) int {
	best := 0
	for i := 1; i < len(v); i++ {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}
