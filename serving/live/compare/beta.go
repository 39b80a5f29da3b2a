package compare

import "math"

// Limits of the continued fractions below. The incomplete beta fraction
// converges in O(sqrt(max(a, b))) terms, so the cap stays generous for
// t-tests on millions of pairs while still bounding a bad input.
const (
	cfEpsilon = 1e-15
	cfTiny    = 1e-300
	cfMaxIter = 1 << 17
)

// regIncBeta is the regularized incomplete beta function I_x(a, b) for
// a, b > 0, where y = 1 - x is passed in separately so that callers who
// know it more exactly than 1 - x (the t distribution's upper tail) keep
// their precision. It follows Numerical Recipes (3rd ed., §6.4): the
// continued fraction converges fast for x < (a+1)/(a+b+2); otherwise the
// symmetry I_x(a, b) = 1 - I_y(b, a) is used.
func regIncBeta(a, b, x, y float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsNaN(y) || !(a > 0) || !(b > 0):
		return math.NaN()
	case x <= 0:
		return 0
	case y <= 0:
		return 1
	}
	front := math.Exp(a*logOneMinus(x, y) + b*logOneMinus(y, x) - lnBeta(a, b))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, y)/b
}

// logOneMinus is ln(v) where w = 1 - v, taken as log1p(-w) when w is
// the smaller and so the more exact of the two.
func logOneMinus(v, w float64) float64 {
	if w < 0.5 {
		return math.Log1p(-w)
	}
	return math.Log(v)
}

// lnBeta is ln B(a, b) = lnΓ(a) + lnΓ(b) - lnΓ(a+b). When one argument
// is large, lnΓ(big) - lnΓ(big+small) subtracts two large, nearly equal
// numbers and loses about 1e-10 in absolute terms at big = 1e5, which
// becomes the relative error of a p-value; lgammaDiff computes that
// difference directly instead.
func lnBeta(a, b float64) float64 {
	small, big := min(a, b), max(a, b)
	ls, _ := math.Lgamma(small)
	if big < 10 {
		lb, _ := math.Lgamma(big)
		lab, _ := math.Lgamma(a + b)
		return ls + lb - lab
	}
	return ls + lgammaDiff(big, small)
}

// lgammaDiff is lnΓ(x) - lnΓ(x+h) for x >= 10, h > 0, from Stirling's
// series lnΓ(z) = (z-½)ln z - z + ½ln 2π + s(z): the leading terms
// regroup into -(x-½)·log1p(h/x) - h·ln(x+h) + h, which hold no
// cancellation, plus s(x) - s(x+h) (truncation error below 1e-12).
func lgammaDiff(x, h float64) float64 {
	return -(x-0.5)*math.Log1p(h/x) - h*math.Log(x+h) + h + stirlingTail(x) - stirlingTail(x+h)
}

// stirlingTail is the correction series of Stirling's formula,
// 1/(12z) - 1/(360z³) + 1/(1260z⁵) - 1/(1680z⁷) (A&S 6.1.41).
func stirlingTail(z float64) float64 {
	r := 1 / (z * z)
	return (1.0/12 - r*(1.0/360-r*(1.0/1260-r/1680))) / z
}

// betaCF evaluates the continued fraction of the incomplete beta
// function by the modified Lentz method.
func betaCF(a, b, x float64) float64 {
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	d = 1 / nonZero(d)
	h := d
	for m := 1; m <= cfMaxIter; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 / nonZero(1+aa*d)
		c = nonZero(1 + aa/c)
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 / nonZero(1+aa*d)
		c = nonZero(1 + aa/c)
		del := d * c
		h *= del
		if math.Abs(del-1) < cfEpsilon {
			break
		}
	}
	return h
}

// nonZero keeps Lentz's method away from dividing by zero.
func nonZero(v float64) float64 {
	if math.Abs(v) < cfTiny {
		return cfTiny
	}
	return v
}
