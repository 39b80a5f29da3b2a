package predlog

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Every field of an entry comes back from the database as it was logged,
// with time and latency kept to the microsecond.
func TestLoggedEntriesReadBackExactly(t *testing.T) {
	db := openDB(t)
	w := New(db, Options{KeepInputs: true, FlushInterval: time.Hour})
	base := time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)
	in := []Entry{
		{RequestID: "r1", Time: base, Model: "email-intent", Version: 7, Alias: "production", Arm: ArmProduction,
			ExperimentID: "exp-1", InputDigest: strings.Repeat("ab", 32), Inputs: json.RawMessage(`{"body":"hi"}`),
			Outputs: json.RawMessage(`{"label":"reply","probabilities":[0.9,0.1]}`), Latency: 1234567 * time.Nanosecond},
		{RequestID: "r1", Time: base.Add(time.Microsecond), Model: "email-intent", Version: 8, Alias: "alpha", Arm: ArmAlpha,
			ExperimentID: "exp-1", InputDigest: strings.Repeat("ab", 32), Inputs: json.RawMessage(`{"body":"hi"}`),
			Outputs: json.RawMessage(`{"label":"spam"}`), Latency: 2 * time.Millisecond, CacheHit: true},
		{RequestID: "r2", Time: base.Add(time.Second), Model: "email-intent", Version: 7, Arm: ArmNone,
			Latency: 5 * time.Microsecond, Error: "model: invalid input: column \"body\" missing"},
		{RequestID: "r3", Time: base.Add(2 * time.Second), Model: "email-intent", Version: 7, Arm: ArmShadow,
			Outputs: json.RawMessage(`{"label":"out_of_office"}`), Rule: "ooo"},
	}
	for _, e := range in {
		if !w.Log(e) {
			t.Fatalf("Log(%s) refused", e.RequestID)
		}
	}
	closeWriter(t, w)
	got, next, err := NewReader(db).Query(context.Background(), Filter{})
	if err != nil || next != "" {
		t.Fatalf("query: %v (next %q)", err, next)
	}
	if len(got) != len(in) {
		t.Fatalf("read %d entries, want %d", len(got), len(in))
	}
	for i := range in {
		want := in[i]
		want.Time = want.Time.Truncate(time.Microsecond)
		want.Latency = want.Latency.Truncate(time.Microsecond)
		if got[i].ID <= 0 || i > 0 && got[i].ID <= got[i-1].ID {
			t.Errorf("entry %d has id %d after %d", i, got[i].ID, got[max(i-1, 0)].ID)
		}
		want.ID = got[i].ID
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, got[i], want)
		}
	}
}

// Inputs are kept only when asked for; a zero time takes the clock's.
func TestLogDropsInputsUnlessKeptAndStampsTime(t *testing.T) {
	db := openDB(t)
	now := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	w := New(db, Options{Now: func() time.Time { return now }})
	e := entry(1)
	e.Inputs = json.RawMessage(`{"x":1}`)
	w.Log(e)
	closeWriter(t, w)
	got, _, err := NewReader(db).Query(context.Background(), Filter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("query: %v, %d rows", err, len(got))
	}
	if got[0].Inputs != nil {
		t.Errorf("inputs stored without KeepInputs: %s", got[0].Inputs)
	}
	if !got[0].Time.Equal(now) {
		t.Errorf("time %v, want the clock's %v", got[0].Time, now)
	}
}

// With the database's single writer busy, a full queue drops entries and
// counts them; Log never waits. Once the writer is free, Close stores
// exactly the accepted entries.
func TestFullQueueDropsInsteadOfBlocking(t *testing.T) {
	db := openDB(t)
	// Hold the only write connection, as a long transaction elsewhere would.
	tx, err := db.Write.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	const capacity, calls = 100, 5000
	w := New(db, Options{Capacity: capacity, BatchSize: 10, FlushInterval: time.Millisecond})
	accepted := make(chan int)
	go func() {
		n := 0
		for i := range calls {
			if w.Log(entry(i)) {
				n++
			}
		}
		accepted <- n
	}()
	var n int
	select {
	case n = <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("Log blocked while the writer was stuck")
	}
	if n != capacity || w.Dropped() != calls-capacity {
		t.Fatalf("accepted %d, dropped %d; want %d and %d", n, w.Dropped(), capacity, calls-capacity)
	}
	if q := w.QueueLen(); q != capacity {
		t.Errorf("QueueLen %d, want %d", q, capacity)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	closeWriter(t, w)
	if rows := countRows(t, db); rows != capacity || w.Written() != capacity {
		t.Fatalf("stored %d rows, Written %d; want %d", rows, w.Written(), capacity)
	}
}

// The byte budget bounds the queue as well as the count.
func TestByteBudgetDrops(t *testing.T) {
	db := openDB(t)
	tx, err := db.Write.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	big := entry(0)
	big.Outputs = json.RawMessage(`"` + strings.Repeat("x", 10_000) + `"`)
	w := New(db, Options{MaxBytes: 3*big.size() + 1})
	var accepted int
	for range 10 {
		if w.Log(big) {
			accepted++
		}
	}
	if accepted != 3 || w.Dropped() != 7 {
		t.Fatalf("accepted %d, dropped %d; want 3 and 7", accepted, w.Dropped())
	}
	tx.Rollback()
	closeWriter(t, w)
	if rows := countRows(t, db); rows != 3 {
		t.Fatalf("stored %d rows, want 3", rows)
	}
}

// Close writes every accepted entry: entries no batch or tick has woken
// the writer for (fewer than BatchSize), and a queue that was also
// written in batches while it filled. A second Close is harmless; Log
// after Close refuses.
func TestCloseFlushesEveryAcceptedEntry(t *testing.T) {
	for _, n := range []int{300, 10_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db := openDB(t)
			w := New(db, Options{FlushInterval: time.Hour, BatchSize: 512})
			for i := range n {
				if !w.Log(entry(i)) {
					t.Fatalf("entry %d refused", i)
				}
			}
			closeWriter(t, w)
			if rows := countRows(t, db); rows != n || w.Written() != uint64(n) || w.QueueLen() != 0 {
				t.Fatalf("stored %d rows, Written %d, queue %d; want %d, %d, 0", rows, w.Written(), w.QueueLen(), n, n)
			}
			closeWriter(t, w)
			if w.Log(entry(n)) || w.Dropped() != 1 {
				t.Fatalf("Log after Close accepted (dropped %d)", w.Dropped())
			}
		})
	}
}

