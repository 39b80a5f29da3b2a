package compare

import (
	"cmp"
	"math/bits"
	"slices"
)

// rankOf is the 1-based nearest rank of the pct-th percentile (0 < pct
// <= 100) among n values: ceil(pct·n/100), computed in integers so that
// 95% of 100 is exactly the 95th value, and kept within 1..n.
func rankOf(pct, n int) int {
	return min(max((pct*n+99)/100, 1), n)
}

// nearestRank is the pct-th percentile of sorted values by the
// nearest-rank method: the smallest value with at least pct% of the
// values at or below it, always one of the values (numpy's
// "inverted_cdf"). sorted must not be empty.
func nearestRank[T cmp.Ordered](sorted []T, pct int) T {
	return sorted[rankOf(pct, len(sorted))-1]
}

// percentiles returns the nearest-rank percentiles pcts (ascending) of
// v, which must not be empty, reordering v but not sorting it: a
// selection per percentile is linear where a sort is not, and a window
// of latencies only ever needs three of them.
func percentiles[T cmp.Ordered](v []T, pcts ...int) []T {
	out := make([]T, len(pcts))
	lo := 0 // v[:lo] holds no value above v[lo]
	for i, p := range pcts {
		k := rankOf(p, len(v)) - 1
		selectKth(v[lo:], k-lo)
		out[i], lo = v[k], k
	}
	return out
}

// selectKth reorders v so that v[k] holds what a sort would put there,
// with nothing greater before it and nothing smaller after it: Hoare's
// quickselect with a median-of-three pivot and a three-way partition, so
// runs of equal values (common in latencies) cost nothing. Past a depth
// limit the remaining range is sorted instead, bounding adversarial
// input at O(n log n).
func selectKth[T cmp.Ordered](v []T, k int) {
	lo, hi := 0, len(v)-1
	for depth := 2 * bits.Len(uint(len(v))); lo < hi; depth-- {
		if depth == 0 {
			slices.Sort(v[lo : hi+1])
			return
		}
		lt, gt := partition3(v, lo, hi)
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return
		}
	}
}

// partition3 partitions v[lo:hi+1] around a median-of-three pivot into
// v[lo:lt] < pivot, v[lt:gt+1] == pivot, v[gt+1:hi+1] > pivot.
func partition3[T cmp.Ordered](v []T, lo, hi int) (lt, gt int) {
	mid := lo + (hi-lo)/2
	pivot := max(min(v[lo], v[mid]), min(max(v[lo], v[mid]), v[hi]))
	lt, gt = lo, hi
	for i := lo; i <= gt; {
		switch {
		case v[i] < pivot:
			v[lt], v[i] = v[i], v[lt]
			lt++
			i++
		case v[i] > pivot:
			v[gt], v[i] = v[i], v[gt]
			gt--
		default:
			i++
		}
	}
	return lt, gt
}
