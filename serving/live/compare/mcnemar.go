package compare

import "math"

// mcnemarExactBelow is the discordant count under which McNemar's test
// uses the exact binomial p-value: the chi-square approximation is poor
// for small counts (a common rule of thumb is b+c < 25).
const mcnemarExactBelow = 25

// McNemar tests whether two classifiers judged on the same requests are
// equally often right, from the discordant pairs: b where only the first
// was right, c where only the second was. Below 25 discordant pairs it
// returns stat = min(b, c) and the exact two-sided binomial p-value
// (n = b+c, p = 1/2); otherwise the chi-square statistic with Edwards'
// continuity correction, max(0, |b-c|-1)²/(b+c), and its p-value on
// 1 dof. With no discordant pairs the arms cannot differ: (0, 1).
// Negative counts give NaN.
func McNemar(b, c int) (stat, p float64) {
	if b < 0 || c < 0 {
		return math.NaN(), math.NaN()
	}
	n := b + c
	if n < mcnemarExactBelow {
		k := min(b, c)
		return float64(k), math.Min(1, 2*binomCDFHalf(k, n))
	}
	d := math.Max(0, math.Abs(float64(b-c))-1)
	stat = d * d / float64(n)
	return stat, ChiSquareSF(stat, 1)
}

// mcnemarResult builds the report's McNemar section.
func mcnemarResult(b, c int) *McNemarResult {
	stat, p := McNemar(b, c)
	return &McNemarResult{B: b, C: c, Exact: b+c < mcnemarExactBelow, Statistic: stat, P: p}
}

// binomCDFHalf is P(X <= k) for X ~ Binomial(n, 1/2), summed in log
// space so it is also right for n far beyond where 2^n overflows.
func binomCDFHalf(k, n int) float64 {
	if k < 0 {
		return 0
	}
	if k >= n {
		return 1
	}
	ln2 := math.Ln2 * float64(n)
	lgn, _ := math.Lgamma(float64(n) + 1)
	sum := 0.0
	for i := 0; i <= k; i++ {
		li, _ := math.Lgamma(float64(i) + 1)
		lr, _ := math.Lgamma(float64(n-i) + 1)
		sum += math.Exp(lgn - li - lr - ln2)
	}
	return math.Min(1, sum)
}
