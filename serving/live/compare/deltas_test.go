package compare

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestScoreDeltaSmall(t *testing.T) {
	t.Parallel()
	// d = 1,2,-2,3,0,0,4,-1,1,5 by hand: mean 1.3, Σ(d-mean)² = 44.1, so
	// sd = √4.9 and t = 1.3/(√4.9/√10) = 13/7 on 9 dof; p and the
	// Wilcoxon figures are scipy.stats.ttest_1samp(d, 0) and
	// scipy.stats.wilcoxon(d, method="approx") (statistic 6.5 = W-,
	// zstatistic -1.62028..., ours signed by W+ > W-).
	d := []float64{1, 2, -2, 3, 0, 0, 4, -1, 1, 5}
	s := scoreDelta(slices.Clone(d))
	if s == nil || s.TTest == nil || s.Wilcoxon == nil {
		t.Fatalf("scoreDelta = %+v", s)
	}
	checkNear(t, "mean", s.Mean, 1.3, 1e-15)
	checkNear(t, "mean_abs", s.MeanAbs, 1.9, 1e-15)
	checkNear(t, "sd", s.SD, 2.2135943621178655, 1e-15)
	checkNear(t, "t", s.TTest.T, 13.0/7, 1e-14)
	checkNear(t, "t p", s.TTest.P, 0.09625036251160324, 1e-12)
	if s.TTest.DOF != 9 || s.P50 != 1 || s.P95 != 5 {
		t.Errorf("dof %d p50 %g p95 %g, want 9, 1, 5", s.TTest.DOF, s.P50, s.P95)
	}
	w := s.Wilcoxon
	if w.N != 8 || w.WMinus != 6.5 || w.WPlus != 29.5 {
		t.Errorf("wilcoxon n %d W+ %g W- %g, want 8, 29.5, 6.5", w.N, w.WPlus, w.WMinus)
	}
	checkNear(t, "wilcoxon z", w.Z, 1.620280893455598, 1e-12)
	checkNear(t, "wilcoxon p", w.P, 0.1051719513086604, 1e-12)

	// A second sample without ties or zeros, alpha mostly lower.
	s = scoreDelta([]float64{-0.5, 0.25, -0.75, -1.0, -0.25})
	checkNear(t, "t", s.TTest.T, -2.092457497388747, 1e-12)
	checkNear(t, "t p", s.TTest.P, 0.10453999977837539, 1e-12)
	checkNear(t, "wilcoxon z", s.Wilcoxon.Z, -1.6254851075486312, 1e-12)
	checkNear(t, "wilcoxon p", s.Wilcoxon.P, 0.10405923452892792, 1e-12)
}

func TestScoreDeltaDegenerate(t *testing.T) {
	t.Parallel()
	if s := scoreDelta(nil); s != nil {
		t.Errorf("no deltas: %+v, want nil", s)
	}
	// One delta: no t-test, but a Wilcoxon rank of one.
	if s := scoreDelta([]float64{0.5}); s == nil || s.TTest != nil || s.SD != 0 || s.Wilcoxon == nil || s.Wilcoxon.N != 1 {
		t.Errorf("one delta: %+v", s)
	}
	// Equal deltas: t is undefined even though 0.1 summed in floating
	// point leaves the mean a hair off 0.1 and the sd a hair above 0.
	eq := make([]float64, 1000)
	for i := range eq {
		eq[i] = 0.1
	}
	if s := scoreDelta(eq); s == nil || s.TTest != nil || s.Wilcoxon == nil {
		t.Errorf("equal deltas: %+v, want no t-test", s)
	}
	// All zero: nothing to rank either.
	if s := scoreDelta(make([]float64, 10)); s == nil || s.TTest != nil || s.Wilcoxon != nil || s.Mean != 0 {
		t.Errorf("zero deltas: %+v", s)
	}
	// Deltas whose sum overflows cannot be described.
	if s := scoreDelta([]float64{1.5e308, 1.5e308, 1e308}); s != nil {
		t.Errorf("overflowing deltas: %+v, want nil", s)
	}
}

func TestByMagnitude(t *testing.T) {
	t.Parallel()
	abs, pos := byMagnitude([]float64{-3, -1, 0, 0, 0.5, 1, 2, 4})
	wantAbs := []float64{0.5, 1, 1, 2, 3, 4}
	if !slices.Equal(abs, wantAbs) {
		t.Fatalf("abs = %v, want %v", abs, wantAbs)
	}
	// |1| is tied between -1 and +1; either order ranks the same.
	if !pos[0] || pos[1] == pos[2] || !pos[3] || pos[4] || !pos[5] {
		t.Errorf("signs = %v", pos)
	}
	if a, _ := byMagnitude([]float64{0, 0}); len(a) != 0 {
		t.Errorf("zeros kept: %v", a)
	}
}

func TestNearestRank(t *testing.T) {
	t.Parallel()
	// The nearest-rank example of Wikipedia's "Percentile" article:
	// 15, 20, 35, 40, 50 has 5th 15, 30th 20, 40th 20, 50th 35, 100th 50.
	v := []int64{15, 20, 35, 40, 50}
	for _, c := range []struct {
		pct  int
		want int64
	}{{5, 15}, {30, 20}, {40, 20}, {50, 35}, {95, 50}, {100, 50}, {0, 15}} {
		if got := nearestRank(v, c.pct); got != c.want {
			t.Errorf("nearestRank(%d) = %d, want %d", c.pct, got, c.want)
		}
	}
	// 95% of 100 values is exactly the 95th, with no float rounding.
	h := make([]int64, 100)
	for i := range h {
		h[i] = int64(i + 1)
	}
	if p95, p99 := nearestRank(h, 95), nearestRank(h, 99); p95 != 95 || p99 != 99 {
		t.Errorf("p95, p99 of 1..100 = %d, %d", p95, p99)
	}
}

func TestPercentilesMatchSort(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	inputs := map[string][]int64{"one": {42}, "two": {9, 3}}
	for _, n := range []int{3, 10, 101, 1000, 5000} {
		random, dups, sorted, reversed, equal := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		for i := range n {
			random[i], dups[i] = rng.Int64(), rng.Int64N(4)
			sorted[i], reversed[i], equal[i] = int64(i), int64(n-i), 7
		}
		for name, v := range map[string][]int64{"random": random, "dups": dups, "sorted": sorted, "reversed": reversed, "equal": equal} {
			inputs[fmt.Sprintf("%s/%d", name, n)] = v
		}
	}
	pcts := []int{1, 50, 95, 99, 100}
	for name, v := range inputs {
		want := slices.Sorted(slices.Values(v))
		got := percentiles(slices.Clone(v), pcts...)
		for i, p := range pcts {
			if got[i] != nearestRank(want, p) {
				t.Errorf("%s: p%d = %d, want %d", name, p, got[i], nearestRank(want, p))
			}
		}
	}
}

func TestSelectKthOrganPipe(t *testing.T) {
	t.Parallel()
	// A shape built to defeat median-of-three pivots still selects
	// correctly (the depth limit falls back to sorting).
	n := 4096
	v := make([]int, n)
	for i := range v {
		v[i] = min(i, n-1-i)
	}
	want := slices.Sorted(slices.Values(v))
	for _, k := range []int{0, n / 2, n - 1} {
		w := slices.Clone(v)
		selectKth(w, k)
		if w[k] != want[k] {
			t.Errorf("k=%d: %d, want %d", k, w[k], want[k])
		}
	}
}
