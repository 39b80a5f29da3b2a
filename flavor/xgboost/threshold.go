package xgboost

import "math"

// lessBound returns the float64 bound b for which, for every non-NaN
// float64 v,
//
//	float32(v) < t  ⇔  v < b
//
// XGBoost stores features as float32 and tests float32(v) < t. Comparing
// the float64 feature against b gives the same answer without converting
// the feature at every node. float32(v) < t holds exactly when v lies below
// the midpoint between t and the next float32 down, p; a v equal to the
// midpoint rounds to whichever of p and t has an even significand, so the
// midpoint itself counts as "less" only when p is even.
func lessBound(t float32) float64 {
	if math.IsInf(float64(t), -1) {
		return math.Inf(-1) // nothing is below -Inf
	}
	p := math.Nextafter32(t, float32(math.Inf(-1)))
	var mid float64
	switch {
	case math.IsInf(float64(t), 1):
		// Values from MaxFloat32 + half an ulp upwards round to +Inf.
		mid = math.MaxFloat32 + math.Ldexp(1, 103)
	case math.IsInf(float64(p), -1):
		// t is -MaxFloat32: only values that round to -Inf are below it.
		mid = -(math.MaxFloat32 + math.Ldexp(1, 103))
		// The midpoint rounds to -Inf (MaxFloat32's significand is odd).
		return math.Nextafter(mid, math.Inf(1))
	default:
		// Exact: both are float32 values, so their mean fits in float64.
		mid = float64(p) + (float64(t)-float64(p))/2
	}
	if math.Float32bits(p)&1 == 0 {
		return math.Nextafter(mid, math.Inf(1))
	}
	return mid
}
