package serving

import (
	"sync"
	"testing"
	"time"

	"github.com/paddockml/paddock/flavor"
)

// classifierResult is a one-row answer of a three-class classifier that
// gives probabilities, as scikit-learn's do.
func classifierResult(latency time.Duration, best int) *Result {
	probs := []float64{0.1, 0.1, 0.1}
	probs[best] = 0.8
	sig := &flavor.Signature{Task: flavor.TaskClassification, Classes: []string{"setosa", "versicolor", "virginica"}}
	return &Result{Signature: sig, Latency: latency, Rows: 1, Outputs: []flavor.Tensor{
		{Name: flavor.OutputPredictions, DType: flavor.String, Shape: []int{1}, Str: []string{sig.Classes[best]}},
		{Name: flavor.OutputProbabilities, DType: flavor.Float64, Shape: []int{1, 3}, F64: probs},
	}}
}

// at is a time inside bucket n of the Unix epoch (n buckets of 10 s).
func at(n int64) time.Time { return time.Unix(0, n*int64(TimelineWidth)+int64(3*time.Second)) }

// bucketAt reads the bucket holding instant t of one timeline, as the
// dashboard would at time now.
func bucketAt(t *testing.T, tl *timeline, now, when time.Time) TimelineBucket {
	t.Helper()
	bs := emptyBuckets(now)
	tl.readInto(bs)
	for _, b := range bs {
		if !when.Before(b.Start) && when.Before(b.Start.Add(TimelineWidth)) {
			return b
		}
	}
	t.Fatalf("no bucket holds %v in the span before %v", when, now)
	return TimelineBucket{}
}

// Requests, failures, cache hits and rule answers land in the bucket of
// their start, each counted as what it was.
func TestTimelineCountsByKind(t *testing.T) {
	tl := newTimeline(3)
	const n = 1_000_000
	tl.record(at(n), classifierResult(2*time.Millisecond, 0))
	tl.record(at(n), classifierResult(3*time.Millisecond, 2))
	hit := classifierResult(0, 2)
	hit.CacheHit = true
	tl.record(at(n), hit)
	tl.record(at(n), &Result{Rule: "vip"})
	tl.record(at(n), &Result{Latency: time.Second}) // failed: no outputs
	tl.record(at(n+1), classifierResult(time.Millisecond, 1))

	b := bucketAt(t, tl, at(n+5), at(n))
	if b.Requests != 5 || b.Errors != 1 || b.CacheHits != 1 || b.Computed != 2 {
		t.Errorf("bucket %d: requests %d errors %d cache hits %d computed %d, want 5 1 1 2", n, b.Requests, b.Errors, b.CacheHits, b.Computed)
	}
	// Labels come from the answers with outputs, cache hits included.
	if b.LabelCounts[0] != 1 || b.LabelCounts[2] != 2 || b.LabelCounts[1] != 0 {
		t.Errorf("labels %v, want setosa 1, virginica 2", b.LabelCounts)
	}
	if next := bucketAt(t, tl, at(n+5), at(n+1)); next.Requests != 1 || next.LabelCounts[1] != 1 {
		t.Errorf("next bucket %+v", next)
	}
	if names := tl.names.Load(); names == nil || len(*names) != 3 || (*names)[2] != "virginica" {
		t.Errorf("label names %v", names)
	}
	if newTimeline(0) != nil {
		t.Error("a request without a version got a timeline")
	}
	var none *timeline
	none.record(at(n), classifierResult(time.Millisecond, 0)) // must not panic
}

