package xgboost

import "math"

// linear is a gblinear booster: one coefficient per feature and output
// group, plus a bias per group.
type linear struct {
	numFeature int
	numGroup   int
	// weights is XGBoost's layout: weights[f*numGroup+g] for feature f,
	// then the biases at weights[numFeature*numGroup+g].
	weights []float32
}

// newLinear validates gblinear's weight matrix.
func newLinear(w []jsonFloat, numFeature, numGroup int) (*linear, error) {
	want := (numFeature + 1) * numGroup
	if len(w) != want {
		return nil, corrupt("gblinear has %d weights, want (num_feature+1)*groups = %d", len(w), want)
	}
	l := &linear{numFeature: numFeature, numGroup: numGroup, weights: make([]float32, len(w))}
	for i, v := range w {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, corrupt("gblinear weight %d is not finite", i)
		}
		l.weights[i] = float32(v)
	}
	return l, nil
}

// margin computes group g's margin as XGBoost's GBLinear::Pred does, in
// float32: bias plus base score, then each present feature's product in
// feature order. Missing values are absent from XGBoost's sparse rows, so
// they are skipped.
func (l *linear) margin(g int, x []float64, base float32) float32 {
	acc := l.weights[l.numFeature*l.numGroup+g] + base
	w := l.weights[g:]
	for f, v := range x {
		if v != v {
			continue
		}
		// The conversion rounds the product before the sum, as the C++
		// does, and forbids fusing the two into one multiply-add.
		acc += float32(float32(v) * w[f*l.numGroup])
	}
	return acc
}
