package compare

import "math"

// latencyOf returns the percentiles of lat, which it reorders; nil when
// empty.
func latencyOf(lat []int64) *Latency {
	if len(lat) == 0 {
		return nil
	}
	p := percentiles(lat, 50, 95, 99)
	return &Latency{N: len(lat), P50: p[0], P95: p[1], P99: p[2]}
}

// latencyRatio divides alpha's percentiles by production's, nil when
// neither ratio is defined.
func latencyRatio(prod, alpha *Latency) *LatencyRatio {
	if prod == nil || alpha == nil {
		return nil
	}
	r := &LatencyRatio{
		P50: ratio(float64(alpha.P50), float64(prod.P50)),
		P99: ratio(float64(alpha.P99), float64(prod.P99)),
	}
	if r.P50 == nil && r.P99 == nil {
		return nil
	}
	return r
}

// ratio is num/den, nil when it is undefined or not finite.
func ratio(num, den float64) *float64 {
	if den == 0 {
		return nil
	}
	r := num / den
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return nil
	}
	return &r
}