// When Close's context ends before the writer can write, Close returns,
// saying how many accepted entries were lost.
func TestCloseGivesUpWhenContextEnds(t *testing.T) {
	db := openDB(t)
	tx, err := db.Write.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	w := New(db, Options{})
	for i := range 10 {
		w.Log(entry(i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err = w.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "10 accepted entries were not written") {
		t.Fatalf("Close = %v, want a loss of 10", err)
	}
	if w.Failed() != 10 || w.Written() != 0 || w.QueueLen() != 0 {
		t.Fatalf("failed %d, written %d, queue %d", w.Failed(), w.Written(), w.QueueLen())
	}
}

// A batch the database keeps refusing is retried, then counted as failed,
// and its room in the queue is given back.
func TestFailingBatchIsRetriedThenCounted(t *testing.T) {
	db := openDB(t)
	if _, err := db.Write.Exec(`DROP TABLE prediction_segments`); err != nil {
		t.Fatal(err)
	}
	w := New(db, Options{FlushInterval: time.Millisecond})
	w.retryBase = time.Millisecond
	for i := range 5 {
		w.Log(entry(i))
	}
	err := w.Close(context.Background())
	if err == nil || w.Failed() != 5 || w.Written() != 0 || w.QueueLen() != 0 {
		t.Fatalf("Close = %v; failed %d, written %d, queue %d", err, w.Failed(), w.Written(), w.QueueLen())
	}
}

// An entry with an unknown arm cannot be stored (the segment encoding
// has room for the four arms only), so Log refuses it alone.
func TestUnknownArmIsRefused(t *testing.T) {
	db := openDB(t)
	w := New(db, Options{})
	bad := entry(0)
	bad.Arm = "beta"
	if w.Log(bad) || w.Dropped() != 1 {
		t.Fatal("Log accepted an unknown arm")
	}
	w.Log(entry(1))
	closeWriter(t, w)
	if rows := countRows(t, db); rows != 1 {
		t.Fatalf("stored %d rows, want 1", rows)
	}
}

// Many goroutines logging at once lose nothing (run with -race).
func TestConcurrentLog(t *testing.T) {
	db := openDB(t)
	w := New(db, Options{BatchSize: 100, FlushInterval: time.Millisecond})
	const workers, each = 16, 1000
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for i := range each {
				e := entry(g*each + i)
				if !w.Log(e) {
					t.Errorf("entry %s refused", e.RequestID)
				}
			}
		})
	}
	// Read concurrently too: the counters are safe to poll.
	wg.Go(func() {
		for range 1000 {
			if w.QueueLen() > workers*each || w.Written() > workers*each {
				t.Error("counters beyond what was logged")
			}
			runtime.Gosched()
		}
	})
	wg.Wait()
	closeWriter(t, w)
	ids := map[string]bool{}
	rows := 0
	err := NewReader(db).Scan(context.Background(), Filter{}, func(e *Entry) error {
		rows++
		ids[e.RequestID] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if distinct := len(ids); rows != workers*each || distinct != workers*each {
		t.Fatalf("stored %d rows (%d distinct), want %d", rows, distinct, workers*each)
	}
}

// Batches larger than one segment and not a multiple of it are stored
// whole, cut into full segments and a last partial one.
func TestBatchesAcrossSegmentBoundaries(t *testing.T) {
	const segEntries = 64
	for _, n := range []int{1, segEntries - 1, segEntries, segEntries + 1, 3*segEntries + 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db := openDB(t)
			// One batch: only Close wakes the writer.
			w := New(db, Options{BatchSize: 1000, FlushInterval: time.Hour})
			w.seg.maxEntries = segEntries // before Log: the loop reads it after Log's lock
			for i := range n {
				w.Log(entry(i))
			}
			closeWriter(t, w)
			if rows := countRows(t, db); rows != n {
				t.Fatalf("stored %d rows, want %d", rows, n)
			}
			want := (n + segEntries - 1) / segEntries
			var segs int
			if err := db.Read.QueryRow(`SELECT COUNT(*) FROM prediction_segments`).Scan(&segs); err != nil {
				t.Fatal(err)
			}
			if segs != want {
				t.Fatalf("%d segments, want %d", segs, want)
			}
			seen := map[string]bool{}
			err := NewReader(db).Scan(context.Background(), Filter{}, func(e *Entry) error {
				seen[e.RequestID] = true
				return nil
			})
			if err != nil || len(seen) != n {
				t.Fatalf("scan: %v, %d distinct entries, want %d", err, len(seen), n)
			}
		})
	}
}