// A slot is reused an hour later: the new bucket starts from zero and
// the old one is no longer reported, without any reset step.
func TestTimelineRollover(t *testing.T) {
	tl := newTimeline(1)
	const n = 2_000_000
	for range 7 {
		tl.record(at(n), classifierResult(time.Millisecond, 0))
	}
	if b := bucketAt(t, tl, at(n), at(n)); b.Requests != 7 {
		t.Fatalf("before rollover: %d requests", b.Requests)
	}
	later := int64(n + timelineSlots) // same slot, an hour on
	tl.record(at(later), classifierResult(time.Millisecond, 1))
	b := bucketAt(t, tl, at(later), at(later))
	if b.Requests != 1 || b.LabelCounts[0] != 0 || b.LabelCounts[1] != 1 || b.Computed != 1 {
		t.Errorf("after rollover: %+v, want one fresh request", b)
	}
	total := Merge(emptyBucketsRead(tl, at(later)))
	if total.Requests != 1 {
		t.Errorf("the hour ending at the new bucket holds %d requests, want 1 (the old bucket left the span)", total.Requests)
	}
	// Counters the new bucket did not touch still hold the old tag: they
	// read as zero, not as the old counts.
	if b.Errors != 0 || b.CacheHits != 0 {
		t.Errorf("stale counters read back: %+v", b)
	}
}

func emptyBucketsRead(tl *timeline, now time.Time) []TimelineBucket {
	bs := emptyBuckets(now)
	tl.readInto(bs)
	return bs
}

// Concurrent writers across two adjacent buckets lose no count (run
// with -race).
func TestTimelineConcurrentWriters(t *testing.T) {
	tl := newTimeline(1)
	const n, writers, each = 3_000_000, 8, 2000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := classifierResult(time.Duration(w+1)*time.Millisecond, w%3)
			for i := range each {
				tl.record(at(n+int64(i%2)), res)
			}
		}()
	}
	wg.Add(1)
	go func() { // a reader racing the writers
		defer wg.Done()
		for range 50 {
			emptyBucketsRead(tl, at(n+1))
		}
	}()
	wg.Wait()
	bs := emptyBucketsRead(tl, at(n+1))
	for _, b := range bs[len(bs)-2:] {
		if b.Requests != writers*each/2 || b.Computed != writers*each/2 {
			t.Errorf("bucket at %v: %d requests, %d computed, want %d", b.Start, b.Requests, b.Computed, writers*each/2)
		}
	}
	if got := Merge(bs).LabelCounts; got[0]+got[1]+got[2] != writers*each {
		t.Errorf("labels %v sum to %d, want %d", got, got[0]+got[1]+got[2], writers*each)
	}
}

// Writers racing into a slot that still holds the bucket an hour older
// start the new bucket together and lose no count (run with -race).
func TestTimelineConcurrentRollover(t *testing.T) {
	const n, writers, each = 5_000_000, 8, 500
	for round := range 20 {
		tl := newTimeline(1)
		for range 3 {
			tl.record(at(n), classifierResult(time.Millisecond, 0))
		}
		var wg sync.WaitGroup
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := classifierResult(time.Millisecond, 1)
				for range each {
					tl.record(at(n+timelineSlots), res)
				}
			}()
		}
		wg.Wait()
		b := bucketAt(t, tl, at(n+timelineSlots), at(n+timelineSlots))
		if b.Requests != writers*each || b.LabelCounts[1] != writers*each || b.LabelCounts[0] != 0 {
			t.Fatalf("round %d: %d requests, labels %v; want %d requests all of label 1", round, b.Requests, b.LabelCounts, writers*each)
		}
	}
}

// Every interleaving of two writers whose adds land on a stale value
// counts both: whichever restarts the bucket first, the other adds to it.
func TestCounterRestartInterleavings(t *testing.T) {
	const stale, fresh = 7, 8
	for _, order := range [][]string{
		{"addA", "addB", "restartA", "restartB"},
		{"addA", "addB", "restartB", "restartA"},
		{"addA", "restartA", "addB"}, // B's add lands on the fresh value
	} {
		var c counter
		c.v.Store(stale<<countBits | 41)
		for _, step := range order {
			switch step {
			case "addA", "addB":
				if c.v.Add(1)>>countBits == fresh {
					continue // the fast path: done
				}
			case "restartA", "restartB":
				c.restart(fresh, 1)
			}
		}
		if got := c.read(fresh); got != 2 || c.read(stale) != 0 {
			t.Errorf("%v: fresh count %d, want 2", order, got)
		}
	}
}

