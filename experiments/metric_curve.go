package experiments

import (
	"context"
	"slices"
)

// A chart of a metric is a few hundred pixels wide, and a history can hold
// millions of points: unpacking each into a Metric and handing them all to
// a caller costs more than the chart is worth. MetricCurve reads the
// blocks and reduces them as they stream by: the steps are cut into
// columns (metric_curve_m4.go), and a column of more than four points
// keeps its first, smallest, largest and last (M4, Jugel et al., VLDB
// 2014): a line through those looks, at that width, like the line through
// every point. A curve carries what it was made from, so UpdateCurve
// brings it up to date by reading only the blocks logged since, the
// usual case while a run is training and someone watches it.

// Curve is a metric's history reduced for drawing: points in step order.
// A Curve is read-only once returned; UpdateCurve never changes one.
type Curve struct {
	Key    string
	Steps  []int64
	Values []float64
	// Points is how many points the history holds.
	Points int
	// Reduced says some column kept only its extremes.
	Reduced bool
	state   *curveState
}

// curveState is what a curve was made from.
type curveState struct {
	runID   string
	pk      int64
	columns int
	// The blocks read, for telling appends from other changes.
	blocks       int
	maxID, sumID int64
	lo, hi       int64 // the steps the blocks span
	r            reducer
	// whole says the history was read whole, not extended.
	whole bool
}

// MinCurveColumns and MaxCurveColumns bound the columns of a curve.
const (
	MinCurveColumns = 2
	MaxCurveColumns = 10_000
)

// curvePage is how many points one read of an overlapping history takes.
const curvePage = MaxHistoryPageSize

// MetricCurve returns a run's history of one metric for a chart of about
// columns columns: at most four points per column, and every point of a
// column that has no more. A history's columns are between columns/2 and
// columns wide (powers of two of steps each).
func (s *Service) MetricCurve(ctx context.Context, runID, key string, columns int) (Curve, error) {
	if key == "" {
		return Curve{}, invalid("Missing value for required parameter 'metric_key'.")
	}
	if columns < MinCurveColumns || columns > MaxCurveColumns {
		return Curve{}, invalid("a curve takes %d to %d columns, not %d", MinCurveColumns, MaxCurveColumns, columns)
	}
	pk, err := s.runPK(ctx, runID)
	if err != nil {
		return Curve{}, err
	}
	l, err := s.blockLayout(ctx, pk, key)
	if err != nil {
		return Curve{}, err
	}
	return s.readCurve(ctx, &curveState{runID: runID, pk: pk, columns: columns}, key, l)
}

// UpdateCurve returns prev as it stands now: prev itself when nothing was
// logged to the history since, prev extended by the blocks logged since
// when they all come after it, else the curve read again.
func (s *Service) UpdateCurve(ctx context.Context, prev Curve) (Curve, error) {
	st := prev.state
	if st == nil {
		return Curve{}, invalid("a curve to update must come from MetricCurve")
	}
	l, err := s.blockLayout(ctx, st.pk, prev.Key)
	if err != nil {
		return Curve{}, err
	}
	switch {
	case l.blocks == st.blocks && l.maxID == st.maxID && l.sumID == st.sumID:
		return prev, nil
	case !l.appendsTo(st):
		return s.readCurve(ctx, &curveState{runID: st.runID, pk: st.pk, columns: st.columns}, prev.Key, l)
	}
	next := *st
	next.whole = false
	next.r.buckets = slices.Clone(st.r.buckets)
	next.r.rescale(curveShift(l.lo, l.hi, st.columns))
	err = s.streamBlocks(ctx, st.pk, prev.Key, &next.r, blockRange{from: st.hi + 1, to: l.hi, afterID: st.maxID})
	if err != nil {
		return Curve{}, err
	}
	next.blocks, next.maxID, next.sumID, next.hi = l.blocks, l.maxID, l.sumID, l.hi
	return next.curve(prev.Key), nil
}

// readCurve reads a whole history into st.
func (s *Service) readCurve(ctx context.Context, st *curveState, key string, l layout) (Curve, error) {
	st.blocks, st.maxID, st.sumID, st.lo, st.hi, st.whole = l.blocks, l.maxID, l.sumID, l.lo, l.hi, true
	st.r = reducer{shift: curveShift(l.lo, l.hi, st.columns)}
	var err error
	switch {
	case l.blocks == 0:
	case l.ordered:
		err = s.readParts(ctx, st.pk, key, &st.r, l)
	default:
		err = s.streamPages(ctx, st.pk, key, &st.r)
	}
	if err != nil {
		return Curve{}, err
	}
	return st.curve(key), nil
}

func (st *curveState) curve(key string) Curve {
	c := Curve{Key: key, state: st}
	c.Steps, c.Values, c.Points, c.Reduced = st.r.points()
	return c
}

// layout is what the index tells of a history's blocks: how many, which
// (their ids' largest and sum change whenever one is added or removed),
// the steps they span, whether they follow each other without
// overlapping (the usual shape: a client logs steps in order), and the
// blocks by id.
type layout struct {
	blocks       int
	maxID, sumID int64
	lo, hi       int64
	ordered      bool
	ids          []blockSpan
}

type blockSpan struct {
	id, first, last int64
}

// blockLayout reads the layout off the metric_blocks_by_step index alone.
func (s *Service) blockLayout(ctx context.Context, pk int64, key string) (layout, error) {
	l := layout{ordered: true}
	err := s.eachRow(ctx, `SELECT block_id, first_step, last_step FROM metric_blocks WHERE run_pk = ? AND key = ? ORDER BY first_step, block_id`,
		[]any{pk, key}, func(scan func(...any) error) error {
			var b blockSpan
			if err := scan(&b.id, &b.first, &b.last); err != nil {
				return err
			}
			if l.blocks == 0 {
				l.lo, l.hi = b.first, b.last
			} else if b.first <= l.hi {
				l.ordered = false
			}
			l.blocks++
			l.hi = max(l.hi, b.last)
			l.maxID = max(l.maxID, b.id)
			l.sumID += b.id
			l.ids = append(l.ids, b)
			return nil
		})
	return l, err
}

// appendsTo says the history is st's blocks and, after them, new blocks
// that start after st's last step and do not overlap one another.
func (l layout) appendsTo(st *curveState) bool {
	var n int
	var sum int64
	prevLast := st.hi
	for _, b := range l.ids { // in step order
		if b.id <= st.maxID {
			n, sum = n+1, sum+b.id
			continue
		}
		if b.first <= prevLast {
			return false
		}
		prevLast = b.last
	}
	return n == st.blocks && sum == st.sumID && l.lo == st.lo
}
