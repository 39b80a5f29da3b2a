package predlog

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddockml/paddock/sqldb"
)

// scanAll returns what Scan streams for f.
func scanAll(t *testing.T, r *Reader, f Filter) []Entry {
	t.Helper()
	var out []Entry
	if err := r.Scan(context.Background(), f, func(e *Entry) error {
		out = append(out, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// pageAll concatenates Query's pages of f.
func pageAll(t *testing.T, r *Reader, f Filter) []Entry {
	t.Helper()
	var out []Entry
	for pages := 0; ; pages++ {
		page, next, err := r.Query(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		if len(page) != f.Limit || pages > 10_000 {
			t.Fatalf("page of %d with a next cursor (limit %d)", len(page), f.Limit)
		}
		f.After = next
	}
}

func ids(entries []Entry) []int64 {
	out := make([]int64, len(entries))
	for i, e := range entries {
		out[i] = e.ID
	}
	return out
}

// logOverlapping logs n entries of two models in shuffled order within
// 40 µs, in small batches cut into segments of 7: segments overlap in
// time and ties on time span segments, so every read must merge.
func logOverlapping(t *testing.T, db *sqldb.DB, n int, prefix string, offsetUS int) {
	t.Helper()
	w := New(db, Options{BatchSize: 50, FlushInterval: time.Hour})
	w.seg.maxEntries = 7 // before Log: the loop reads it after Log's lock
	rng := rand.New(rand.NewPCG(1, uint64(offsetUS)))
	for i := range n {
		e := Entry{RequestID: fmt.Sprintf("%s%04d", prefix, i), Time: at(offsetUS + rng.IntN(40)),
			Model: []string{"churn", "fraud"}[i%2], Version: int64(1 + i%3), Arm: ArmProduction}
		if !w.Log(e) {
			t.Fatal("refused")
		}
	}
	closeWriter(t, w)
}

// Scan yields every entry once in strict (time, id) order, and paging
// with cursors of any size, through segment boundaries and ties, yields
// the same sequence, with or without filters.
func TestCursorsAcrossSegments(t *testing.T) {
	db := openDB(t)
	logOverlapping(t, db, 600, "r", 0)
	r := NewReader(db)
	all := scanAll(t, r, Filter{})
	seen := map[string]bool{}
	for i, e := range all {
		seen[e.RequestID] = true
		if i > 0 && !(e.Time.After(all[i-1].Time) || e.Time.Equal(all[i-1].Time) && e.ID > all[i-1].ID) {
			t.Fatalf("entry %d (%v, %d) after (%v, %d)", i, e.Time, e.ID, all[i-1].Time, all[i-1].ID)
		}
	}
	if len(all) != 600 || len(seen) != 600 {
		t.Fatalf("scan gave %d entries, %d distinct, want 600", len(all), len(seen))
	}
	var segs int
	db.Read.QueryRow(`SELECT COUNT(*) FROM prediction_segments`).Scan(&segs)
	if segs < 600/7 {
		t.Fatalf("only %d segments: the test would not cross boundaries", segs)
	}
	window := Filter{Model: "fraud", Version: 2, Since: at(10), Until: at(30)}
	var want []Entry
	for _, e := range all {
		if e.Model == "fraud" && e.Version == 2 && !e.Time.Before(at(10)) && e.Time.Before(at(30)) {
			want = append(want, e)
		}
	}
	if got := scanAll(t, r, window); !slices.Equal(ids(got), ids(want)) || len(want) == 0 {
		t.Fatalf("filtered scan gave %v, want %v", ids(got), ids(want))
	}
	for _, limit := range []int{1, 6, 7, 8, 100, 599, 600, 1000} {
		f := Filter{Limit: limit}
		if got := pageAll(t, r, f); !slices.Equal(ids(got), ids(all)) {
			t.Fatalf("limit %d: pages differ from the scan", limit)
		}
		f = window
		f.Limit = limit
		if got := pageAll(t, r, f); !slices.Equal(ids(got), ids(want)) {
			t.Fatalf("limit %d: filtered pages differ from the scan", limit)
		}
	}
	// Scan honours a cursor too.
	after := Filter{After: makeCursor(all[299].Time.UnixMicro(), all[299].ID)}
	if got := scanAll(t, r, after); !slices.Equal(ids(got), ids(all[300:])) {
		t.Fatal("scan after a cursor differs from the rest of the log")
	}
}

// A cursor stays valid while more is logged: paging on after a later
// batch misses and repeats nothing.
func TestCursorSurvivesLaterWrites(t *testing.T) {
	db := openDB(t)
	logOverlapping(t, db, 200, "a", 0)
	r := NewReader(db)
	first, next, err := r.Query(context.Background(), Filter{Limit: 77})
	if err != nil || next == "" {
		t.Fatalf("first page: %v, next %q", err, next)
	}
	logOverlapping(t, db, 200, "b", 100)
	rest := pageAll(t, r, Filter{Limit: 50, After: next})
	if got, want := ids(append(first, rest...)), ids(scanAll(t, r, Filter{})); !slices.Equal(got, want) {
		t.Fatalf("pages across a write: %d entries, want %d", len(got), len(want))
	}
}

// A segment can start up to maxSegmentSpan before the window it
// overlaps; reads still find its entries inside the window.
func TestWindowFindsLongSegments(t *testing.T) {
	db := openDB(t)
	w := New(db, Options{FlushInterval: time.Hour})
	for _, s := range []int{0, 5, 9} {
		w.Log(Entry{RequestID: fmt.Sprint(s), Time: t0.Add(time.Duration(s) * time.Second), Model: "m"})
	}
	closeWriter(t, w)
	r := NewReader(db)
	for _, c := range []struct {
		f    Filter
		want string
	}{
		{Filter{Since: t0.Add(8 * time.Second)}, "9"},
		{Filter{Model: "m", Since: t0.Add(5 * time.Second)}, "5 9"},
		{Filter{Until: t0.Add(5 * time.Second)}, "0"},
		{Filter{Since: t0.Add(time.Second), Until: t0.Add(6 * time.Second)}, "5"},
	} {
		var got []string
		for _, e := range scanAll(t, r, c.f) {
			got = append(got, e.RequestID)
		}
		if fmt.Sprint(got) != "["+c.want+"]" {
			t.Errorf("%+v: got %v, want [%s]", c.f, got, c.want)
		}
	}
}

// Scan streams past Query's page limit, and stops at fn's first error,
// returning it as is.
func TestScanStreamsAndStops(t *testing.T) {
	db := openDB(t)
	w := New(db, Options{Capacity: 20_000, FlushInterval: time.Hour})
	for i := range MaxLimit + 2000 {
		w.Log(Entry{RequestID: fmt.Sprint(i), Time: at(i / 3), Model: "m"})
	}
	closeWriter(t, w)
	r := NewReader(db)
	if got := scanAll(t, r, Filter{Limit: 5}); len(got) != MaxLimit+2000 {
		t.Fatalf("scan gave %d entries, want %d", len(got), MaxLimit+2000)
	}
	stop := errors.New("enough")
	calls := 0
	err := r.Scan(context.Background(), Filter{}, func(*Entry) error {
		if calls++; calls == 10 {
			return stop
		}
		return nil
	})
	if err != stop || calls != 10 {
		t.Fatalf("Scan = %v after %d calls, want the callback's error after 10", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Scan(ctx, Filter{}, func(*Entry) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("Scan on a cancelled context = %v", err)
	}
}

// A request id lookup without Since searches RequestLookback back from
// Until or from the newest entry; Since widens it.
func TestRequestLookback(t *testing.T) {
	db := openDB(t)
	r := NewReader(db)
	if got, _, err := r.Query(context.Background(), Filter{RequestID: "r"}); err != nil || len(got) != 0 {
		t.Fatalf("empty log: %v, %v", got, err)
	}
	w := New(db, Options{FlushInterval: time.Hour})
	hour := t0.Add(time.Hour)
	w.Log(Entry{RequestID: "r", Time: t0, Model: "m", Version: 1})
	w.Log(Entry{RequestID: "r", Time: hour, Model: "m", Version: 2})
	w.Log(Entry{RequestID: "other", Time: hour.Add(RequestLookback - time.Second), Model: "m"})
	closeWriter(t, w)
	for _, c := range []struct {
		f    Filter
		want []int64
	}{
		{Filter{RequestID: "r"}, []int64{2}},
		{Filter{RequestID: "r", Since: t0}, []int64{1, 2}},
		{Filter{RequestID: "r", Until: t0.Add(time.Second)}, []int64{1}},
		{Filter{RequestID: "r", Until: hour.Add(time.Second)}, []int64{2}},
	} {
		var got []int64
		for _, e := range scanAll(t, r, c.f) {
			got = append(got, e.Version)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%+v: versions %v, want %v", c.f, got, c.want)
		}
	}
}

// A corrupt segment in the database is an error for the reads that
// reach it, not a panic.
func TestCorruptSegmentIsReadError(t *testing.T) {
	db := openDB(t)
	_, err := db.Write.Exec(`INSERT INTO prediction_segments (model, min_time_us, max_time_us, entries, data)
		VALUES ('m', 0, 0, 1, ?)`, []byte{segmentPlain, 1, 'm', 0, 1, 0, 0, 0xff})
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(db)
	if _, _, err := r.Query(context.Background(), Filter{}); !errors.Is(err, errCorrupt) {
		t.Errorf("Query = %v, want corrupt", err)
	}
	if _, err := r.StatsOf(context.Background(), Filter{Model: "m"}); !errors.Is(err, errCorrupt) {
		t.Errorf("StatsOf = %v, want corrupt", err)
	}
	if _, _, err := r.Query(context.Background(), Filter{Model: "other"}); err != nil {
		t.Errorf("a read that skips the segment failed: %v", err)
	}
}

// Latency percentiles come from the newest MaxLatencySample answers:
// older ones, however slow, are left out.
func TestStatsSampleKeepsNewest(t *testing.T) {
	db := openDB(t)
	w := New(db, Options{Capacity: 2 * MaxLatencySample, FlushInterval: time.Hour})
	for i := range 50 {
		w.Log(Entry{RequestID: "old", Time: at(i), Model: "m", Latency: time.Hour})
	}
	for i := range MaxLatencySample {
		lat := time.Duration((i*7919)%MaxLatencySample+1) * time.Microsecond // 1..100000 µs, shuffled
		w.Log(Entry{RequestID: "new", Time: at(100 + i), Model: "m", Latency: lat})
	}
	closeWriter(t, w)
	s, err := NewReader(db).Stats(context.Background(), "m", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ms := time.Millisecond
	want := Stats{Count: MaxLatencySample + 50, LatencySamples: MaxLatencySample, LatencyP50: 50 * ms, LatencyP95: 95 * ms, LatencyP99: 99 * ms}
	if s != want {
		t.Fatalf("stats\n got %+v\nwant %+v", s, want)
	}
}

// Close while many goroutines log stores exactly the entries Log
// accepted, and they are in the file: a database opened afresh reads
// every one of them.
func TestCloseFlushesWhileLogging(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paddock.db")
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, path, sqldb.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := New(db, Options{BatchSize: 64, FlushInterval: time.Millisecond})
	var accepted atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				if w.Log(Entry{RequestID: fmt.Sprintf("%d-%d", g, i), Model: "m"}) {
					accepted.Add(1)
				}
			}
		})
	}
	for w.Written() < 2000 {
		time.Sleep(time.Millisecond)
	}
	closeWriter(t, w)
	stop.Store(true)
	wg.Wait()
	n := uint64(accepted.Load())
	if w.Written() != n || w.Failed() != 0 || w.QueueLen() != 0 {
		t.Fatalf("accepted %d; written %d, failed %d, queued %d", n, w.Written(), w.Failed(), w.QueueLen())
	}
	db.Close()
	db, err = sqldb.OpenSQLite(ctx, path, sqldb.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seen := map[string]bool{}
	for _, e := range scanAll(t, NewReader(db), Filter{}) {
		seen[e.RequestID] = true
	}
	if uint64(len(seen)) != n {
		t.Fatalf("reopened database holds %d distinct entries, want %d", len(seen), n)
	}
}
