package experiments

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Most of a long curve's time is SQLite handing over blobs, one
// connection at a time, and the read pool has several. So a history whose
// blocks do not overlap is cut into parts of whole columns read side by
// side: each part reads the blocks that may hold its steps and keeps the
// points of its own columns (a block across a cut is read by both). No
// column spans two parts, so the parts' columns simply follow each other.

// minPartBlocks is the fewest blocks worth a part of their own.
const minPartBlocks = 64

// blockRange is the steps from..to of a history, in blocks with ids
// above afterID.
type blockRange struct {
	from, to int64
	afterID  int64
}

// curveParts is how many parts to read a history of blocks in: one per
// processor, at most 4, none smaller than minPartBlocks.
func curveParts(blocks int) int {
	return min(runtime.GOMAXPROCS(0), 4, max(blocks/minPartBlocks, 1))
}

// readParts reads an ordered history into r in curveParts parts.
func (s *Service) readParts(ctx context.Context, pk int64, key string, r *reducer, l layout) error {
	return s.readInParts(ctx, pk, key, r, l, curveParts(l.blocks))
}

func (s *Service) readInParts(ctx context.Context, pk int64, key string, r *reducer, l layout, n int) error {
	kLo, kHi := l.lo>>r.shift, l.hi>>r.shift
	n = int(min(int64(n), kHi-kLo+1))
	parts := make([]reducer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		span := kHi - kLo + 1 // at most the columns asked for: no overflow
		from, to := kLo+span*int64(i)/int64(n), kLo+span*int64(i+1)/int64(n)-1
		lo, hi := columnSteps(from, to, r.shift)
		parts[i].shift = r.shift
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.streamBlocks(ctx, pk, key, &parts[i], blockRange{from: lo, to: hi})
		}()
	}
	wg.Wait()
	for i := range parts {
		if errs[i] != nil {
			return errs[i]
		}
		r.buckets = append(r.buckets, parts[i].buckets...)
		if parts[i].have {
			r.lastStep, r.lastTS, r.lastBits, r.have, r.seq = parts[i].lastStep, parts[i].lastTS, parts[i].lastBits, true, parts[i].seq
		}
	}
	return nil
}

// streamBlocks feeds the points of br, from blocks that do not overlap,
// to r in step order, decoding each block where the driver left it.
func (s *Service) streamBlocks(ctx context.Context, pk int64, key string, r *reducer, br blockRange) error {
	return s.eachRow(ctx, `SELECT data FROM metric_blocks WHERE run_pk = ? AND key = ? AND first_step <= ? AND last_step >= ? AND block_id > ?
		ORDER BY first_step, block_id`, []any{pk, key, br.to, br.from, br.afterID}, func(scan func(...any) error) error {
		var data sql.RawBytes // valid until the next row: not copied
		if err := scan(&data); err != nil {
			return err
		}
		if len(data)%pointSize != 0 || len(data)/pointSize > maxBlockPoints {
			return fmt.Errorf("metric block of %q has %d bytes: corrupt", key, len(data))
		}
		for i := 0; i+pointSize <= len(data); i += pointSize {
			d := data[i : i+pointSize]
			if step := int64(binary.LittleEndian.Uint64(d)); step >= br.from && step <= br.to {
				r.add(step, int64(binary.LittleEndian.Uint64(d[8:])), binary.LittleEndian.Uint64(d[16:]))
			}
		}
		return nil
	})
}

// streamPages feeds a history whose blocks overlap to r a page at a time,
// through readHistory's merge, so memory stays bounded by the page.
func (s *Service) streamPages(ctx context.Context, pk int64, key string, r *reducer) error {
	var after *Metric
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		page, err := s.readHistory(ctx, pk, key, after, curvePage)
		if err != nil {
			return err
		}
		for _, p := range page {
			r.add(p.Step, p.Timestamp, math.Float64bits(p.Value))
		}
		if len(page) < curvePage {
			return nil
		}
		last := page[len(page)-1]
		after = &last
	}
}
