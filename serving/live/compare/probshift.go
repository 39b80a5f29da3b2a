package compare

import "math"

// totalVariation is half the L1 distance between two probability
// vectors, false when they differ in length, are empty or hold a value
// that is not finite.
func totalVariation(p, q []float64) (float64, bool) {
	if len(p) == 0 || len(p) != len(q) {
		return 0, false
	}
	sum := 0.0
	for i := range p {
		if !finite(p[i]) || !finite(q[i]) {
			return 0, false
		}
		sum += math.Abs(p[i] - q[i])
	}
	return sum / 2, finite(sum)
}

// probShift describes the distances tv, which it reorders; nil when
// there are none.
func probShift(tv []float64) *ProbShift {
	if len(tv) == 0 {
		return nil
	}
	mean, _ := meanSD(tv)
	if !finite(mean) {
		return nil
	}
	p := percentiles(tv, 95, 100)
	return &ProbShift{N: len(tv), Mean: mean, P95: p[0], Max: p[1]}
}
