package predlog

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// discard empties the queue without writing, so a benchmark measures Log
// alone and never fills the queue.
func (w *Writer) discard() {
	w.mu.Lock()
	blocks := w.q.take()
	w.pending, w.bytes = 0, 0
	w.mu.Unlock()
	clearBlocks(blocks)
	w.mu.Lock()
	w.q.recycle(blocks)
	w.mu.Unlock()
}

// idleWriter is a writer whose loop never wakes during a benchmark.
func idleWriter(b *testing.B, capacity int) *Writer {
	w := New(openDB(b), Options{Capacity: capacity, BatchSize: capacity + 1, FlushInterval: time.Hour})
	b.Cleanup(func() {
		w.discard()
		w.Close(context.Background())
	})
	return w
}

// BenchmarkLog is the cost Log adds to every sampled prediction.
func BenchmarkLog(b *testing.B) {
	e := entry(1) // zero time: Log reads the clock, as in serving
	b.Run("accepted", func(b *testing.B) {
		// A queue the size of the kept blocks: once warm, Log reuses them
		// and allocates nothing, as under steady traffic.
		const capacity = maxFreeBlocks * blockLen
		w := idleWriter(b, capacity)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if !w.Log(e) {
				b.Fatal("refused")
			}
			if i%capacity == capacity-1 {
				b.StopTimer()
				w.discard()
				b.StartTimer()
			}
		}
	})
	b.Run("dropped", func(b *testing.B) {
		w := idleWriter(b, 1)
		w.Log(e)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if w.Log(e) {
				b.Fatal("accepted beyond capacity")
			}
		}
	})
	// Many request goroutines at once; the queue is emptied inline (and
	// timed) whenever it fills.
	b.Run("parallel", func(b *testing.B) {
		w := idleWriter(b, maxFreeBlocks*blockLen)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !w.Log(e) {
					w.discard()
				}
			}
		})
	})
}

// BenchmarkWriteThroughput is how many entries per second the writer
// stores in SQLite when Log is called as fast as the queue allows.
func BenchmarkWriteThroughput(b *testing.B) {
	db := openDB(b)
	w := New(db, Options{})
	e := entry(1)
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for !w.Log(e) {
			runtime.Gosched()
		}
	}
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
	if rows := countRows(b, db); rows != b.N {
		b.Fatalf("stored %d rows, want %d", rows, b.N)
	}
}

// BenchmarkReader is the cost of reading the log back, per entry
// returned or, for a request id lookup and stats, per entry decoded:
// streaming a window (dark mode statistics), a page, a lookup, and
// summarising.
func BenchmarkReader(b *testing.B) {
	const n = 100_000
	db := openDB(b)
	w := New(db, Options{Capacity: n})
	for _, e := range realisticEntries(n) {
		w.Log(e)
	}
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	r := NewReader(db)
	ctx := context.Background()
	perEntry := func(b *testing.B, entries int) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*entries), "ns/entry")
	}
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			if err := r.Scan(ctx, Filter{Model: "churn"}, func(*Entry) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
		perEntry(b, n)
	})
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := r.Query(ctx, Filter{Model: "churn", Limit: 100}); err != nil {
				b.Fatal(err)
			}
		}
		perEntry(b, 100)
	})
	b.Run("request", func(b *testing.B) { // a lookup decodes the lookback
		id := realisticEntries(1)[0].RequestID
		for b.Loop() {
			if page, _, err := r.Query(ctx, Filter{RequestID: id}); err != nil || len(page) != 1 {
				b.Fatal(len(page), err)
			}
		}
		perEntry(b, n)
	})
	b.Run("stats", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.Stats(ctx, "churn", time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
		perEntry(b, n)
	})
}
