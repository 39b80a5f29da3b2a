package compare

import "math"

// regGammaQ is the regularized upper incomplete gamma function Q(a, x)
// for a > 0, x >= 0, after Numerical Recipes (3rd ed., §6.2): the series
// for P(a, x) below x < a+1, the continued fraction for Q above, each on
// the side where it converges fast and loses no precision.
func regGammaQ(a, x float64) float64 {
	switch {
	case math.IsNaN(a) || math.IsNaN(x) || !(a > 0) || x < 0:
		return math.NaN()
	case x == 0:
		return 1
	case math.IsInf(x, 1):
		return 0
	case x < a+1:
		return 1 - gammaPSeries(a, x)
	}
	return gammaQFraction(a, x)
}

// gammaFront is x^a e^-x / Gamma(a), the factor both expansions share.
func gammaFront(a, x float64) float64 {
	lg, _ := math.Lgamma(a)
	return math.Exp(a*math.Log(x) - x - lg)
}

// gammaPSeries sums the series of the lower function P(a, x).
func gammaPSeries(a, x float64) float64 {
	ap, del := a, 1/a
	sum := del
	for range cfMaxIter {
		ap++
		del *= x / ap
		sum += del
		if math.Abs(del) < math.Abs(sum)*cfEpsilon {
			break
		}
	}
	return sum * gammaFront(a, x)
}

// gammaQFraction evaluates the continued fraction of Q(a, x) by the
// modified Lentz method.
func gammaQFraction(a, x float64) float64 {
	b := x + 1 - a
	c, d := 1/cfTiny, 1/nonZero(b)
	h := d
	for i := 1; i <= cfMaxIter; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = 1 / nonZero(an*d+b)
		c = nonZero(b + an/c)
		del := d * c
		h *= del
		if math.Abs(del-1) < cfEpsilon {
			break
		}
	}
	return h * gammaFront(a, x)
}
