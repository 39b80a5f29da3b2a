// Package compare computes the statistics that compare the two arms of a
// live experiment (dark mode): a production model and an alpha model.
//
// In shadow mode both arms answer every request and ComparePairs works on
// the pairs: how often they agree, how far alpha's scores move, whether
// that move is significant (paired t-test, Wilcoxon signed-rank), their
// latencies and errors, and, where feedback labels arrived, which arm is
// right more often (McNemar's test on paired correctness). In split mode
// each request is answered by one arm and CompareSplit adds a
// sample-ratio-mismatch check of the observed split against the
// configured one.
//
// Everything here is pure computation on values already in memory: no
// I/O, no clock, standard library only. A Report never holds NaN or an
// infinity, so it always encodes to JSON; a figure that is undefined for
// the data (a t statistic when every delta is equal, a ratio over zero)
// is a nil pointer or an absent section instead.
package compare

// The arm names of split mode, the same strings the prediction log uses.
const (
	ArmProduction = "production"
	ArmAlpha      = "alpha"
)

// The modes a Report can describe.
const (
	ModeShadow = "shadow"
	ModeSplit  = "split"
)

// MaxClasses bounds the classes a class distribution or per-class recall
// lists: beyond it only the most frequent are kept, so a model whose
// "class" is free text cannot blow a dashboard up.
const MaxClasses = 1000

// MaxConfusionClasses bounds the side of the confusion matrix; with more
// classes the matrix is left out (its cells would grow as the square).
const MaxConfusionClasses = 100

// Answer is what one arm made of one request.
type Answer struct {
	// Class is the predicted class, when HasClass.
	Class    string
	HasClass bool
	// Score is the predicted number (a regression value or a positive
	// class probability), when HasScore. Non-finite scores are ignored.
	Score    float64
	HasScore bool
	// Probs is the class probability vector, when the model gives one.
	Probs []float64
	// LatencyUS is how long the arm took, in microseconds.
	LatencyUS int64
	// Err marks an answer that failed.
	Err bool
	// CacheHit marks an answer served from the prediction cache.
	CacheHit bool
	// Missing marks an arm that did not answer at all: the shadow queue
	// dropped the request or it timed out. It outranks Err.
	Missing bool
}

// answered reports whether the arm produced a usable answer.
func (a Answer) answered() bool { return !a.Missing && !a.Err }

// class returns the predicted class of a usable answer.
func (a Answer) class() (string, bool) {
	return a.Class, a.answered() && a.HasClass
}

// score returns the finite score of a usable answer.
func (a Answer) score() (float64, bool) {
	return a.Score, a.answered() && a.HasScore && finite(a.Score)
}

// Label is the feedback that arrived for a request: the true class, the
// true value, or both.
type Label struct {
	Class    string
	HasClass bool
	Value    float64
	HasValue bool
}

// value returns the finite true value of a label.
func (l *Label) value() (float64, bool) {
	return l.Value, l != nil && l.HasValue && finite(l.Value)
}

// class returns the true class of a label.
func (l *Label) class() (string, bool) {
	if l == nil || !l.HasClass {
		return "", false
	}
	return l.Class, true
}

// Pair is one request answered by both arms (shadow mode). Label is nil
// until feedback arrives.
type Pair struct {
	RequestID string
	Prod      Answer
	Alpha     Answer
	Label     *Label
}

// Single is one request answered by one arm (split mode): Arm is
// ArmProduction or ArmAlpha; other values are counted as unknown and
// otherwise left out.
type Single struct {
	Arm    string
	Answer Answer
	Label  *Label
}
