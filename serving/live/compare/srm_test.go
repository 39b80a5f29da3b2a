package compare

import (
	"fmt"
	"math"
	"testing"
)

func TestSampleRatio(t *testing.T) {
	t.Parallel()
	// scipy.stats.chisquare([alpha, prod], f_exp=[n*s, n*(1-s)]).
	cases := []struct {
		alpha, prod int
		share       float64
		stat, p     float64
	}{
		{500, 500, 0.5, 0.0, 1.0},
		{5100, 4900, 0.5, 4.0, 0.04550026389635857},
		{1050, 8950, 0.1, 2.7777777777777777, 0.09558070454562936},
		{10, 30, 0.2, 0.625, 0.42919530044034926},
		{50000, 51000, 0.5, 9.900990099009901, 0.001651898732357361},
		{3, 0, 0.5, 3.0, 0.08326451666355042},
		{0, 7, 0.3, 3.0000000000000004, 0.0832645166635504},
	}
	for _, c := range cases {
		stat, p, ok := SampleRatio(c.alpha, c.prod, c.share)
		name := fmt.Sprintf("SampleRatio(%d, %d, %g)", c.alpha, c.prod, c.share)
		if !ok {
			t.Errorf("%s: not ok", name)
			continue
		}
		checkNear(t, name+" stat", stat, c.stat, 1e-12)
		checkNear(t, name+" p", p, c.p, 1e-11)
	}
	for _, c := range []struct {
		a, p  int
		share float64
	}{{0, 0, 0.5}, {5, 5, 0}, {5, 5, 1}, {5, 5, -0.2}, {5, 5, math.NaN()}, {-1, 5, 0.5}} {
		if _, _, ok := SampleRatio(c.a, c.p, c.share); ok {
			t.Errorf("SampleRatio(%d, %d, %g) is ok, want untestable", c.a, c.p, c.share)
		}
	}
}

func TestSplitCheck(t *testing.T) {
	t.Parallel()
	// 5100/4900 at 50%: chi-square 4, p 0.0455 (above) — no SRM; the
	// observed 0.51 has Wilson interval 0.5002..0.5198, which misses 0.5.
	s := splitCheck(5100, 4900, 3, 0.5)
	if s.SRM || s.PValue == nil || !near(*s.PValue, 0.04550026389635857, 1e-11) || s.UnknownArm != 3 {
		t.Errorf("splitCheck(5100, 4900) = %+v", *s)
	}
	if s.WithinInterval || !near(s.ObservedAlphaShare, 0.51, 1e-15) {
		t.Errorf("0.5 should fall outside the interval (%g, %g) of 0.51", s.ShareLo, s.ShareHi)
	}
	// 50000/51000: p = 0.00165 is still no SRM; 50000/52000 is.
	if s := splitCheck(50000, 51000, 0, 0.5); s.SRM {
		t.Errorf("p %g flagged as SRM", *s.PValue)
	}
	if s := splitCheck(50000, 52000, 0, 0.5); !s.SRM || *s.PValue >= SRMThreshold {
		t.Errorf("50000/52000 not flagged: %+v", *s)
	}
	// An untestable share keeps the counts and drops the test.
	if s := splitCheck(10, 10, 0, math.NaN()); s.PValue != nil || s.ChiSquare != nil || s.SRM || s.ExpectedAlphaShare != 0 || s.WithinInterval {
		t.Errorf("splitCheck with NaN share = %+v", *s)
	}
}
