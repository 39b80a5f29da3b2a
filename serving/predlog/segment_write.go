package predlog

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/paddockml/paddock/sqldb"
)

// maxSegmentSpan bounds the time a segment covers (max_time_us -
// min_time_us). Readers find the segments overlapping [since, until) by
// scanning min_time_us from since - maxSegmentSpan, so the bound must
// never be raised without rewriting the segments written under it.
const maxSegmentSpan = 10 * time.Second

// maxSegmentBytes closes a segment once its entries hold this much, so
// that finding one entry never decodes megabytes of logged inputs.
const maxSegmentBytes = 1 << 20

// maxKeptBuffer is the largest encoding buffer kept between batches.
const maxKeptBuffer = 8 << 20

// segment is one encoded row of prediction_segments.
type segment struct {
	model, experiment string
	minUS, maxUS      int64
	count             int
	start, end        int // its bytes in segmenter.buf
}

type groupKey struct{ model, experiment string }

type group struct {
	key     groupKey
	entries []*Entry
}

// segmenter turns a batch into segments, one or more per (model,
// experiment) in it. Only the writer loop uses it; it keeps its buffers
// from batch to batch.
type segmenter struct {
	maxEntries int // maxSegmentEntries; tests lower it
	groups     []group
	used       int // groups[:used] hold this batch
	byKey      map[groupKey]int
	segs       []segment
	buf        []byte
}

func newSegmenter() segmenter {
	return segmenter{maxEntries: maxSegmentEntries, byKey: map[groupKey]int{}}
}

// build encodes batch. The segments stay valid until release.
func (s *segmenter) build(batch []*Entry) []segment {
	s.group(batch)
	s.segs, s.buf = s.segs[:0], s.buf[:0]
	for _, g := range s.groups[:s.used] {
		// Log stamps entries in nearly the order it queues them, so the
		// check almost always spares the sort; stability keeps equal
		// times in logging order.
		if !isSortedByTime(g.entries) {
			sortByTime(g.entries)
		}
		for rest := g.entries; len(rest) > 0; {
			n := s.cut(rest)
			s.encode(g.key, rest[:n])
			rest = rest[n:]
		}
	}
	return s.segs
}

// group sorts batch's entries into s.groups by model and experiment,
// keeping their order. Consecutive entries mostly share a group, so
// the last one is tried before the map.
func (s *segmenter) group(batch []*Entry) {
	clear(s.byKey)
	s.used = 0
	last := -1
	for _, e := range batch {
		k := groupKey{e.Model, e.ExperimentID}
		if last < 0 || s.groups[last].key != k {
			i, ok := s.byKey[k]
			if !ok {
				i = s.newGroup(k)
			}
			last = i
		}
		s.groups[last].entries = append(s.groups[last].entries, e)
	}
}

func (s *segmenter) newGroup(k groupKey) int {
	if s.used == len(s.groups) {
		s.groups = append(s.groups, group{})
	}
	i := s.used
	s.used++
	s.groups[i].key, s.groups[i].entries = k, s.groups[i].entries[:0]
	s.byKey[k] = i
	return i
}

// cut returns how many of entries (sorted by time) the next segment
// takes: at least one, then as many as the count, span and size bounds
// allow.
func (s *segmenter) cut(entries []*Entry) int {
	first := entries[0].Time.UnixMicro()
	size := 0
	for n, e := range entries {
		if n > 0 && (n == s.maxEntries || e.Time.UnixMicro()-first > maxSegmentSpan.Microseconds() || size >= maxSegmentBytes) {
			return n
		}
		size += int(e.size() - entryOverhead)
	}
	return len(entries)
}

func (s *segmenter) encode(k groupKey, entries []*Entry) {
	start := len(s.buf)
	s.buf = appendSegment(s.buf, k.model, k.experiment, entries)
	s.segs = append(s.segs, segment{
		model: k.model, experiment: k.experiment, count: len(entries),
		minUS: entries[0].Time.UnixMicro(), maxUS: entries[len(entries)-1].Time.UnixMicro(),
		start: start, end: len(s.buf),
	})
}

// release drops the batch's entries and a buffer a burst of large
// entries grew.
func (s *segmenter) release() {
	for i := range s.groups[:s.used] {
		clear(s.groups[i].entries)
	}
	if cap(s.buf) > maxKeptBuffer {
		s.buf = nil
	}
}

func isSortedByTime(entries []*Entry) bool {
	for i := 1; i < len(entries); i++ {
		if entries[i].Time.Before(entries[i-1].Time) {
			return false
		}
	}
	return true
}

func sortByTime(entries []*Entry) {
	slices.SortStableFunc(entries, func(a, b *Entry) int { return cmp.Compare(a.Time.UnixMicro(), b.Time.UnixMicro()) })
}

// insertSegmentSQL stores one segment.
const insertSegmentSQL = `INSERT INTO prediction_segments
	(model, experiment_id, min_time_us, max_time_us, entries, data) VALUES (?, ?, ?, ?, ?, ?)`

// insertStmt is insertSegmentSQL prepared once on the writer connection;
// without it each segment's insert is parsed again, slower but as
// correct. Only the writer loop uses it.
type insertStmt struct {
	db   *sqldb.DB
	stmt *sql.Stmt
}

// prepare readies the statement. It must run outside a transaction:
// the writer pool's one connection is the transaction's.
func (s *insertStmt) prepare(ctx context.Context) {
	if s.stmt == nil {
		s.stmt, _ = s.db.Write.PrepareContext(ctx, s.db.Rebind(insertSegmentSQL))
	}
}

func (s *insertStmt) exec(ctx context.Context, tx *sql.Tx, args ...any) error {
	var err error
	if s.stmt != nil {
		_, err = tx.StmtContext(ctx, s.stmt).ExecContext(ctx, args...)
	} else {
		_, err = tx.ExecContext(ctx, s.db.Rebind(insertSegmentSQL), args...)
	}
	return err
}

func (s *insertStmt) close() {
	if s.stmt != nil {
		s.stmt.Close()
		s.stmt = nil
	}
}

// insertSegments stores a batch's segments in one transaction.
func (w *Writer) insertSegments(ctx context.Context, segs []segment, buf []byte) error {
	w.insert.prepare(ctx)
	return w.db.WriteTx(ctx, func(tx *sql.Tx) error {
		for _, s := range segs {
			err := w.insert.exec(ctx, tx, s.model, nullString(s.experiment), s.minUS, s.maxUS, s.count, buf[s.start:s.end])
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// nullString stores "" as NULL, for the columns where NULL means none.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
