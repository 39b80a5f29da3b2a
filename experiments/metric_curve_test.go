package experiments

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paddockml/paddock/errs"
)

// referenceM4 is M4 written the plain way, over the whole history:
// group the points by column (step >> shift for the smallest shift that
// fits the columns asked for, found by trying), keep a column of up to
// four points whole, else its first, first smallest, first largest and
// last point, in order, each once.
func referenceM4(points []Metric, columns int) ([]int64, []float64) {
	if len(points) == 0 {
		return nil, nil
	}
	lo, hi := points[0].Step, points[len(points)-1].Step
	shift := uint(63)
	for s := range uint(63) {
		if new(big.Int).Sub(big.NewInt(hi>>s), big.NewInt(lo>>s)).Cmp(big.NewInt(int64(columns))) < 0 {
			shift = s
			break
		}
	}
	var groups [][]Metric
	for i, p := range points {
		if i == 0 || p.Step>>shift != points[i-1].Step>>shift {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], p)
	}
	var steps []int64
	var values []float64
	for _, g := range groups {
		keep := []int{}
		if len(g) <= 4 {
			for i := range g {
				keep = append(keep, i)
			}
		} else {
			low, high := -1, -1
			for i, p := range g {
				if math.IsNaN(p.Value) {
					continue
				}
				if low < 0 || p.Value < g[low].Value {
					low = i
				}
				if high < 0 || p.Value > g[high].Value {
					high = i
				}
			}
			keep = append(keep, 0, len(g)-1)
			if low >= 0 {
				keep = append(keep, low, high)
			}
			slices.Sort(keep)
			keep = slices.Compact(keep)
		}
		for _, i := range keep {
			steps = append(steps, g[i].Step)
			values = append(values, g[i].Value)
		}
	}
	return steps, values
}

// sameCurve checks a curve against the reference reduction of a history.
func sameCurve(t *testing.T, what string, c Curve, full []Metric, columns int) {
	t.Helper()
	wantSteps, wantValues := referenceM4(full, columns)
	if c.Points != len(full) || len(c.Steps) != len(c.Values) || !slices.Equal(c.Steps, wantSteps) {
		t.Fatalf("%s: %d points of %d, steps %v\nwant %v", what, len(c.Steps), c.Points, c.Steps, wantSteps)
	}
	for i := range wantValues {
		if math.Float64bits(c.Values[i]) != math.Float64bits(wantValues[i]) {
			t.Fatalf("%s: value %d = %v, want %v", what, i, c.Values[i], wantValues[i])
		}
	}
}

