package compare

import (
	"cmp"
	"maps"
	"slices"
)

// armAcc accumulates one arm's counts, classes and latencies.
type armAcc struct {
	stats   ArmStats
	classes map[string]int
	lat     []int64
}

// newArmAcc sizes the latency buffer for n answers up front, so a large
// window is one allocation rather than a series of doublings.
func newArmAcc(n int) *armAcc {
	return &armAcc{classes: map[string]int{}, lat: make([]int64, 0, n)}
}

// add counts one answer of the arm.
func (a *armAcc) add(ans Answer) {
	s := &a.stats
	s.Requests++
	switch {
	case ans.Missing:
		s.Missing++
		return
	case ans.Err:
		s.Errors++
		return
	}
	s.Answered++
	if ans.CacheHit {
		s.CacheHits++
	} else if ans.LatencyUS >= 0 {
		a.lat = append(a.lat, ans.LatencyUS)
	}
	if ans.HasClass {
		a.classes[ans.Class]++
	}
}

// result finishes the arm's figures.
func (a *armAcc) result() ArmStats {
	s := a.stats
	if attempted := s.Answered + s.Errors; attempted > 0 {
		s.ErrorRate = float64(s.Errors) / float64(attempted)
	}
	if s.Requests > 0 {
		s.MissingRate = float64(s.Missing) / float64(s.Requests)
	}
	if len(a.classes) > 0 {
		s.Classes, s.OtherClasses = topCounts(a.classes, MaxClasses)
	}
	s.Latency = latencyOf(a.lat)
	return s
}

// topCounts keeps the limit most frequent keys of counts (ties by name,
// so the choice does not depend on map order) and sums the rest.
func topCounts(counts map[string]int, limit int) (kept map[string]int, other int) {
	if len(counts) <= limit {
		return maps.Clone(counts), 0
	}
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	kept = make(map[string]int, limit)
	for i, k := range keys {
		if i < limit {
			kept[k] = counts[k]
		} else {
			other += counts[k]
		}
	}
	return kept, other
}
