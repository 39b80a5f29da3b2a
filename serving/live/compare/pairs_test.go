package compare

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

func cls(c string) Answer { return Answer{Class: c, HasClass: true, LatencyUS: 100} }

func TestComparePairsEmpty(t *testing.T) {
	t.Parallel()
	for _, pairs := range [][]Pair{nil, {}} {
		r := ComparePairs(pairs)
		if r.Mode != ModeShadow || r.Requests != 0 || r.Agreement != nil || r.Confusion != nil || r.ScoreDelta != nil ||
			r.ProbShift != nil || r.Feedback != nil || r.Split != nil || r.LatencyRatio != nil || r.Alpha.Latency != nil {
			t.Errorf("empty input: %+v", r)
		}
		mustJSON(t, r)
	}
}

func TestComparePairsCounts(t *testing.T) {
	t.Parallel()
	cached := cls("a")
	cached.CacheHit, cached.LatencyUS = true, 1
	pairs := []Pair{
		{Prod: cls("a"), Alpha: cls("a")},
		{Prod: cls("a"), Alpha: Answer{Missing: true, Err: true, LatencyUS: 5}}, // Missing outranks Err
		{Prod: cls("b"), Alpha: Answer{Err: true, LatencyUS: 7}},
		{Prod: cached, Alpha: cls("b")},
		{Prod: Answer{Missing: true}, Alpha: cls("b")},
	}
	r := ComparePairs(pairs)
	p, a := r.Production, r.Alpha
	if p.Requests != 5 || p.Answered != 4 || p.Missing != 1 || p.Errors != 0 || p.CacheHits != 1 {
		t.Errorf("production counts %+v", p)
	}
	if a.Requests != 5 || a.Answered != 3 || a.Missing != 1 || a.Errors != 1 || a.CacheHits != 0 {
		t.Errorf("alpha counts %+v", a)
	}
	checkNear(t, "alpha error rate", a.ErrorRate, 0.25, 1e-15)
	checkNear(t, "alpha missing rate", a.MissingRate, 0.2, 1e-15)
	// Latency leaves out the cache hit (1 µs), the error and the drop.
	if p.Latency == nil || p.Latency.N != 3 || p.Latency.P50 != 100 || a.Latency.N != 3 {
		t.Errorf("latency %+v / %+v", p.Latency, a.Latency)
	}
	// Agreement counts the two pairs where both answered with a class.
	if g := r.Agreement; g == nil || g.N != 2 || g.Agree != 1 || g.Rate != 0.5 {
		t.Errorf("agreement %+v", r.Agreement)
	}
	if fmt.Sprint(r.Confusion.Classes, r.Confusion.Counts) != "[a b] [[1 1] [0 0]]" {
		t.Errorf("confusion %+v", *r.Confusion)
	}
	if p.Classes["a"] != 3 || p.Classes["b"] != 1 || a.Classes["b"] != 2 {
		t.Errorf("class distributions %v / %v", p.Classes, a.Classes)
	}
}

// TestComparePairsNeverNaN feeds every value that could turn into NaN or
// an infinity and checks the report still encodes.
func TestComparePairsNeverNaN(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	score := func(v float64) Answer { return Answer{Score: v, HasScore: true, LatencyUS: -5} }
	probs := func(p ...float64) Answer { return Answer{Probs: p, LatencyUS: -1} }
	pairs := []Pair{
		{Prod: score(nan), Alpha: score(1)},
		{Prod: score(1), Alpha: score(inf)},
		{Prod: score(-1.7e308), Alpha: score(1.7e308)}, // the delta overflows
		{Prod: probs(nan, 1), Alpha: probs(0.5, 0.5)},
		{Prod: probs(1), Alpha: probs(0.5, 0.5)},
		{Prod: score(0), Alpha: score(0), Label: &Label{Value: nan, HasValue: true}},
		{Prod: score(0), Alpha: score(0), Label: &Label{Value: inf, HasValue: true}},
	}
	r := ComparePairs(pairs)
	if r.ScoreDelta == nil || r.ScoreDelta.N != 2 || r.ProbShift != nil {
		t.Errorf("only the two 0/0 pairs have a usable delta: %+v, %+v", r.ScoreDelta, r.ProbShift)
	}
	if r.Feedback == nil || r.Feedback.Labeled != 2 || r.Feedback.Regression != nil {
		t.Errorf("non-finite labels must be left out: %+v", r.Feedback)
	}
	if r.Production.Latency != nil {
		t.Errorf("negative latencies must be left out: %+v", r.Production.Latency)
	}
	mustJSON(t, r)
}

