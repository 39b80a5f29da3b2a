package serving

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"
)

// VersionTimeline is one version's traffic over the last TimelineSpan,
// at full rate (every request, not the prediction log's sample).
// Requests a live experiment routed count for the version that answered;
// shadow predictions do not (they answer nobody).
type VersionTimeline struct {
	Version int64
	// Aliases are the aliases the version answered as, "" standing for
	// requests that addressed it by number.
	Aliases []string
	// Labels names the label counts' positions: Labels[i] is label i;
	// the position TimelineLabels is every other label.
	Labels []string
	// Buckets cover TimelineSpan up to now, oldest first.
	Buckets []TimelineBucket
}

// TimelineBucket is one TimelineWidth of a version's traffic.
type TimelineBucket struct {
	Start time.Time
	// Requests counts every request; Errors the failed ones; CacheHits
	// those the response cache answered; Computed those the model
	// answered, which the latency covers.
	Requests, Errors, CacheHits, Computed int64
	// LabelCounts counts predicted labels by row (see VersionTimeline.Labels).
	LabelCounts [TimelineLabels + 1]int64
	latency     [latencyBins]int64
}

// Timeline returns a model's traffic over the last TimelineSpan, one
// series per version that answered in that time, by version. A model
// without an endpoint in this process has none.
func (s *Service) Timeline(model string) []VersionTimeline {
	ep := s.existing(model)
	if ep == nil {
		return []VersionTimeline{}
	}
	now := s.opts.Now()
	byVersion := map[int64]*VersionTimeline{}
	ep.series.Range(func(k, v any) bool {
		key, ser := k.(seriesKey), v.(*series)
		if ser.timeline == nil {
			return true
		}
		vt := byVersion[key.version]
		if vt == nil {
			vt = &VersionTimeline{Version: key.version, Buckets: emptyBuckets(now)}
			byVersion[key.version] = vt
		}
		if ser.timeline.readInto(vt.Buckets) {
			vt.Aliases = append(vt.Aliases, key.alias)
		}
		if names := ser.timeline.names.Load(); names != nil && len(*names) > len(vt.Labels) {
			vt.Labels = *names
		}
		return true
	})
	out := make([]VersionTimeline, 0, len(byVersion))
	for _, vt := range byVersion {
		if len(vt.Aliases) == 0 {
			continue // no traffic in the span
		}
		sort.Strings(vt.Aliases)
		vt.Labels = labelNames(vt.Labels)
		out = append(out, *vt)
	}
	slices.SortFunc(out, func(a, b VersionTimeline) int { return cmp.Compare(a.Version, b.Version) })
	return out
}

// emptyBuckets are the TimelineSpan buckets ending with now's, empty.
func emptyBuckets(now time.Time) []TimelineBucket {
	last := now.UnixNano() / int64(TimelineWidth)
	out := make([]TimelineBucket, timelineSlots)
	for i := range out {
		n := last - int64(timelineSlots-1-i)
		out[i].Start = time.Unix(0, n*int64(TimelineWidth)).UTC()
	}
	return out
}

// readInto adds the timeline's counts to the buckets (as emptyBuckets
// made them) and reports whether it had any.
func (t *timeline) readInto(buckets []TimelineBucket) bool {
	found := false
	for i := range buckets {
		b := &buckets[i]
		n := uint64(b.Start.UnixNano()) / uint64(TimelineWidth)
		tag, s := n&tagMask, &t.slots[n%timelineSlots]
		errs, hits, rules := s.errors.read(tag), s.cacheHits.read(tag), s.rules.read(tag)
		computed := int64(0)
		for j := range s.latency {
			c := s.latency[j].read(tag)
			b.latency[j] += c
			computed += c
		}
		if errs+hits+rules+computed == 0 {
			continue
		}
		found = true
		b.Requests += errs + hits + rules + computed
		b.Errors += errs
		b.CacheHits += hits
		b.Computed += computed
		for j := range s.labels {
			b.LabelCounts[j] += s.labels[j].read(tag)
		}
	}
	return found
}

// labelNames fills in numbers for labels without class names.
func labelNames(classes []string) []string {
	out := make([]string, TimelineLabels)
	for i := range out {
		if i < len(classes) {
			out[i] = classes[i]
		} else {
			out[i] = strconv.Itoa(i)
		}
	}
	return out
}

// Merge returns the buckets added together, as one bucket starting at
// the first's: a window's totals and latency.
func Merge(buckets []TimelineBucket) TimelineBucket {
	var m TimelineBucket
	if len(buckets) > 0 {
		m.Start = buckets[0].Start
	}
	for i := range buckets {
		b := &buckets[i]
		m.Requests += b.Requests
		m.Errors += b.Errors
		m.CacheHits += b.CacheHits
		m.Computed += b.Computed
		for j := range b.LabelCounts {
			m.LabelCounts[j] += b.LabelCounts[j]
		}
		for j := range b.latency {
			m.latency[j] += b.latency[j]
		}
	}
	return m
}

// Latency estimates the p-th quantile (0 < p <= 1) of the bucket's
// computed answers from its histogram of power-of-two bins, interpolating
// geometrically inside the bin the rank falls in (linearly in the first,
// which starts at 0); 0 without computed answers. The estimate is within
// the bin's factor of two of the true value.
func (b TimelineBucket) Latency(p float64) time.Duration {
	if b.Computed == 0 || !(p > 0) {
		return 0
	}
	rank := math.Ceil(min(p, 1) * float64(b.Computed))
	seen := 0.0
	for i, c := range b.latency {
		if c == 0 || seen+float64(c) < rank {
			seen += float64(c)
			continue
		}
		f := (rank - seen) / float64(c)
		hi := float64(latencyUnit) * math.Exp2(float64(i))
		var us float64
		switch {
		case i == 0:
			us = hi * f
		case i == latencyBins-1:
			us = hi / 2 // open-ended: its lower edge
		default:
			us = hi / 2 * math.Exp2(f)
		}
		return time.Duration(us * float64(time.Microsecond))
	}
	return 0
}
