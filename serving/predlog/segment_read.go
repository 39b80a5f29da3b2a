package predlog

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"strings"
)

// A read fetches segments in pages that start at firstPageSegments, so
// a page of entries near the start of a window reads little more than
// it returns, and double up to maxPageSegments: enough to amortise the
// query, few enough that segments full of logged inputs stay a few
// megabytes.
const (
	firstPageSegments = 2
	maxPageSegments   = 16
)

// readPlan is a Filter resolved into what a read needs: the time window
// and cursor in microseconds, and the per-entry conditions.
type readPlan struct {
	f      *Filter
	lo, hi int64 // lo <= time < hi
	// after, when set, skips the entries up to (afterUS, afterID).
	after            bool
	afterUS, afterID int64
}

// empty reports whether the window holds nothing.
func (p *readPlan) empty() bool { return p.lo >= p.hi }

// plan resolves f. A request id lookup without Since is bounded to
// RequestLookback before Until or, without Until, before the newest
// logged time: there is no index on request ids (see Filter.RequestID).
func (r *Reader) plan(ctx context.Context, f *Filter) (readPlan, error) {
	p := readPlan{f: f, lo: math.MinInt64, hi: math.MaxInt64}
	if !f.Since.IsZero() {
		p.lo = f.Since.UnixMicro()
	}
	if !f.Until.IsZero() {
		p.hi = f.Until.UnixMicro()
	}
	if f.After != "" {
		t, id, err := f.After.parse()
		if err != nil {
			return p, err
		}
		p.after, p.afterUS, p.afterID = true, t, id
		p.lo = max(p.lo, t)
	}
	if f.RequestID != "" && f.Since.IsZero() {
		end := p.hi
		if f.Until.IsZero() {
			newest, ok, err := r.newestTime(ctx)
			if err != nil || !ok {
				p.lo = p.hi // an empty log
				return p, err
			}
			end = newest + 1
		}
		p.lo = max(p.lo, satSub(end, RequestLookback.Microseconds()))
	}
	return p, nil
}

// newestTime is the latest time in the log, to within maxSegmentSpan:
// the end of the segment that starts last (an index lookup).
func (r *Reader) newestTime(ctx context.Context) (int64, bool, error) {
	rows, err := r.db.Read.QueryContext(ctx,
		`SELECT max_time_us FROM prediction_segments ORDER BY min_time_us DESC LIMIT 1`)
	if err != nil {
		return 0, false, fmt.Errorf("read prediction log: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, false, rows.Err()
	}
	var t int64
	if err := rows.Scan(&t); err != nil {
		return 0, false, fmt.Errorf("read prediction log: %w", err)
	}
	return t, true, nil
}

// satSub is a - b (b >= 0) without wrapping below MinInt64.
func satSub(a, b int64) int64 {
	if a < math.MinInt64+b {
		return math.MinInt64
	}
	return a - b
}

// pageSQL selects the next page of segments that may hold entries of
// the plan, in (min_time_us, segment_id) order: after (fromUS, fromID)
// when from is set. A segment ends at most maxSegmentSpan after it
// starts, so those overlapping [lo, hi) start in [lo - span, hi).
func (p *readPlan) pageSQL(from bool, fromUS, fromID int64, limit int) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if p.f.Model != "" {
		add("model = ?", p.f.Model)
	}
	if p.f.ExperimentID != "" {
		add("experiment_id = ?", p.f.ExperimentID)
	}
	lower := satSub(p.lo, maxSegmentSpan.Microseconds())
	if from {
		lower = max(lower, fromUS)
	}
	if lower > math.MinInt64 {
		add("min_time_us >= ?", lower)
	}
	if p.lo > math.MinInt64 {
		add("max_time_us >= ?", p.lo)
	}
	if p.hi < math.MaxInt64 {
		add("min_time_us < ?", p.hi)
	}
	if from {
		conds = append(conds, "(min_time_us > ? OR segment_id > ?)")
		args = append(args, fromUS, fromID)
	}
	where := "1 = 1"
	if len(conds) > 0 {
		where = strings.Join(conds, " AND ")
	}
	return `SELECT segment_id, min_time_us, data FROM prediction_segments WHERE ` + where +
		` ORDER BY min_time_us, segment_id LIMIT ?`, append(args, limit)
}

// segmentRow is a segment as read.
type segmentRow struct {
	id, minUS int64
	data      []byte
}

// segmentSource pages through the segments of a plan in start order.
type segmentSource struct {
	r    *Reader
	p    *readPlan
	page []segmentRow
	next int
	size int // of the next page
	done bool
}

// peek returns the next segment, or nil after the last.
func (s *segmentSource) peek(ctx context.Context) (*segmentRow, error) {
	if s.next == len(s.page) && !s.done {
		if err := s.fetch(ctx); err != nil {
			return nil, err
		}
	}
	if s.next == len(s.page) {
		return nil, nil
	}
	return &s.page[s.next], nil
}

