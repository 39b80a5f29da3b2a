package compare

import (
	"fmt"
	"math"
	"testing"
)

func TestWilson(t *testing.T) {
	t.Parallel()
	// The first four are Newcombe (1998), "Two-sided confidence intervals
	// for the single proportion", Stat. Med. 17:857, Table I, method 3
	// (81/263: 0.2553-0.3662, 15/148: 0.0624-0.1605, 0/20: 0-0.1611,
	// 1/29: 0.0061-0.1718); the full-precision figures, and the rest, are
	// scipy.stats.binomtest(k, n).proportion_ci(method="wilson").
	cases := []struct {
		k, n   int
		z      float64
		lo, hi float64
	}{
		{81, 263, Z95, 0.2552885198782742, 0.36620957698280004},
		{15, 148, Z95, 0.06238639953073629, 0.16048724172330803},
		{0, 20, Z95, 0.0, 0.16112515805281935},
		{1, 29, Z95, 0.006113214292762667, 0.17175521879320282},
		{29, 29, Z95, 0.8830302015002592, 1.0},
		{500, 1000, Z95, 0.4690696003681042, 0.5309303996318958},
		{1, 1, Z95, 0.20654931437723745, 1.0},
		{999, 1000, Z95, 0.9943574414020421, 0.9998234536293739},
		{81, 263, 2.5758293035489004, 0.24013690268760768, 0.3852825023182298},
		{3, 10, 2.5758293035489004, 0.07956631652306578, 0.6799753207988974},
		{81, 263, -Z95, 0.2552885198782742, 0.36620957698280004}, // |z|
	}
	for _, c := range cases {
		lo, hi := Wilson(c.k, c.n, c.z)
		name := fmt.Sprintf("Wilson(%d, %d, %g)", c.k, c.n, c.z)
		checkNear(t, name+".lo", lo, c.lo, 1e-12)
		checkNear(t, name+".hi", hi, c.hi, 1e-12)
	}
}

func TestWilsonDegenerate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		k, n   int
		z      float64
		lo, hi float64
	}{
		{"no trials", 0, 0, Z95, 0, 1},
		{"negative n", 3, -1, Z95, 0, 1},
		{"nan z", 3, 10, math.NaN(), 0, 1},
		{"inf z", 3, 10, math.Inf(1), 0, 1},
		{"zero z is the point estimate", 3, 10, 0, 0.3, 0.3},
		{"successes above n clamp to n", 12, 10, Z95, 0.7224672001371109, 1},   // binomtest(10, 10)
		{"negative successes clamp to 0", -4, 10, Z95, 0, 0.27753279986288926}, // binomtest(0, 10)
	}
	for _, c := range cases {
		lo, hi := Wilson(c.k, c.n, c.z)
		if !near(lo, c.lo, 1e-12) || !near(hi, c.hi, 1e-12) {
			t.Errorf("%s: Wilson(%d, %d, %g) = (%.17g, %.17g), want (%g, %g)", c.name, c.k, c.n, c.z, lo, hi, c.lo, c.hi)
		}
	}
}

func TestWithinWilson(t *testing.T) {
	t.Parallel()
	// 81/263 at 95% is 0.2553..0.3662 (see TestWilson).
	for _, c := range []struct {
		p    float64
		want bool
	}{{0.25, false}, {0.2553, true}, {0.30, true}, {0.3662, true}, {0.3663, false}, {math.NaN(), false}} {
		if got := WithinWilson(81, 263, c.p, Z95); got != c.want {
			t.Errorf("WithinWilson(81, 263, %g) = %v, want %v", c.p, got, c.want)
		}
	}
	if !WithinWilson(0, 0, 0.5, Z95) {
		t.Error("with no trials every share is within [0, 1]")
	}
}
