package predlog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/sqldb"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// seed logs a small experiment: for each of n requests, a production and
// an alpha prediction of "churn" (versions 3 and 4, experiment exp-1),
// five requests per microsecond so that pages cut through ties, plus one
// "fraud" prediction per request outside any experiment.
func seed(t *testing.T, n int) *sqldb.DB {
	t.Helper()
	db := openDB(t)
	w := New(db, Options{Capacity: 4 * n, FlushInterval: time.Hour})
	for i := range n {
		at := t0.Add(time.Duration(i/5) * time.Microsecond)
		id := fmt.Sprintf("req-%04d", i)
		w.Log(Entry{RequestID: id, Time: at, Model: "churn", Version: 3, Alias: "production", Arm: ArmProduction, ExperimentID: "exp-1"})
		w.Log(Entry{RequestID: id, Time: at, Model: "churn", Version: 4, Alias: "alpha", Arm: ArmAlpha, ExperimentID: "exp-1"})
		w.Log(Entry{RequestID: id, Time: at, Model: "fraud", Version: 1})
	}
	closeWriter(t, w)
	return db
}

// Paging with the cursor returns every row exactly once, in order, even
// when a page ends inside a run of equal times.
func TestQueryPagesThroughTies(t *testing.T) {
	db := seed(t, 500)
	r := NewReader(db)
	for _, limit := range []int{1, 7, 100, 1000} {
		var all []Entry
		f := Filter{Model: "churn", Limit: limit}
		for pages := 0; ; pages++ {
			page, next, err := r.Query(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if next == "" {
				break
			}
			if len(page) != limit || pages > 1000 {
				t.Fatalf("limit %d: page of %d with a next cursor", limit, len(page))
			}
			f.After = next
		}
		if len(all) != 1000 {
			t.Fatalf("limit %d: %d rows, want 1000", limit, len(all))
		}
		for i := 1; i < len(all); i++ {
			a, b := all[i-1], all[i]
			if b.Time.Before(a.Time) || b.Time.Equal(a.Time) && b.ID <= a.ID {
				t.Fatalf("limit %d: row %d (%v, %d) after (%v, %d)", limit, i, b.Time, b.ID, a.Time, a.ID)
			}
		}
	}
}

func TestQueryFilters(t *testing.T) {
	db := seed(t, 100)
	r := NewReader(db)
	cases := []struct {
		name  string
		f     Filter
		count int
		check func(Entry) bool
	}{
		{"model", Filter{Model: "fraud"}, 100, func(e Entry) bool { return e.Model == "fraud" }},
		{"version", Filter{Model: "churn", Version: 4}, 100, func(e Entry) bool { return e.Version == 4 }},
		{"arm", Filter{Arm: ArmProduction}, 100, func(e Entry) bool { return e.Arm == ArmProduction }},
		{"experiment", Filter{ExperimentID: "exp-1"}, 200, func(e Entry) bool { return e.ExperimentID == "exp-1" }},
		{"request", Filter{RequestID: "req-0042"}, 3, func(e Entry) bool { return e.RequestID == "req-0042" }},
		{"experiment and request", Filter{ExperimentID: "exp-1", RequestID: "req-0042"}, 2,
			func(e Entry) bool { return e.RequestID == "req-0042" && e.ExperimentID == "exp-1" }},
		// Requests 10..19 have times t0+2µs and t0+3µs.
		{"time window", Filter{Model: "churn", Since: t0.Add(2 * time.Microsecond), Until: t0.Add(4 * time.Microsecond)}, 20,
			func(e Entry) bool { return e.RequestID >= "req-0010" && e.RequestID < "req-0020" }},
		{"nothing", Filter{Model: "nope"}, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.f.Limit = MaxLimit
			got, next, err := r.Query(context.Background(), c.f)
			if err != nil || next != "" {
				t.Fatalf("query: %v, next %q", err, next)
			}
			if len(got) != c.count {
				t.Fatalf("%d rows, want %d", len(got), c.count)
			}
			for _, e := range got {
				if !c.check(e) {
					t.Fatalf("row %+v does not match", e)
				}
			}
		})
	}
}

