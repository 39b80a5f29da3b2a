package compare

import (
	"math"
	"slices"
)

// scoreDelta describes the signed deltas d (alpha − production), which
// it sorts in place; nil when there are none or when the figures
// overflow float64 (scores near ±1e308 cannot be compared here).
func scoreDelta(d []float64) *ScoreDelta {
	if len(d) == 0 {
		return nil
	}
	slices.Sort(d)
	mean, sd := meanSD(d)
	sumAbs := 0.0
	for _, v := range d {
		sumAbs += math.Abs(v)
	}
	s := &ScoreDelta{N: len(d), Mean: mean, MeanAbs: sumAbs / float64(len(d)), SD: sd,
		P50: nearestRank(d, 50), P95: nearestRank(d, 95)}
	if !finite(s.Mean) || !finite(s.MeanAbs) || !finite(s.SD) {
		return nil
	}
	s.TTest = pairedT(d, mean, sd)
	s.Wilcoxon = wilcoxon(d)
	return s
}

// meanSD is the mean and the sample standard deviation (n−1), the
// latter by a second pass over the deviations, which is exact for equal
// values where the one-pass sum-of-squares formula is not. sd is 0 for a
// single value.
func meanSD(v []float64) (mean, sd float64) {
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	mean = sum / float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)-1))
}

// pairedT is the paired t-test of the sorted deltas' mean against zero:
// t = mean/(sd/√n) on n−1 dof. It is nil when undefined: fewer than two
// deltas, or all of them equal (sd is then 0 in exact arithmetic, though
// rounding in the mean can leave a tiny sd and an absurd t).
func pairedT(sorted []float64, mean, sd float64) *TTest {
	n := len(sorted)
	if n < 2 || sorted[0] == sorted[n-1] || !(sd > 0) {
		return nil
	}
	t := mean / (sd / math.Sqrt(float64(n)))
	if !finite(t) {
		return nil
	}
	return &TTest{T: t, DOF: n - 1, P: StudentTTwoSided(t, float64(n-1))}
}
