package predlog

import (
	"context"
	"time"
)

// maxAttempts bounds the tries of one batch. A database that stays
// unwritable past them costs that batch rather than stalling the log
// (the queue would fill and every later prediction would be dropped).
const maxAttempts = 5

// maxRetryDelay caps the wait between tries.
const maxRetryDelay = 2 * time.Second

// run is the writer loop: it wakes when a batch is ready or every
// FlushInterval, writes what is queued, and on Close writes the rest.
func (w *Writer) run(ctx context.Context) {
	defer close(w.done)
	defer w.insert.close()
	tick := time.NewTicker(w.opts.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-w.kick:
		case <-tick.C:
		case <-w.stop:
			// Log accepts nothing once stop is closed, so emptying the
			// queue now writes every accepted entry.
			for w.flush(ctx) {
			}
			return
		}
		w.flush(ctx)
	}
}

// flush writes the entries queued now, in transactions of BatchSize, and
// reports whether there were any.
func (w *Writer) flush(ctx context.Context) bool {
	w.mu.Lock()
	blocks := w.q.take()
	w.mu.Unlock()
	if len(blocks) == 0 {
		return false
	}
	batch := make([]*Entry, 0, w.opts.BatchSize)
	for _, b := range blocks {
		for i := range b.n {
			batch = append(batch, &b.e[i])
			if len(batch) == w.opts.BatchSize {
				w.writeBatch(ctx, batch)
				batch = batch[:0]
			}
		}
	}
	if len(batch) > 0 {
		w.writeBatch(ctx, batch)
	}
	clearBlocks(blocks)
	w.mu.Lock()
	w.q.recycle(blocks)
	w.mu.Unlock()
	return true
}

// writeBatch stores one batch, retrying with backoff, then releases its
// room in the queue whether it was stored or given up.
func (w *Writer) writeBatch(ctx context.Context, batch []*Entry) {
	segs := w.seg.build(batch) // once: a retry writes the same bytes
	var err error
	delay := w.retryBase
	for attempt := 1; ; attempt++ {
		if err = w.insertSegments(ctx, segs, w.seg.buf); err == nil {
			w.written.Add(uint64(len(batch)))
			break
		}
		if attempt == maxAttempts || ctx.Err() != nil {
			w.failed.Add(uint64(len(batch)))
			w.opts.Logger.Error("prediction log: batch not written", "entries", len(batch), "attempts", attempt, "err", err)
			break
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
		delay = min(2*delay, maxRetryDelay)
	}
	w.seg.release()
	var size int64
	for _, e := range batch {
		size += e.size()
	}
	w.mu.Lock()
	w.pending -= len(batch)
	w.bytes -= size
	w.mu.Unlock()
}