func TestComparePairsManyClasses(t *testing.T) {
	t.Parallel()
	n := max(MaxClasses, MaxConfusionClasses) + 5
	pairs := make([]Pair, 0, n+3)
	for i := range n {
		c := fmt.Sprintf("c%04d", i)
		pairs = append(pairs, Pair{Prod: cls(c), Alpha: cls(c)})
	}
	for range 3 { // c0000 becomes the most frequent class
		pairs = append(pairs, Pair{Prod: cls("c0000"), Alpha: cls("c0000")})
	}
	r := ComparePairs(pairs)
	if c := r.Confusion; !c.Omitted || c.ClassCount != n || c.Classes != nil || c.Counts != nil {
		t.Errorf("confusion over %d classes: %+v", n, *c)
	}
	p := r.Production
	if len(p.Classes) != MaxClasses || p.Classes["c0000"] != 4 || p.OtherClasses != n-MaxClasses {
		t.Errorf("class distribution kept %d, other %d", len(p.Classes), p.OtherClasses)
	}
	if _, kept := p.Classes[fmt.Sprintf("c%04d", n-1)]; kept {
		t.Error("ties are broken by name: the last class should be left out")
	}
}

func TestComparePairsFeedback(t *testing.T) {
	t.Parallel()
	lab := func(c string) *Label { return &Label{Class: c, HasClass: true} }
	var pairs []Pair
	add := func(n int, prod, alpha, truth string) {
		for range n {
			pairs = append(pairs, Pair{Prod: cls(prod), Alpha: cls(alpha), Label: lab(truth)})
		}
	}
	add(10, "y", "y", "y") // both right
	add(3, "y", "n", "y")  // only production: b
	add(9, "n", "y", "y")  // only alpha: c
	add(2, "n", "n", "y")  // both wrong
	// A labeled pair alpha failed on is left out of accuracy, not wrong.
	pairs = append(pairs, Pair{Prod: cls("y"), Alpha: Answer{Err: true}, Label: lab("y")})
	c := ComparePairs(pairs).Feedback.Classification
	if c.Production.N != 24 || c.Production.Correct != 13 || c.Alpha.Correct != 19 {
		t.Errorf("accuracy %+v / %+v", *c.Production, *c.Alpha)
	}
	checkNear(t, "accuracy delta", *c.AccuracyDelta, 6.0/24, 1e-15)
	// b=3, c=9: exact, p = scipy.stats.binomtest(3, 12).pvalue.
	if m := c.McNemar; m.B != 3 || m.C != 9 || !m.Exact || m.Statistic != 3 || !near(m.P, 0.14599609375, 1e-12) {
		t.Errorf("mcnemar %+v", *m)
	}
}

func TestLatencyRatio(t *testing.T) {
	t.Parallel()
	zero := &Latency{N: 1}
	some := &Latency{N: 1, P50: 100, P99: 300}
	if latencyRatio(zero, some) != nil || latencyRatio(nil, some) != nil || latencyRatio(some, nil) != nil {
		t.Error("ratios over zero or missing latencies must be nil")
	}
	r := latencyRatio(some, &Latency{N: 1, P50: 150, P99: 150})
	if *r.P50 != 1.5 || *r.P99 != 0.5 {
		t.Errorf("ratio %v %v", *r.P50, *r.P99)
	}
	if r := latencyRatio(&Latency{N: 1, P99: 10}, some); r.P50 != nil || *r.P99 != 30 {
		t.Errorf("p50 over 0 should be nil alone: %+v", r)
	}
}

// mustJSON encodes r and fails on NaN or infinities (which encoding/json
// refuses) and on the literal words, should a custom encoder appear.
func mustJSON(t *testing.T, r Report) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("report does not encode: %v", err)
	}
	if s := string(b); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
		t.Fatalf("report holds NaN/Inf: %s", s)
	}
	return string(b)
}
