package compare

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"testing"
)

// The golden files hold seeded inputs and the reports numpy, SciPy and
// scikit-learn compute for them (testdata/golden.py, which restates the
// semantics independently of this package). Short JSON keys keep them
// small: c class, s score, p probabilities, l latency, e error, h cache
// hit, m missing, v label value.

type goldenAnswer struct {
	C *string   `json:"c"`
	S *float64  `json:"s"`
	P []float64 `json:"p"`
	L int64     `json:"l"`
	E bool      `json:"e"`
	H bool      `json:"h"`
	M bool      `json:"m"`
}

func (g goldenAnswer) answer() Answer {
	a := Answer{Probs: g.P, LatencyUS: g.L, Err: g.E, CacheHit: g.H, Missing: g.M}
	if g.C != nil {
		a.Class, a.HasClass = *g.C, true
	}
	if g.S != nil {
		a.Score, a.HasScore = *g.S, true
	}
	return a
}

type goldenLabel struct {
	C *string  `json:"c"`
	V *float64 `json:"v"`
}

func (g *goldenLabel) label() *Label {
	if g == nil {
		return nil
	}
	l := &Label{}
	if g.C != nil {
		l.Class, l.HasClass = *g.C, true
	}
	if g.V != nil {
		l.Value, l.HasValue = *g.V, true
	}
	return l
}

func readGolden(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestComparePairsGolden(t *testing.T) {
	t.Parallel()
	var g struct {
		Pairs []struct {
			ID    string       `json:"id"`
			Prod  goldenAnswer `json:"prod"`
			Alpha goldenAnswer `json:"alpha"`
			Label *goldenLabel `json:"label"`
		} `json:"pairs"`
		Expected any `json:"expected"`
	}
	readGolden(t, "shadow.json", &g)
	pairs := make([]Pair, len(g.Pairs))
	for i, p := range g.Pairs {
		pairs[i] = Pair{RequestID: p.ID, Prod: p.Prod.answer(), Alpha: p.Alpha.answer(), Label: p.Label.label()}
	}
	compareJSON(t, ComparePairs(pairs), g.Expected)
}

func TestCompareSplitGolden(t *testing.T) {
	t.Parallel()
	var g struct {
		AlphaShare float64 `json:"alpha_share"`
		Singles    []struct {
			Arm   string       `json:"arm"`
			A     goldenAnswer `json:"a"`
			Label *goldenLabel `json:"label"`
		} `json:"singles"`
		Expected any `json:"expected"`
	}
	readGolden(t, "split.json", &g)
	singles := make([]Single, len(g.Singles))
	for i, s := range g.Singles {
		singles[i] = Single{Arm: s.Arm, Answer: s.A.answer(), Label: s.Label.label()}
	}
	compareJSON(t, CompareSplit(singles, g.AlphaShare), g.Expected)
}

// compareJSON encodes the report and checks it against want key by key:
// the same keys at every level and numbers within 1e-9 relative (1e-15
// absolute near 0), so tiny p-values are checked too.
func compareJSON(t *testing.T, r Report, want any) {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("encode report: %v", err)
	}
	var got any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, d := range diffJSON("report", got, want) {
		t.Error(d)
	}
}

func diffJSON(path string, got, want any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %T, want an object", path, got)}
		}
		var diffs []string
		for _, k := range slices.Sorted(maps.Keys(w)) {
			if _, ok := g[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: missing", path, k))
				continue
			}
			diffs = append(diffs, diffJSON(path+"."+k, g[k], w[k])...)
		}
		for _, k := range slices.Sorted(maps.Keys(g)) {
			if _, ok := w[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: unexpected (%v)", path, k, g[k]))
			}
		}
		return diffs
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: got %v, want %v", path, got, want)}
		}
		var diffs []string
		for i := range w {
			diffs = append(diffs, diffJSON(fmt.Sprintf("%s[%d]", path, i), g[i], w[i])...)
		}
		return diffs
	case float64:
		g, ok := got.(float64)
		if !ok || math.Abs(g-w) > math.Max(1e-9*math.Abs(w), 1e-15) {
			return []string{fmt.Sprintf("%s: got %v, want %v", path, got, want)}
		}
		return nil
	}
	if got != want {
		return []string{fmt.Sprintf("%s: got %v, want %v", path, got, want)}
	}
	return nil
}
