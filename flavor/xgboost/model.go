// Package xgboost evaluates XGBoost models natively in Go, from the JSON
// file Booster.save_model("model.json") writes (XGBoost 1.x).
//
// It supports the gbtree, dart and gblinear boosters; numerical and
// categorical splits; missing values (NaN) following each node's
// default_left; multi-class and multi-target models; and the common
// objectives, whose output transform it applies so that predictions match
// Booster.predict. XGBoost computes in float32, and so does this package, to
// reproduce its results to the last bit in all but the exp/log library
// calls (which agree to within one float32 ulp).
//
// Loading validates every tree so that prediction never indexes out of range
// or loops: a malformed file is an error wrapping flavor.ErrCorrupt, a well
// formed one using something not implemented (an unknown objective or
// booster, UBJSON, vector leaves) wraps flavor.ErrUnsupported.
package xgboost

import (
	"github.com/paddockml/paddock/flavor"
)

// Model is a loaded XGBoost model. It is immutable after loading and safe
// for concurrent use.
type Model struct {
	obj        objective
	numFeature int
	// numGroup is the number of margins per row: classes for multi-class
	// objectives, targets otherwise.
	numGroup int
	// width is the number of predictions per row: 1 for multi:softmax,
	// numGroup otherwise.
	width int
	// base is the starting margin: base_score through the objective's link.
	base   float32
	forest *forest // set for gbtree and dart
	linear *linear // set for gblinear
	sig    flavor.Signature
}

var _ flavor.Model = (*Model)(nil)

// Signature describes the model's input and outputs: one float64 input
// "input" of shape [-1, NumFeature], the predictions output shaped like
// Booster.predict's, and for classifiers a probabilities output.
func (m *Model) Signature() flavor.Signature {
	s := m.sig
	s.Inputs = cloneSpecs(s.Inputs)
	s.Outputs = cloneSpecs(s.Outputs)
	s.Columns = append([]flavor.ColumnSpec(nil), s.Columns...)
	s.Classes = append([]string(nil), s.Classes...)
	return s
}

// NumFeature returns the number of features each input row holds.
func (m *Model) NumFeature() int { return m.numFeature }

// OutputWidth returns the number of predictions per row that PredictRow
// writes: the number of classes for multi:softprob, the number of targets
// for multi-target regression, and 1 otherwise.
func (m *Model) OutputWidth() int { return m.width }

// Objective returns the model's XGBoost objective, such as
// "binary:logistic".
func (m *Model) Objective() string { return m.obj.name }

// Close does nothing: a Model holds only memory.
func (m *Model) Close() error { return nil }

func cloneSpecs(in []flavor.TensorSpec) []flavor.TensorSpec {
	out := make([]flavor.TensorSpec, len(in))
	for i, s := range in {
		s.Shape = append([]int(nil), s.Shape...)
		out[i] = s
	}
	return out
}
