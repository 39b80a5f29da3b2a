package compare

import (
	"math/rand/v2"
	"testing"
)

// benchPairs builds n realistic pairs: three classes, scores, probability
// vectors, latencies, a few errors and drops, labels on a third.
func benchPairs(n int) []Pair {
	rng := rand.New(rand.NewPCG(1, 2))
	classes := []string{"churn", "stay", "unsure"}
	answer := func(c string, s float64) Answer {
		p := rng.Float64()
		return Answer{Class: c, HasClass: true, Score: s, HasScore: true,
			Probs:     []float64{p / 2, p / 2, 1 - p},
			LatencyUS: 500 + rng.Int64N(5000), Err: rng.IntN(100) == 0, CacheHit: rng.IntN(10) == 0,
			Missing: rng.IntN(200) == 0}
	}
	pairs := make([]Pair, n)
	for i := range pairs {
		c := classes[rng.IntN(3)]
		ac := c
		if rng.IntN(10) == 0 {
			ac = classes[rng.IntN(3)]
		}
		s := rng.Float64()
		pairs[i] = Pair{Prod: answer(c, s), Alpha: answer(ac, s+rng.NormFloat64()/20)}
		if i%3 == 0 {
			pairs[i].Label = &Label{Class: classes[rng.IntN(3)], HasClass: true, Value: s, HasValue: true}
		}
	}
	return pairs
}

func BenchmarkComparePairs100k(b *testing.B) {
	pairs := benchPairs(100_000)
	b.ReportAllocs()
	for b.Loop() {
		ComparePairs(pairs)
	}
}

func BenchmarkCompareSplit100k(b *testing.B) {
	pairs := benchPairs(100_000)
	singles := make([]Single, len(pairs))
	for i, p := range pairs {
		singles[i] = Single{Arm: ArmProduction, Answer: p.Prod, Label: p.Label}
		if i%5 == 0 {
			singles[i] = Single{Arm: ArmAlpha, Answer: p.Alpha, Label: p.Label}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		CompareSplit(singles, 0.2)
	}
}

// TestComparePairsLarge checks the full pipeline on the benchmark's data
// gives a sensible report, so the benchmark measures real work.
func TestComparePairsLarge(t *testing.T) {
	t.Parallel()
	r := ComparePairs(benchPairs(20_000))
	if r.Agreement == nil || r.Agreement.Rate < 0.9 || r.Agreement.Rate > 0.97 {
		t.Errorf("agreement %+v, want about 0.93", r.Agreement)
	}
	if d := r.ScoreDelta; d == nil || d.TTest == nil || d.Wilcoxon == nil || d.SD < 0.04 || d.SD > 0.06 {
		t.Errorf("score delta %+v, want sd about 0.05", r.ScoreDelta)
	}
	mustJSON(t, r)
}
