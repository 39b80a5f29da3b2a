package compare

import "math"

// Z95 is the standard normal quantile of a two-sided 95% interval.
const Z95 = 1.959963984540054

// Wilson is the Wilson score interval for a binomial proportion of
// successes out of n at normal quantile z (Z95 for 95%). Unlike the
// normal (Wald) interval it stays inside [0, 1] and is sensible at 0 and
// n successes (Wilson 1927; Newcombe 1998, method 3).
//
// With n <= 0 or a z that is not finite nothing is known and the interval
// is [0, 1]. Successes outside [0, n] are clamped into it; a negative z
// is read as its absolute value.
func Wilson(successes, n int, z float64) (lo, hi float64) {
	if n <= 0 || !finite(z) {
		return 0, 1
	}
	successes = min(max(successes, 0), n)
	nf, z2 := float64(n), z*z
	p := float64(successes) / nf
	denom := 1 + z2/nf
	center := (p + z2/(2*nf)) / denom
	half := math.Abs(z) / denom * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	lo, hi = math.Max(0, center-half), math.Min(1, center+half)
	// The exact ends: 0 successes cannot have a lower bound above 0, nor
	// n successes an upper bound below 1, whatever the rounding says.
	if successes == 0 {
		lo = 0
	}
	if successes == n {
		hi = 1
	}
	return lo, hi
}

// WithinWilson reports whether the proportion p lies inside the Wilson
// interval of successes out of n at quantile z: whether an observed
// share is consistent with the share expected, e.g. alpha's share of
// traffic against the configured split.
func WithinWilson(successes, n int, p, z float64) bool {
	lo, hi := Wilson(successes, n, z)
	return p >= lo && p <= hi
}