// Latency quantiles from the histogram are within a bin (a factor of
// two) of the true value, and ordered.
func TestTimelineLatencyQuantiles(t *testing.T) {
	tl := newTimeline(1)
	const n = 4_000_000
	for i := 1; i <= 1000; i++ { // 1ms .. 1000ms, uniform
		tl.record(at(n), classifierResult(time.Duration(i)*time.Millisecond, 0))
	}
	b := bucketAt(t, tl, at(n), at(n))
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.95, 950 * time.Millisecond}, {0.99, 990 * time.Millisecond}} {
		got := b.Latency(c.p)
		if got < c.want/2 || got > c.want*2 {
			t.Errorf("p%v = %v, want within a factor of 2 of %v", c.p*100, got, c.want)
		}
	}
	if !(b.Latency(0.5) <= b.Latency(0.95) && b.Latency(0.95) <= b.Latency(0.99)) {
		t.Errorf("quantiles out of order: %v %v %v", b.Latency(0.5), b.Latency(0.95), b.Latency(0.99))
	}
	if (TimelineBucket{}).Latency(0.5) != 0 {
		t.Error("an empty bucket has a latency")
	}
	if got := latencyBin(time.Hour); got != latencyBins-1 {
		t.Errorf("an hour lands in bin %d", got)
	}
	if got := latencyBin(-time.Second); got != 0 {
		t.Errorf("a negative latency lands in bin %d", got)
	}
}

// Labels are read from probabilities, else a classifier's predictions:
// strings and numbers by class name, numbers without classes by value;
// anything else (past 16 labels, unknown) is "other"; regression has
// none.
func TestTimelineLabels(t *testing.T) {
	cls := &flavor.Signature{Task: flavor.TaskClassification, Classes: []string{"3", "7", "no", "yes"}}
	bare := &flavor.Signature{Task: flavor.TaskClassification}
	cases := []struct {
		name string
		out  flavor.Tensor
		sig  *flavor.Signature
		want map[int]uint64
	}{
		{"int64 by class name", flavor.Tensor{Name: "predictions", I64: []int64{7, 7, 3, 5}}, cls, map[int]uint64{1: 2, 0: 1, TimelineLabels: 1}},
		{"float by class name", flavor.Tensor{Name: "predictions", F64: []float64{3, 7.5}}, cls, map[int]uint64{0: 1, TimelineLabels: 1}},
		{"strings", flavor.Tensor{Name: "predictions", Str: []string{"yes", "no", "maybe"}}, cls, map[int]uint64{3: 1, 2: 1, TimelineLabels: 1}},
		{"numbers without classes", flavor.Tensor{Name: "predictions", F32: []float32{0, 2, 2, 40}}, bare, map[int]uint64{0: 1, 2: 2, TimelineLabels: 1}},
		{"probabilities, 20 classes", flavor.Tensor{Name: "probabilities", Shape: []int{2, 20}, F32: probRow(20, 18, 4)}, bare, map[int]uint64{4: 1, TimelineLabels: 1}},
	}
	for _, c := range cases {
		var counts [TimelineLabels + 1]uint64
		if !countLabels([]flavor.Tensor{c.out}, c.sig, &counts) {
			t.Errorf("%s: no labels counted", c.name)
			continue
		}
		for i, got := range counts {
			if got != c.want[i] {
				t.Errorf("%s: label %d counted %d, want %d (all: %v)", c.name, i, got, c.want[i], counts)
			}
		}
	}
	var counts [TimelineLabels + 1]uint64
	reg := &flavor.Signature{Task: flavor.TaskRegression}
	if countLabels([]flavor.Tensor{{Name: "predictions", F64: []float64{1.5}}}, reg, &counts) {
		t.Error("a regression's values were counted as labels")
	}
	if countLabels([]flavor.Tensor{{Name: "probabilities", Shape: []int{1, 3}, F64: []float64{1}}}, cls, &counts) {
		t.Error("a probabilities tensor shorter than its shape was counted")
	}
}

