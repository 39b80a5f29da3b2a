package predlog

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// MaxLatencySample bounds the latencies a Stats call reads: the newest
// this many predictions the model answered.
const MaxLatencySample = 100_000

// Stats summarises a slice of the prediction log.
type Stats struct {
	// Count, Errors and CacheHits count every matching prediction.
	Count     int64
	Errors    int64
	CacheHits int64
	// CacheHitRate is CacheHits/Count, 0 when Count is 0.
	CacheHitRate float64
	// The latency percentiles (nearest rank) of the predictions the model
	// itself answered: cache hits, rule answers and failures are left
	// out, as they would pull the figures towards zero.
	LatencyP50 time.Duration
	LatencyP95 time.Duration
	LatencyP99 time.Duration
	// LatencySamples is how many latencies the percentiles come from: at
	// most MaxLatencySample, the newest ones.
	LatencySamples int
}

// Stats summarises the predictions of model since a time.
func (r *Reader) Stats(ctx context.Context, model string, since time.Time) (Stats, error) {
	return r.StatsOf(ctx, Filter{Model: model, Since: since})
}

// StatsOf summarises the predictions f selects (its Limit and After are
// ignored), for per-arm and per-experiment figures.
//
// It decodes the window's segments without building entries. Counts are
// exact. Percentiles come from the newest MaxLatencySample latencies of
// the window: the merge reads in time order, so a ring of that size ends
// up holding the newest; the bound keeps a call under a megabyte, and is
// exact whenever the window is smaller than the sample.
func (r *Reader) StatsOf(ctx context.Context, f Filter) (Stats, error) {
	f.Limit, f.After = 0, ""
	var s Stats
	p, err := r.plan(ctx, &f)
	if err != nil {
		return s, err
	}
	var ring []int64
	next := 0
	err = r.each(ctx, &p, func(c *segCursor) (bool, error) {
		e := &c.cur
		s.Count++
		cacheHit := e.flags&flagCacheHit != 0
		if len(e.errText) > 0 {
			s.Errors++
		}
		if cacheHit {
			s.CacheHits++
		}
		if !cacheHit && len(e.rule) == 0 && len(e.errText) == 0 {
			if len(ring) < MaxLatencySample {
				ring = append(ring, e.latencyUS)
			} else {
				ring[next] = e.latencyUS
				next = (next + 1) % MaxLatencySample
			}
		}
		return true, nil
	})
	if err != nil {
		return Stats{}, fmt.Errorf("prediction log stats: %w", err)
	}
	if s.Count > 0 {
		s.CacheHitRate = float64(s.CacheHits) / float64(s.Count)
	}
	slices.Sort(ring)
	s.LatencySamples = len(ring)
	s.LatencyP50, s.LatencyP95, s.LatencyP99 = percentile(ring, 0.50), percentile(ring, 0.95), percentile(ring, 0.99)
	return s, nil
}

// percentile is the nearest-rank percentile of sorted microseconds.
func percentile(sorted []int64, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return time.Duration(sorted[max(i, 0)]) * time.Microsecond
}
