package predlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddockml/paddock/sqldb"
)

// Options configures a Writer. Zero values take the defaults.
type Options struct {
	// Capacity bounds the entries queued or being written. Default 65536.
	Capacity int
	// MaxBytes bounds the memory those entries hold (their strings and
	// JSON plus a fixed overhead each). Default 64 MiB.
	MaxBytes int64
	// BatchSize is the most entries written in one transaction, and so
	// the most in one segment; as many queued entries wake the writer
	// early. Default 512.
	BatchSize int
	// FlushInterval is the longest an entry waits before the writer
	// wakes for it. Default 200ms.
	FlushInterval time.Duration
	// KeepInputs keeps Entry.Inputs; when false Log drops them and only
	// the digest is stored. Default false.
	KeepInputs bool
	// Now is the clock for entries logged without a time. Default time.Now.
	Now func() time.Time
	// Logger receives write failures. Default: discard.
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.Capacity <= 0 {
		o.Capacity = 65536
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 64 << 20
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 512
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 200 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Writer logs predictions asynchronously. Log is safe for concurrent use
// and never waits on the database; Close flushes and stops the writer.
type Writer struct {
	db   *sqldb.DB
	opts Options

	mu      sync.Mutex
	q       queue
	pending int   // entries queued or being written, at most Capacity
	bytes   int64 // what they count against MaxBytes
	closed  bool

	kick   chan struct{} // a batch is ready: wake the writer early
	stop   chan struct{} // closed by Close
	done   chan struct{} // closed when the writer loop has returned
	cancel context.CancelFunc
	once   sync.Once

	written, dropped, failed atomic.Uint64

	seg       segmenter
	insert    insertStmt
	retryBase time.Duration // first retry delay; tests shorten it
}

// New starts a Writer that writes to db's prediction log. Call Close
// to flush and stop it.
func New(db *sqldb.DB, opts Options) *Writer {
	opts.setDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	w := &Writer{
		db: db, opts: opts,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		cancel: cancel, seg: newSegmenter(), insert: insertStmt{db: db}, retryBase: 50 * time.Millisecond,
	}
	go w.run(ctx)
	return w
}

// Log queues e for writing and reports whether it was accepted. It never
// blocks on I/O: when the queue is full (by count or bytes), after Close,
// or when e.Arm is not a known arm, e is dropped, counted in Dropped, and
// Log returns false. An accepted entry is written before Close returns.
// Log keeps e's Inputs and Outputs slices: the caller must not modify them.
func (w *Writer) Log(e Entry) bool {
	if !validArm(e.Arm) {
		w.dropped.Add(1)
		return false
	}
	if !w.opts.KeepInputs {
		e.Inputs = nil
	}
	if e.Time.IsZero() {
		e.Time = w.opts.Now()
	}
	e.ID, e.Time, e.Latency = 0, e.Time.Truncate(time.Microsecond), e.Latency.Truncate(time.Microsecond)
	size := e.size()
	w.mu.Lock()
	if w.closed || w.pending >= w.opts.Capacity || w.bytes+size > w.opts.MaxBytes {
		w.mu.Unlock()
		w.dropped.Add(1)
		return false
	}
	w.pending++
	w.bytes += size
	ready := w.q.push(&e) == w.opts.BatchSize
	w.mu.Unlock()
	if ready {
		select {
		case w.kick <- struct{}{}:
		default: // the writer is already due to wake
		}
	}
	return true
}

// Written returns how many entries have been stored.
func (w *Writer) Written() uint64 { return w.written.Load() }

// Dropped returns how many entries Log refused (queue full, closed, bad arm).
func (w *Writer) Dropped() uint64 { return w.dropped.Load() }

// Failed returns how many accepted entries could not be stored: their
// batch failed every retry, or Close gave up on them.
func (w *Writer) Failed() uint64 { return w.failed.Load() }

// QueueLen returns how many accepted entries are not yet stored.
func (w *Writer) QueueLen() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pending
}

// Close stops accepting entries and writes every accepted one before
// returning. If ctx ends first, the writes left are abandoned and Close
// returns an error counting them. Calling Close again waits for the same
// end and reports the same loss.
func (w *Writer) Close(ctx context.Context) error {
	w.once.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		close(w.stop)
	})
	var ctxErr error
	select {
	case <-w.done:
	case <-ctx.Done():
		ctxErr = ctx.Err()
		w.cancel()
		<-w.done
	}
	w.cancel()
	if n := w.failed.Load(); n > 0 {
		return errors.Join(fmt.Errorf("close prediction log: %d accepted entries were not written", n), ctxErr)
	}
	return nil
}