func history(t *testing.T, svc *Service, id, key string) []Metric {
	t.Helper()
	h, err := svc.MetricHistory(context.Background(), id, key, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	return h.Metrics
}

// logCurve logs n points of "loss" in batches of 500, in step order or
// shuffled across the batches, with NaN and exact repeats among them.
func logCurve(t *testing.T, svc *Service, n int, shuffled bool) string {
	t.Helper()
	ctx := context.Background()
	run, err := svc.CreateRun(ctx, CreateRunRequest{ExperimentID: 0})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	points := make([]Metric, 0, n)
	for i := range n {
		v := math.Sin(float64(i)/50) + rng.Float64()
		if i%97 == 0 {
			v = math.NaN()
		}
		points = append(points, Metric{Key: "loss", Step: int64(i), Timestamp: 1, Value: v})
		if i%101 == 0 {
			points = append(points, points[len(points)-1])
		}
	}
	if shuffled {
		rng.Shuffle(len(points), func(i, j int) { points[i], points[j] = points[j], points[i] })
	}
	for len(points) > 0 {
		k := min(500, len(points))
		if err := svc.LogBatch(ctx, run.Info.RunID, Batch{Metrics: slices.Clone(points[:k])}); err != nil {
			t.Fatal(err)
		}
		points = points[k:]
	}
	return run.Info.RunID
}

// A long history, logged in order or not, comes back as exactly the M4
// reduction of its full history: at most four points per column, in
// step order, with the extremes of every column, between columns/2 and
// columns columns.
func TestMetricCurveIsTheM4OfTheHistory(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	for _, shuffled := range []bool{false, true} {
		id := logCurve(t, svc, 6000, shuffled)
		const columns = 100
		c, err := svc.MetricCurve(ctx, id, "loss", columns)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Reduced || len(c.Steps) > 4*columns || len(c.Steps) < 4*columns/2*3/4 {
			t.Fatalf("shuffled=%v: reduced %v, %d points kept", shuffled, c.Reduced, len(c.Steps))
		}
		sameCurve(t, fmt.Sprintf("shuffled=%v", shuffled), c, history(t, svc, id, "loss"), columns)
	}
}

// Read in parts side by side, a history gives the same curve as read in
// one: no column is lost, split or read twice at a cut.
func TestMetricCurvePartsAgree(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	run, err := svc.CreateRun(ctx, CreateRunRequest{ExperimentID: 0})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	step := int64(-500)
	for range 150 { // 150 blocks in step order, with gaps and repeats
		var b []Metric
		for range 1 + rng.IntN(40) {
			step += int64(rng.IntN(3))
			b = append(b, Metric{Key: "acc", Step: step, Timestamp: int64(rng.IntN(2)), Value: rng.NormFloat64()})
		}
		step++
		if err := svc.LogBatch(ctx, run.Info.RunID, Batch{Metrics: b}); err != nil {
			t.Fatal(err)
		}
	}
	full := history(t, svc, run.Info.RunID, "acc")
	pk, _ := svc.runPK(ctx, run.Info.RunID)
	l, err := svc.blockLayout(ctx, pk, "acc")
	if err != nil || !l.ordered || l.blocks != 150 {
		t.Fatalf("layout %+v, %v", l, err)
	}
	for _, columns := range []int{7, 64, 333} {
		for _, n := range []int{1, 2, 3, 4, 7} {
			st := &curveState{pk: pk, columns: columns}
			st.r = reducer{shift: curveShift(l.lo, l.hi, columns)}
			if err := svc.readInParts(ctx, pk, "acc", &st.r, l, n); err != nil {
				t.Fatal(err)
			}
			sameCurve(t, fmt.Sprintf("%d columns in %d parts", columns, n), st.curve("acc"), full, columns)
		}
	}
}

// A curve brought up to date after more points were logged is the curve
// read afresh, whether the new points extend the columns or outgrow them
// (and the columns merge), and whether they come after it or not.
func TestUpdateCurveEqualsReadingAgain(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	run, err := svc.CreateRun(ctx, CreateRunRequest{ExperimentID: 0})
	if err != nil {
		t.Fatal(err)
	}
	id := run.Info.RunID
	rng := rand.New(rand.NewPCG(9, 9))
	step := int64(0)
	logSteps := func(n int, from int64) {
		var b []Metric
		for i := range n {
			v := rng.NormFloat64()
			if i%31 == 0 {
				v = math.NaN()
			}
			b = append(b, Metric{Key: "loss", Step: from + int64(i), Timestamp: 1, Value: v})
		}
		if err := svc.LogBatch(ctx, id, Batch{Metrics: b}); err != nil {
			t.Fatal(err)
		}
		step = max(step, from+int64(n))
	}
	logSteps(1000, 0)
	const columns = 50
	c, err := svc.MetricCurve(ctx, id, "loss", columns)
	if err != nil {
		t.Fatal(err)
	}
	same, err := svc.UpdateCurve(ctx, c)
	if err != nil || same.state != c.state {
		t.Fatalf("nothing logged: a new curve (%v)", err)
	}
	for _, tc := range []struct {
		what string
		log  func()
		how  string // "extended", "read whole" or "kept"
		grew bool   // the columns merged
	}{
		{"a few steps after", func() { logSteps(10, step) }, "extended", false},
		{"steps that outgrow the columns", func() { logSteps(1000, step+500); logSteps(1000, step); logSteps(900, step+2000) }, "extended", true},
		{"two batches after", func() { logSteps(5, step); logSteps(7, step+1) }, "extended", false},
		{"a step among the old ones", func() { logSteps(1, 17) }, "read whole", false},
		{"another metric", func() { svc.LogMetric(ctx, id, Metric{Key: "acc", Value: 1, Timestamp: 1}) }, "kept", false},
		{"a block gone and one logged after", func() {
			if _, err := svc.db.Write.ExecContext(ctx, `DELETE FROM metric_blocks WHERE block_id = (SELECT block_id FROM metric_blocks
				WHERE key = 'loss' ORDER BY first_step LIMIT 1 OFFSET 2)`); err != nil {
				t.Fatal(err)
			}
			logSteps(3, step)
		}, "read whole", false},
	} {
		old := slices.Clone(c.Steps)
		tc.log()
		next, err := svc.UpdateCurve(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		sameCurve(t, tc.what, next, history(t, svc, id, "loss"), columns)
		if !slices.Equal(c.Steps, old) {
			t.Fatalf("%s: the previous curve changed", tc.what)
		}
		how := map[bool]string{true: "read whole", false: "extended"}[next.state.whole]
		if next.state == c.state {
			how = "kept"
		}
		if how != tc.how {
			t.Fatalf("%s: the curve was %s, want %s", tc.what, how, tc.how)
		}
		if grew := next.state.r.shift > c.state.r.shift; grew != tc.grew {
			t.Fatalf("%s: columns %d → %d steps wide", tc.what, 1<<c.state.r.shift, 1<<next.state.r.shift)
		}
		c = next
	}
}

// Steps at the ends of int64, and fewer steps than columns, neither
// overflow the cut nor lose a point.
func TestMetricCurveEdgeSteps(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	for name, batches := range map[string][][]int64{
		"extremes": {{math.MinInt64, math.MinInt64 + 1, -5}, {0, 3}, {math.MaxInt64 - 1, math.MaxInt64}},
		"narrow":   {{0, 1, 2, 3, 4}, {5, 6, 7, 8, 9}},
		"top":      {{math.MaxInt64 - 5000, math.MaxInt64 - 2000}, {math.MaxInt64 - 5, math.MaxInt64 - 1, math.MaxInt64}},
		"negative": {{-3000, -2000, -1000}, {-999, -1}},
	} {
		run, err := svc.CreateRun(ctx, CreateRunRequest{ExperimentID: 0})
		if err != nil {
			t.Fatal(err)
		}
		for _, steps := range batches {
			var b []Metric
			for _, st := range steps {
				b = append(b, Metric{Key: "m", Step: st, Timestamp: 1, Value: float64(st % 7)})
			}
			if err := svc.LogBatch(ctx, run.Info.RunID, Batch{Metrics: b}); err != nil {
				t.Fatal(err)
			}
		}
		full := history(t, svc, run.Info.RunID, "m")
		pk, _ := svc.runPK(ctx, run.Info.RunID)
		l, err := svc.blockLayout(ctx, pk, "m")
		if err != nil {
			t.Fatal(err)
		}
		for _, columns := range []int{2, 3, 5, 600, MaxCurveColumns} {
			for n := 1; n <= 4; n++ {
				st := &curveState{pk: pk, columns: columns}
				st.r = reducer{shift: curveShift(l.lo, l.hi, columns)}
				if err := svc.readInParts(ctx, pk, "m", &st.r, l, n); err != nil {
					t.Fatal(err)
				}
				sameCurve(t, fmt.Sprintf("%s, %d columns in %d parts", name, columns, n), st.curve("m"), full, columns)
			}
		}
	}
}

// A short history comes back whole; bad arguments are refused.
func TestMetricCurveShortAndInvalid(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	id := logCurve(t, svc, 300, true)
	full, err := svc.MetricHistory(ctx, id, "loss", 0, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.MetricCurve(ctx, id, "loss", 100)
	if err != nil {
		t.Fatal(err)
	}
	if c.Reduced || len(c.Steps) != len(full.Metrics) {
		t.Fatalf("short history: reduced %v, %d points, want all %d", c.Reduced, len(c.Steps), len(full.Metrics))
	}
	for i, m := range full.Metrics {
		if c.Steps[i] != m.Step || math.Float64bits(c.Values[i]) != math.Float64bits(m.Value) {
			t.Fatalf("point %d = (%d, %v), want (%d, %v)", i, c.Steps[i], c.Values[i], m.Step, m.Value)
		}
	}
	if c, err := svc.MetricCurve(ctx, id, "nothing", 100); err != nil || c.Points != 0 || len(c.Steps) != 0 {
		t.Errorf("a metric never logged: %+v, %v", c, err)
	}
	for _, b := range []int{1, 0, -1, MaxCurveColumns + 1} {
		if _, err := svc.MetricCurve(ctx, id, "loss", b); !errs.Is(err, errs.Invalid) {
			t.Errorf("%d columns: %v, want invalid", b, err)
		}
	}
	if _, err := svc.UpdateCurve(ctx, Curve{Key: "loss"}); !errs.Is(err, errs.Invalid) {
		t.Errorf("a curve not from MetricCurve: %v, want invalid", err)
	}
	if _, err := svc.MetricCurve(ctx, "0123456789abcdef0123456789abcdef", "loss", 10); !errs.Is(err, errs.NotFound) {
		t.Errorf("unknown run: %v, want not found", err)
	}
}

// Stats count active runs only and give the latest start.
func TestExperimentStats(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	exp, err := svc.CreateExperiment(ctx, "stats", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 4 {
		st := int64(1000 + i)
		r, err := svc.CreateRun(ctx, CreateRunRequest{ExperimentID: exp, StartTime: &st})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.Info.RunID)
	}
	if err := svc.DeleteRun(ctx, ids[3]); err != nil {
		t.Fatal(err)
	}
	stats, err := svc.ExperimentStats(ctx, []int64{0, exp, 99})
	if err != nil {
		t.Fatal(err)
	}
	if got := stats[exp]; got.Runs != 3 || got.LastRunStart != 1002 {
		t.Errorf("stats %+v, want 3 runs, last start 1002", got)
	}
	if _, ok := stats[0]; ok {
		t.Errorf("an experiment without runs has stats %+v", stats[0])
	}
	if _, err := svc.ExperimentStats(ctx, make([]int64, MaxStatsExperiments+1)); !errs.Is(err, errs.Invalid) {
		t.Errorf("too many experiments: %v", err)
	}
}
