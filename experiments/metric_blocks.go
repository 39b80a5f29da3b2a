package experiments

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// pointSize is one packed point: step, timestamp, value bits.
const pointSize = 24

// maxBlockPoints bounds a block read from the database (a corrupt row
// must not make us allocate without limit).
const maxBlockPoints = MaxMetricsPerBatch

// comparePoints orders points as MLflow orders a history: by step, then
// timestamp, then value (NaN after every number).
func comparePoints(a, b Metric) int {
	if c := cmp.Compare(a.Step, b.Step); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Timestamp, b.Timestamp); c != 0 {
		return c
	}
	an, bn := math.IsNaN(a.Value), math.IsNaN(b.Value)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return cmp.Compare(a.Value, b.Value)
}

func samePoint(a, b Metric) bool { return comparePoints(a, b) == 0 }

// packBlock sorts one key's points and packs them.
func packBlock(points []Metric) []byte {
	slices.SortFunc(points, comparePoints)
	b := make([]byte, 0, len(points)*pointSize)
	for _, p := range points {
		b = binary.LittleEndian.AppendUint64(b, uint64(p.Step))
		b = binary.LittleEndian.AppendUint64(b, uint64(p.Timestamp))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p.Value))
	}
	return b
}

func unpackBlock(key string, data []byte) ([]Metric, error) {
	if len(data)%pointSize != 0 || len(data)/pointSize > maxBlockPoints {
		return nil, fmt.Errorf("metric block of %q has %d bytes: corrupt", key, len(data))
	}
	out := make([]Metric, len(data)/pointSize)
	for i := range out {
		d := data[i*pointSize:]
		out[i] = Metric{Key: key, Step: int64(binary.LittleEndian.Uint64(d)), Timestamp: int64(binary.LittleEndian.Uint64(d[8:])),
			Value: math.Float64frombits(binary.LittleEndian.Uint64(d[16:]))}
	}
	return out, nil
}

const insertBlockSQL = `INSERT INTO metric_blocks (run_pk, key, first_step, last_step, points, data) VALUES (?, ?, ?, ?, ?, ?)`

// insertBlocks appends one block per key of the batch.
func (s *Service) insertBlocks(ctx context.Context, tx *sql.Tx, pk int64, metrics []Metric) error {
	byKey := map[string][]Metric{}
	var keys []string
	for _, m := range metrics {
		if _, ok := byKey[m.Key]; !ok {
			keys = append(keys, m.Key)
		}
		byKey[m.Key] = append(byKey[m.Key], m)
	}
	return s.txStmt(ctx, tx, insertBlockSQL, func(stmt *sql.Stmt) error {
		for _, k := range keys {
			pts := byKey[k]
			data := packBlock(pts) // sorts pts
			if _, err := stmt.ExecContext(ctx, pk, k, pts[0].Step, pts[len(pts)-1].Step, len(pts), data); err != nil {
				return err
			}
		}
		return nil
	})
}

// readHistory returns up to limit points of one key after the cursor (all
// of them when limit <= 0), in order, duplicates dropped. Blocks are read
// in first-step order and a point is released once no unread block can
// hold a smaller one, so a page reads only the blocks it needs.
func (s *Service) readHistory(ctx context.Context, pk int64, key string, after *Metric, limit int) ([]Metric, error) {
	q := `SELECT first_step, data FROM metric_blocks WHERE run_pk = ? AND key = ?`
	args := []any{pk, key}
	if after != nil {
		q += ` AND last_step >= ?`
		args = append(args, after.Step)
	}
	rows, err := s.db.Read.QueryContext(ctx, q+` ORDER BY first_step, block_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var pending []Metric // sorted points loaded but not yet released
	out := []Metric{}
	var last *Metric
	release := func(bound int64, all bool) bool {
		n := 0
		for n < len(pending) && (all || pending[n].Step < bound) {
			p := pending[n]
			n++
			if after != nil && comparePoints(p, *after) <= 0 || last != nil && samePoint(p, *last) {
				continue
			}
			out = append(out, p)
			last = &out[len(out)-1]
			if limit > 0 && len(out) >= limit {
				pending = pending[n:]
				return true
			}
		}
		pending = pending[n:]
		return false
	}
	for rows.Next() {
		var first int64
		var data []byte
		if err := rows.Scan(&first, &data); err != nil {
			return nil, err
		}
		if release(first, false) {
			return out, nil
		}
		pts, err := unpackBlock(key, data)
		if err != nil {
			return nil, err
		}
		pending = mergeSorted(pending, pts)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	release(0, true)
	return out, nil
}

func mergeSorted(a, b []Metric) []Metric {
	if len(a) == 0 {
		return b
	}
	out := make([]Metric, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if comparePoints(a[i], b[j]) <= 0 {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return append(append(out, a[i:]...), b[j:]...)
}