func TestQueryRejectsBadPaging(t *testing.T) {
	r := NewReader(openDB(t))
	for _, f := range []Filter{{After: "12"}, {After: "x:1"}, {After: "1:y"}, {Limit: MaxLimit + 1}} {
		if _, _, err := r.Query(context.Background(), f); !errs.Is(err, errs.Invalid) {
			t.Errorf("%+v: err %v, want invalid argument", f, err)
		}
	}
}

// The reads dark mode and monitoring make search an index by start
// time, in the order the merge reads, so no read sorts or scans the
// whole log; a continuation page searches the same index.
func TestQueriesUseIndexes(t *testing.T) {
	db := openDB(t)
	after := makeCursor(t0.UnixMicro(), 10)
	cases := []struct {
		f     Filter
		index string
	}{
		{Filter{Model: "churn", Since: t0}, "prediction_segments_by_model_time"},
		{Filter{Model: "churn", Arm: ArmAlpha, After: after}, "prediction_segments_by_model_time"},
		{Filter{RequestID: "req-1", Since: t0}, "prediction_segments_by_time"},
		{Filter{Since: t0, Until: t0.Add(time.Hour)}, "prediction_segments_by_time"},
		{Filter{ExperimentID: "exp-1", Since: t0, Until: t0.Add(time.Hour)}, "prediction_segments_by_experiment_time"},
	}
	for _, c := range cases {
		p, err := NewReader(db).plan(context.Background(), &c.f)
		if err != nil {
			t.Fatal(err)
		}
		for _, from := range []bool{false, true} {
			q, args := p.pageSQL(from, t0.UnixMicro(), 7, maxPageSegments)
			plan := explain(t, db, q, args)
			if !strings.Contains(plan, "USING INDEX "+c.index+" (") || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("%+v (continued %v): plan %q, want a range search of %s without a sort", c.f, from, plan, c.index)
			}
		}
	}
}

func explain(t *testing.T, db *sqldb.DB, q string, args []any) string {
	t.Helper()
	rows, err := db.Read.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

// A request's production and alpha predictions pair with its feedback,
// as dark mode's live accuracy will: feedback rows by SQL, each joined
// to the log by a request id lookup.
func TestFeedbackJoinsBothArms(t *testing.T) {
	db := seed(t, 10)
	_, err := db.Write.Exec(`INSERT INTO feedback (request_id, time_us, label, source) VALUES
		('req-0003', ?, '"churned"', 'crm'), ('req-0007', ?, '"stayed"', 'crm')`, t0.UnixMicro(), t0.UnixMicro())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Read.Query(`SELECT request_id, label FROM feedback ORDER BY request_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, label string
		if err := rows.Scan(&id, &label); err != nil {
			t.Fatal(err)
		}
		arms, _, err := NewReader(db).Query(context.Background(), Filter{ExperimentID: "exp-1", RequestID: id})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(arms, func(a, b Entry) int { return strings.Compare(a.Arm, b.Arm) })
		for _, e := range arms {
			got = append(got, e.RequestID+" "+e.Arm+" "+label)
		}
	}
	want := `req-0003 alpha "churned"|req-0003 production "churned"|req-0007 alpha "stayed"|req-0007 production "stayed"`
	if strings.Join(got, "|") != want {
		t.Fatalf("join gave %q, want %q", strings.Join(got, "|"), want)
	}
}

// A cursor comes back from clients: any string parses or is refused,
// never panics, and a parsed cursor is the one makeCursor would give.
func FuzzCursor(f *testing.F) {
	f.Add("1700000000000000:42")
	f.Add("-1:0")
	f.Add(":")
	f.Fuzz(func(t *testing.T, s string) {
		ts, id, err := Cursor(s).parse()
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("%q: error %v is not an invalid argument", s, err)
			}
			return
		}
		if ts2, id2, err := makeCursor(ts, id).parse(); err != nil || ts2 != ts || id2 != id {
			t.Fatalf("%q: round trip gave %d:%d (%v), want %d:%d", s, ts2, id2, err, ts, id)
		}
	})
}
