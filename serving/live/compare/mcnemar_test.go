package compare

import (
	"fmt"
	"math"
	"testing"
)

func TestMcNemar(t *testing.T) {
	t.Parallel()
	// Exact rows (b+c < 25): statistic min(b, c), p from
	// scipy.stats.binomtest(min(b, c), b+c, 0.5).pvalue. Chi-square rows:
	// statistic max(0, |b-c|-1)²/(b+c) by hand, p from
	// scipy.stats.chi2.sf(statistic, 1); e.g. b=30, c=10: (20-1)²/40 =
	// 9.025. b=13, c=12 shows the correction never over-corrects: |b-c|-1
	// is 0, and 0 squared, not (-1)² = 1.
	cases := []struct {
		b, c    int
		stat, p float64
		exact   bool
	}{
		{0, 0, 0.0, 1.0, true},
		{5, 3, 3.0, 0.7265625, true},
		{12, 12, 12.0, 1.0, true},
		{1, 10, 1.0, 0.01171875, true},
		{0, 24, 0.0, 1.1920928955078125e-07, true},
		{7, 0, 0.0, 0.015625, true},
		{13, 12, 0.0, 1.0, false},
		{30, 10, 9.025, 0.002663119259138558, false},
		{100, 150, 9.604, 0.0019415397850404208, false},
		{0, 25, 23.04, 1.5866563039511885e-06, false},
	}
	for _, c := range cases {
		stat, p := McNemar(c.b, c.c)
		name := fmt.Sprintf("McNemar(%d, %d)", c.b, c.c)
		checkNear(t, name+" stat", stat, c.stat, 1e-12)
		checkNear(t, name+" p", p, c.p, 1e-11)
		if r := mcnemarResult(c.b, c.c); r.Exact != c.exact || r.B != c.b || r.C != c.c || r.P != p {
			t.Errorf("mcnemarResult(%d, %d) = %+v, want exact %v", c.b, c.c, *r, c.exact)
		}
	}
	if s, p := McNemar(-1, 3); !math.IsNaN(s) || !math.IsNaN(p) {
		t.Errorf("McNemar(-1, 3) = %g, %g, want NaN", s, p)
	}
}

func TestBinomCDFHalf(t *testing.T) {
	t.Parallel()
	// By hand: P(X <= 2 | n=4) = (1+4+6)/16; P(X <= 0 | n=24) = 2^-24.
	cases := []struct {
		k, n int
		want float64
	}{{2, 4, 11.0 / 16}, {0, 24, 1.0 / (1 << 24)}, {-1, 5, 0}, {5, 5, 1}, {9, 5, 1}, {3, 7, 0.5}}
	for _, c := range cases {
		checkNear(t, fmt.Sprintf("binomCDFHalf(%d, %d)", c.k, c.n), binomCDFHalf(c.k, c.n), c.want, 1e-13)
	}
}
