package serving

import (
	"math"
	"math/bits"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/paddockml/paddock/flavor"
)

// Timeline geometry: the dashboard's charts show the last TimelineSpan
// of each version's traffic in buckets of TimelineWidth.
const (
	// TimelineWidth is the time one bucket covers.
	TimelineWidth = 10 * time.Second
	// TimelineSpan is how far back a timeline reaches: an hour.
	TimelineSpan = timelineSlots * TimelineWidth
	// TimelineLabels is how many predicted labels a timeline counts one
	// by one; the rest are counted together as "other".
	TimelineLabels = 16
	timelineSlots  = 360
	// latencyBins are powers of two of 16µs: bin 0 holds [0, 16µs), bin
	// i holds [16µs·2^(i-1), 16µs·2^i), the last everything from 8.4 s.
	latencyBins = 21
	latencyUnit = 16 // µs
)

// A timeline counter packs the bucket it counts for (the low 20 bits of
// the bucket number, its tag) above a 44-bit count, so a bucket's slot is
// reused an hour later without a reset step or a lock: a reader ignores a
// counter whose tag is not the bucket it reads, and the first writer of a
// new bucket replaces the stale value. Two buckets share a slot and a tag
// only 15 years apart; a count cannot reach 2^44 in one bucket.
const (
	countBits = 44
	countMask = 1<<countBits - 1
	tagMask   = 1<<(64-countBits) - 1
)

type counter struct{ v atomic.Uint64 }

// add counts n in the bucket tagged tag. The common case is one atomic
// add. When that add landed on a stale value (the slot's previous
// bucket), the writer starts the new bucket's count with a
// compare-and-swap, or adds again if another writer started it first:
// adds that land on a stale value are wiped by the start, so each writer
// whose add landed there counts once more, and none is lost.
func (c *counter) add(tag, n uint64) {
	if c.v.Add(n)>>countBits != tag {
		c.restart(tag, n)
	}
}

// restart is add's slow path, after its add landed on a stale value.
func (c *counter) restart(tag, n uint64) {
	for {
		old := c.v.Load()
		next := tag<<countBits | n
		if old>>countBits == tag {
			next = old + n
		}
		if c.v.CompareAndSwap(old, next) {
			return
		}
	}
}

func (c *counter) read(tag uint64) int64 {
	v := c.v.Load()
	if v>>countBits != tag {
		return 0
	}
	return int64(v & countMask)
}

// slot is one bucket of a timeline's ring.
// Each request touches one of errors, cacheHits, rules or a latency bin
// (their sum is the request count, so none is kept) and, when it has
// labels, the label counters: two atomic adds for a one-row classifier.
type slot struct {
	errors, cacheHits, rules counter
	latency                  [latencyBins]counter
	labels                   [TimelineLabels + 1]counter
}

// timeline is one (version, alias) series' traffic over the last hour,
// recorded on the request path with atomics only: no lock and no
// allocation (BenchmarkTimelineRecord).
type timeline struct {
	slots [timelineSlots]slot
	// names are the first TimelineLabels classes of the version, set by
	// the first answer that counts a label; nil names the labels by
	// number.
	names atomic.Pointer[[]string]
}

// newTimeline returns a timeline for a resolved version; requests that
// failed before a version was chosen (version 0) have none.
func newTimeline(version int64) *timeline {
	if version <= 0 {
		return nil
	}
	return &timeline{}
}

// record counts one answered or failed request: started places it in
// its bucket, res says how it went. Rule answers count as requests only;
// a failure is a request without outputs; latency covers the answers the
// model computed (not cache hits), as the Prometheus histogram does.
func (t *timeline) record(started time.Time, res *Result) {
	if t == nil {
		return
	}
	n := uint64(started.UnixNano()) / uint64(TimelineWidth)
	tag, s := n&tagMask, &t.slots[n%timelineSlots]
	switch {
	case res.Rule != "":
		s.rules.add(tag, 1)
		return
	case res.Outputs == nil:
		s.errors.add(tag, 1)
		return
	case res.CacheHit:
		s.cacheHits.add(tag, 1)
	default:
		s.latency[latencyBin(res.Latency)].add(tag, 1)
	}
	var counts [TimelineLabels + 1]uint64
	if !countLabels(res.Outputs, res.Signature, &counts) {
		return
	}
	if t.names.Load() == nil {
		t.setNames(res.Signature)
	}
	for i, c := range counts {
		if c > 0 {
			s.labels[i].add(tag, c)
		}
	}
}

