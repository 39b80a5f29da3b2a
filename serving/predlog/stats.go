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
// Counts are exact SQL aggregates. Percentiles are computed in Go from
// the newest MaxLatencySample latencies: SQLite has no percentile
// aggregate, and an ORDER BY latency in SQL would sort the whole window
// anyway; the bounded sample keeps a call under a megabyte and is exact
// whenever the window is smaller than the sample.
func (r *Reader) StatsOf(ctx context.Context, f Filter) (Stats, error) {
	where, args := f.where()
	var s Stats
	err := r.db.Read.QueryRowContext(ctx, r.db.Rebind(`SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN error IS NOT NULL THEN 1 ELSE 0 END), 0), COALESCE(SUM(cache_hit), 0)
		FROM predictions WHERE `+where), args...).Scan(&s.Count, &s.Errors, &s.CacheHits)
	if err != nil {
		return s, fmt.Errorf("prediction log stats: %w", err)
	}
	if s.Count > 0 {
		s.CacheHitRate = float64(s.CacheHits) / float64(s.Count)
	}
	lat, err := r.latencies(ctx, where, args)
	if err != nil {
		return s, err
	}
	s.LatencySamples = len(lat)
	s.LatencyP50, s.LatencyP95, s.LatencyP99 = percentile(lat, 0.50), percentile(lat, 0.95), percentile(lat, 0.99)
	return s, nil
}

// latencies reads the newest model-answered latencies, sorted.
func (r *Reader) latencies(ctx context.Context, where string, args []any) ([]int64, error) {
	rows, err := r.db.Read.QueryContext(ctx, r.db.Rebind(`SELECT latency_us FROM predictions
		WHERE `+where+` AND cache_hit = 0 AND rule = '' AND error IS NULL
		ORDER BY time_us DESC, prediction_id DESC LIMIT ?`), append(args, MaxLatencySample)...)
	if err != nil {
		return nil, fmt.Errorf("prediction log latencies: %w", err)
	}
	defer rows.Close()
	var lat []int64
	for rows.Next() {
		var us int64
		if err := rows.Scan(&us); err != nil {
			return nil, fmt.Errorf("prediction log latencies: %w", err)
		}
		lat = append(lat, us)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("prediction log latencies: %w", err)
	}
	slices.Sort(lat)
	return lat, nil
}

// percentile is the nearest-rank percentile of sorted microseconds.
func percentile(sorted []int64, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return time.Duration(sorted[max(i, 0)]) * time.Microsecond
}