func (s *segmentSource) pop() {
	s.page[s.next].data = nil // let the cursor own it alone
	s.next++
}

func (s *segmentSource) fetch(ctx context.Context) error {
	var q string
	var args []any
	if n := len(s.page); n > 0 {
		q, args = s.p.pageSQL(true, s.page[n-1].minUS, s.page[n-1].id, s.size)
	} else {
		s.size = firstPageSegments
		q, args = s.p.pageSQL(false, 0, 0, s.size)
	}
	rows, err := s.r.db.Read.QueryContext(ctx, s.r.db.Rebind(q), args...)
	if err != nil {
		return fmt.Errorf("read prediction log: %w", err)
	}
	defer rows.Close()
	s.page, s.next = s.page[:0], 0
	for rows.Next() {
		var row segmentRow
		if err := rows.Scan(&row.id, &row.minUS, &row.data); err != nil {
			return fmt.Errorf("read prediction log: %w", err)
		}
		s.page = append(s.page, row)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read prediction log: %w", err)
	}
	s.done = len(s.page) < s.size
	s.size = min(2*s.size, maxPageSegments)
	return nil
}

// segCursor walks the entries of one segment that a plan selects.
type segCursor struct {
	dec *segmentDecoder
	mat materializer
	cur rawEntry
	id  int64 // cur's entry id
}

// openCursor decodes a segment's header and moves to its first selected
// entry; it reports false when there is none.
func openCursor(row *segmentRow, p *readPlan) (*segCursor, bool, error) {
	h, dec, err := openSegment(row.data)
	if err != nil {
		return nil, false, fmt.Errorf("prediction log segment %d: %w", row.id, err)
	}
	c := &segCursor{dec: dec, mat: materializer{segmentID: row.id, header: h}}
	ok, err := c.advance(p)
	return c, ok, err
}

// advance moves to the next entry p selects; entries are in time order,
// so the first one at or past the window's end ends the segment.
func (c *segCursor) advance(p *readPlan) (bool, error) {
	for {
		ok, err := c.dec.next(&c.cur)
		if err != nil {
			return false, fmt.Errorf("prediction log segment %d: %w", c.mat.segmentID, err)
		}
		if !ok || c.cur.timeUS >= p.hi {
			return false, nil
		}
		c.id = c.mat.segmentID<<16 | int64(c.cur.index)
		if p.selects(&c.cur, c.id) {
			return true, nil
		}
	}
}

// selects applies the per-entry conditions; the segment query has
// applied model and experiment.
func (p *readPlan) selects(r *rawEntry, id int64) bool {
	f := p.f
	switch {
	case r.timeUS < p.lo,
		p.after && r.timeUS == p.afterUS && id <= p.afterID,
		f.Version != 0 && r.version != f.Version,
		f.Arm != "" && armCodes[r.flags&flagArmMask] != f.Arm,
		f.RequestID != "" && string(r.requestID) != f.RequestID:
		return false
	}
	return true
}

// entry builds the Entry the cursor is on.
func (c *segCursor) entry() Entry { return c.mat.entry(&c.cur) }

// mergeHeap orders open segments by their current entry's (time, id).
type mergeHeap []*segCursor

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	return a.cur.timeUS < b.cur.timeUS || a.cur.timeUS == b.cur.timeUS && a.id < b.id
}
func (h mergeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(*segCursor)) }
func (h *mergeHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return c
}

// each calls fn on every entry p selects, in (time, id) order, until fn
// returns false or an error. Segments overlap in time (one per model and
// experiment of a batch, and batches may be written late), so it merges
// them: a segment is opened once the merge reaches its start time, which
// keeps only the segments overlapping the current time in memory.
func (r *Reader) each(ctx context.Context, p *readPlan, fn func(*segCursor) (bool, error)) error {
	if p.empty() {
		return nil
	}
	src := segmentSource{r: r, p: p}
	var h mergeHeap
	for {
		if err := src.openDue(ctx, &h); err != nil {
			return err
		}
		if len(h) == 0 {
			return nil
		}
		c := h[0]
		if more, err := fn(c); err != nil || !more {
			return err
		}
		ok, err := c.advance(p)
		switch {
		case err != nil:
			return err
		case ok:
			heap.Fix(&h, 0)
		default:
			heap.Pop(&h)
		}
	}
}

// openDue opens the segments that start no later than the merge's
// current entry: only they can hold an entry that comes before it (or
// ties with it on time and has a smaller id).
func (s *segmentSource) openDue(ctx context.Context, h *mergeHeap) error {
	for {
		row, err := s.peek(ctx)
		if err != nil || row == nil || len(*h) > 0 && row.minUS > (*h)[0].cur.timeUS {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		c, ok, err := openCursor(row, s.p)
		s.pop()
		if err != nil {
			return err
		}
		if ok {
			heap.Push(h, c)
		}
	}
}