// probRow is rows×k probabilities, row r peaking at best[r].
func probRow(k int, best ...int) []float32 {
	out := make([]float32, len(best)*k)
	for r, b := range best {
		out[r*k+b] = 1
	}
	return out
}

// BenchmarkTimelineRecord is the request path's cost of the dashboard
// timeline for a one-row classification: the bar is well under 100 ns
// and no allocation.
func BenchmarkTimelineRecord(b *testing.B) {
	tl := newTimeline(1)
	res := classifierResult(3*time.Millisecond, 1)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		tl.record(now, res)
	}
}

// BenchmarkTimelineRecordParallel is the same with every core recording
// into one bucket, the worst case for the shared counters.
func BenchmarkTimelineRecordParallel(b *testing.B) {
	tl := newTimeline(1)
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		res := classifierResult(3*time.Millisecond, 1)
		for pb.Next() {
			tl.record(now, res)
		}
	})
}

// TestTimelineRecordDoesNotAllocate guards the benchmark's promise in
// the ordinary test run, for every kind of answer.
func TestTimelineRecordDoesNotAllocate(t *testing.T) {
	tl := newTimeline(1)
	now := time.Now()
	ints := &Result{Signature: &flavor.Signature{Task: flavor.TaskClassification, Classes: []string{"0", "1"}},
		Outputs: []flavor.Tensor{{Name: "predictions", I64: []int64{1, 0, 1}}}}
	tl.record(now, ints) // the first answer with labels keeps the class names
	for _, res := range []*Result{classifierResult(time.Millisecond, 2), ints, {Rule: "r"}, {}} {
		if a := testing.AllocsPerRun(100, func() { tl.record(now, res) }); a != 0 {
			t.Errorf("record allocates %v times per request", a)
		}
	}
}

// Service.Timeline adds up a version's aliases, leaves out versions
// without traffic in the span, and names the labels by class.
func TestServiceTimelineByVersion(t *testing.T) {
	now := at(6_000_000)
	s := &Service{opts: Options{Now: func() time.Time { return now }}, metrics: newMetrics(nil)}
	ep := &endpoint{svc: s, name: "iris"}
	s.published.Store(&map[string]*endpoint{"iris": ep})
	ep.seriesFor(2, "production").timeline.record(now, classifierResult(time.Millisecond, 0))
	ep.seriesFor(2, "").timeline.record(now.Add(-time.Minute), classifierResult(time.Millisecond, 2))
	ep.seriesFor(3, "alpha").timeline.record(now.Add(-2*TimelineSpan), classifierResult(time.Millisecond, 1))
	ep.seriesFor(0, "") // failed before a version was chosen: no timeline

	got := s.Timeline("iris")
	if len(got) != 1 || got[0].Version != 2 {
		t.Fatalf("timelines %+v, want version 2 only", got)
	}
	v := got[0]
	if len(v.Aliases) != 2 || v.Aliases[0] != "" || v.Aliases[1] != "production" {
		t.Errorf("aliases %q", v.Aliases)
	}
	if len(v.Buckets) != timelineSlots || !v.Buckets[len(v.Buckets)-1].Start.Equal(now.Truncate(TimelineWidth)) {
		t.Errorf("%d buckets, last starting %v", len(v.Buckets), v.Buckets[len(v.Buckets)-1].Start)
	}
	total := Merge(v.Buckets)
	if total.Requests != 2 || total.LabelCounts[0] != 1 || total.LabelCounts[2] != 1 {
		t.Errorf("totals %+v", total)
	}
	if v.Labels[0] != "setosa" || v.Labels[2] != "virginica" || v.Labels[5] != "5" {
		t.Errorf("labels %q", v.Labels)
	}
	if len(s.Timeline("unknown")) != 0 {
		t.Error("a model without an endpoint has a timeline")
	}
}
