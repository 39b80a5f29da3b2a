package experiments

import "math"

// A curve's columns are steps cut on a grid of powers of two: column k
// holds the steps whose value shifted right by shift is k (the floor of
// step / 2^shift), and shift is the smallest that fits the history's
// steps into the columns asked for. The grid does not move as points are
// appended; when the steps outgrow it, shift grows by one and each two
// neighbouring columns become one. That keeps a curve exact under
// appends without reading the history again.

// curveShift is the smallest shift that puts steps lo..hi into at most
// buckets columns (63, two columns, for a range across zero that no
// shift fits into one).
func curveShift(lo, hi int64, buckets int) uint {
	for s := uint(0); s < 63; s++ {
		if uint64(hi>>s)-uint64(lo>>s) < uint64(buckets) {
			return s
		}
	}
	return 63
}

// m4Point is a kept point; seq orders points of equal step as they came.
type m4Point struct {
	step  int64
	seq   int
	value float64
}

func (p m4Point) before(q m4Point) bool { return p.step < q.step || p.step == q.step && p.seq < q.seq }

// m4Bucket summarises one column: its first four points while it has no
// more, else its first, its first smallest, its first largest and its
// last. NaN values never count as smallest or largest but stay as first
// or last, so gaps in the line survive.
type m4Bucket struct {
	k                      int64
	n                      int
	first, low, high, last m4Point
	hasLow                 bool
	raw                    [4]m4Point
}

// add takes the column's next point.
func (b *m4Bucket) add(p m4Point) {
	if b.n == 0 {
		b.first = p
	}
	if b.n < len(b.raw) {
		b.raw[b.n] = p
	}
	b.n++
	b.last = p
	if math.IsNaN(p.value) {
		return
	}
	switch {
	case !b.hasLow:
		b.low, b.high, b.hasLow = p, p, true
	case p.value < b.low.value:
		b.low = p
	case p.value > b.high.value:
		b.high = p
	}
}

// merge is the summary of b followed by c, as if c's points had been
// added to b.
func (b m4Bucket) merge(c m4Bucket) m4Bucket {
	out := b
	if b.n+c.n <= len(b.raw) {
		copy(out.raw[b.n:], c.raw[:c.n])
	}
	out.n = b.n + c.n
	out.last = c.last
	switch {
	case !c.hasLow:
	case !b.hasLow:
		out.low, out.high, out.hasLow = c.low, c.high, true
	default:
		if c.low.value < b.low.value {
			out.low = c.low
		}
		if c.high.value > b.high.value {
			out.high = c.high
		}
	}
	return out
}

// points appends the column's kept points in order, each once.
func (b *m4Bucket) points(steps []int64, values []float64) ([]int64, []float64) {
	if b.n <= len(b.raw) {
		for _, p := range b.raw[:b.n] {
			steps, values = append(steps, p.step), append(values, p.value)
		}
		return steps, values
	}
	pts := [4]m4Point{b.first, b.first, b.first, b.last}
	if b.hasLow {
		pts[1], pts[2] = b.low, b.high
		if pts[2].before(pts[1]) {
			pts[1], pts[2] = pts[2], pts[1]
		}
	}
	for i, p := range pts {
		if i == 0 || pts[i-1] != p {
			steps, values = append(steps, p.step), append(values, p.value)
		}
	}
	return steps, values
}

// reducer builds the columns of a stream of points in step order.
type reducer struct {
	shift   uint
	buckets []m4Bucket
	seq     int
	// The last point taken, to drop an exact repeat as readHistory does.
	lastStep, lastTS int64
	lastBits         uint64
	have             bool
}

// add takes the next point unless it repeats the one before.
func (r *reducer) add(step, ts int64, valueBits uint64) {
	if r.have && step == r.lastStep && ts == r.lastTS && sameValue(valueBits, r.lastBits) {
		return
	}
	r.lastStep, r.lastTS, r.lastBits, r.have = step, ts, valueBits, true
	k := step >> r.shift
	if n := len(r.buckets); n == 0 || r.buckets[n-1].k != k {
		r.buckets = append(r.buckets, m4Bucket{k: k})
	}
	r.seq++
	r.buckets[len(r.buckets)-1].add(m4Point{step: step, seq: r.seq, value: math.Float64frombits(valueBits)})
}

// sameValue compares stored values as comparePoints does: every NaN
// equals every other.
func sameValue(a, b uint64) bool {
	x, y := math.Float64frombits(a), math.Float64frombits(b)
	return x == y || x != x && y != y
}

// rescale coarsens the columns to shift, merging neighbours.
func (r *reducer) rescale(shift uint) {
	if shift <= r.shift {
		return
	}
	d := shift - r.shift
	out := r.buckets[:0:0]
	for _, b := range r.buckets {
		b.k >>= d
		if n := len(out); n > 0 && out[n-1].k == b.k {
			out[n-1] = out[n-1].merge(b)
			continue
		}
		out = append(out, b)
	}
	r.buckets, r.shift = out, shift
}

// points returns the kept points of every column, in step order, and
// how many points the columns hold in all.
func (r *reducer) points() (steps []int64, values []float64, n int, reduced bool) {
	for i := range r.buckets {
		b := &r.buckets[i]
		steps, values = b.points(steps, values)
		n += b.n
		reduced = reduced || b.n > len(b.raw)
	}
	return steps, values, n, reduced
}

// columnSteps returns the first and the last step of columns from..to
// (inclusive) at shift; the columns must hold real steps, so neither
// end overflows.
func columnSteps(from, to int64, shift uint) (lo, hi int64) {
	return from << shift, to<<shift | int64(uint64(1)<<shift-1)
}