// setNames keeps a copy of the classes (not the signature, which would
// keep an unloaded version's handle alive).
func (t *timeline) setNames(sig *flavor.Signature) {
	names := []string{}
	if sig != nil {
		names = append(names, sig.Classes[:min(len(sig.Classes), TimelineLabels)]...)
	}
	t.names.CompareAndSwap(nil, &names)
}

func latencyBin(d time.Duration) int {
	us := max(d.Microseconds(), 0)
	return min(bits.Len64(uint64(us)/latencyUnit), latencyBins-1)
}

// countLabels counts each row's predicted label: the most probable class
// when the model gives probabilities, else a classifier's predicted
// class. Label i is the version's class i; counts[TimelineLabels] holds
// every other label. It reports false for a model without labels.
func countLabels(outs []flavor.Tensor, sig *flavor.Signature, counts *[TimelineLabels + 1]uint64) bool {
	var pred *flavor.Tensor
	for i := range outs {
		switch outs[i].Name {
		case flavor.OutputProbabilities:
			return probLabels(&outs[i], counts)
		case flavor.OutputPredictions:
			pred = &outs[i]
		}
	}
	if pred == nil || sig == nil || sig.Task != flavor.TaskClassification {
		return false
	}
	return predLabels(pred, sig.Classes, counts)
}

// probLabels counts the argmax of each row of a [rows, k] tensor.
func probLabels(t *flavor.Tensor, counts *[TimelineLabels + 1]uint64) bool {
	if len(t.Shape) != 2 || t.Shape[1] <= 0 {
		return false
	}
	k := t.Shape[1]
	for r := range t.Shape[0] {
		best := -1
		switch {
		case len(t.F64) >= (r+1)*k:
			best = argmaxRow(t.F64[r*k : (r+1)*k])
		case len(t.F32) >= (r+1)*k:
			best = argmaxRow(t.F32[r*k : (r+1)*k])
		}
		if best < 0 {
			return r > 0
		}
		counts[min(best, TimelineLabels)]++
	}
	return true
}

func argmaxRow[F float32 | float64](row []F) int {
	best := 0
	for i, x := range row {
		if x > row[best] {
			best = i
		}
	}
	return best
}

// predLabels counts a classifier's predicted class per element: a string
// or a number is looked up among the classes (a number by its decimal
// form); without classes a whole number below TimelineLabels is its own
// label.
func predLabels(t *flavor.Tensor, classes []string, counts *[TimelineLabels + 1]uint64) bool {
	classes = classes[:min(len(classes), TimelineLabels)]
	var buf [24]byte
	switch {
	case len(t.Str) > 0:
		for _, s := range t.Str {
			counts[classIndex(s, classes, -1)]++
		}
	case len(t.I64) > 0:
		for _, v := range t.I64 {
			counts[classIndex(string(strconv.AppendInt(buf[:0], v, 10)), classes, v)]++
		}
	case len(t.F64) > 0 || len(t.F32) > 0:
		for i := range max(len(t.F64), len(t.F32)) {
			x := float64(0)
			if len(t.F64) > 0 {
				x = t.F64[i]
			} else {
				x = float64(t.F32[i])
			}
			if x != math.Trunc(x) || math.Abs(x) > 1e15 {
				counts[TimelineLabels]++
				continue
			}
			counts[classIndex(string(strconv.AppendInt(buf[:0], int64(x), 10)), classes, int64(x))]++
		}
	default:
		return false
	}
	return true
}

// classIndex is the position of class name among classes, or without
// classes the number itself when it is a small non-negative one (-1 for
// none); TimelineLabels when neither.
func classIndex(name string, classes []string, number int64) int {
	if len(classes) == 0 {
		if number >= 0 && number < TimelineLabels {
			return int(number)
		}
		return TimelineLabels
	}
	for i, c := range classes {
		if c == name {
			return i
		}
	}
	return TimelineLabels
}
