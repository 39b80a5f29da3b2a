package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/sqldb"
)

// testLog opens a migrated database in a temp dir and a log whose clock
// advances one second per reading.
func testLog(t *testing.T) (*Log, *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "paddock.db"), sqldb.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return New(db, func() time.Time { clock = clock.Add(time.Second); return clock }), db
}

func TestRecordCommitsAndRollsBackWithTheCallersTransaction(t *testing.T) {
	l, db := testLog(t)
	ctx := context.Background()
	ev := Event{Actor: "token:ci", Action: "registry.model.create", Resource: Resource{"model", "churn"},
		After: Snapshot(map[string]string{"name": "churn"}), Reason: "first", RequestID: "r1"}
	boom := errors.New("boom")
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		if err := l.Record(ctx, tx, ev); err != nil {
			return err
		}
		return boom // the change fails: its event must not survive
	})
	if err != boom {
		t.Fatalf("err = %v", err)
	}
	if page, _ := l.List(ctx, Query{}); len(page.Events) != 0 {
		t.Fatalf("rolled-back event is in the log: %+v", page.Events)
	}
	if err := db.WriteTx(ctx, func(tx *sql.Tx) error { return l.Record(ctx, tx, ev) }); err != nil {
		t.Fatal(err)
	}
	page, err := l.List(ctx, Query{})
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("list: %+v %v", page, err)
	}
	got := page.Events[0]
	if got.ID == 0 || got.Actor != "token:ci" || got.Action != ev.Action || got.Resource != ev.Resource ||
		got.Before != nil || string(got.After) != `{"name":"churn"}` || got.Reason != "first" || got.RequestID != "r1" ||
		got.At.IsZero() {
		t.Fatalf("event = %+v", got)
	}
}

func TestTheLogIsAppendOnly(t *testing.T) {
	l, db := testLog(t)
	ctx := context.Background()
	if err := l.Append(ctx, Event{Actor: "a", Action: "x.y", Resource: Resource{"k", "1"}}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit_events SET actor = 'mallory'`,
		`DELETE FROM audit_events`,
	} {
		_, err := db.Write.ExecContext(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only trigger to refuse it", stmt, err)
		}
	}
	page, _ := l.List(ctx, Query{})
	if len(page.Events) != 1 || page.Events[0].Actor != "a" {
		t.Fatalf("log changed: %+v", page.Events)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	l, _ := testLog(t)
	ctx := context.Background()
	actions := []string{"registry.model.create", "registry.alias.set", "registry.alias.delete", "registry.aliasx", "serving.load"}
	for i := range 10 {
		e := Event{Actor: fmt.Sprintf("token:u%d", i%2), Action: actions[i%len(actions)], Resource: Resource{"model", fmt.Sprintf("m%d", i%3)}}
		if err := l.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	all, err := l.List(ctx, Query{Ascending: true})
	if err != nil || len(all.Events) != 10 {
		t.Fatalf("all: %d %v", len(all.Events), err)
	}
	mid := all.Events[4].At // events are one second apart
	cases := []struct {
		name string
		q    Query
		want func(Event) bool
	}{
		{"actor", Query{Actor: "token:u1"}, func(e Event) bool { return e.Actor == "token:u1" }},
		{"action exact", Query{Action: "registry.alias.set"}, func(e Event) bool { return e.Action == "registry.alias.set" }},
		{"action prefix", Query{Action: "registry.alias.*"}, func(e Event) bool { return strings.HasPrefix(e.Action, "registry.alias.") }},
		{"resource", Query{ResourceKind: "model", ResourceID: "m2"}, func(e Event) bool { return e.Resource.ID == "m2" }},
		{"time range", Query{Since: mid, Until: mid.Add(3 * time.Second)}, func(e Event) bool { return !e.At.Before(mid) && e.At.Before(mid.Add(3*time.Second)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page, err := l.List(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, e := range all.Events {
				if tc.want(e) {
					want++
				}
			}
			if want == 0 || len(page.Events) != want {
				t.Fatalf("got %d events, want %d", len(page.Events), want)
			}
			for i, e := range page.Events {
				if !tc.want(e) {
					t.Errorf("event %+v does not match", e)
				}
				if i > 0 && e.ID >= page.Events[i-1].ID {
					t.Errorf("not newest first: %d after %d", e.ID, page.Events[i-1].ID)
				}
			}
		})
	}
	// Pages of 3, newest first, cover every event exactly once.
	var seen []int64
	tok := ""
	for range 10 {
		page, err := l.List(ctx, Query{Limit: 3, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			seen = append(seen, e.ID)
		}
		if tok = page.NextPageToken; tok == "" {
			break
		}
	}
	if len(seen) != 10 || seen[0] != all.Events[9].ID || seen[9] != all.Events[0].ID {
		t.Fatalf("paged ids %v", seen)
	}
}

func TestListRefusesBadArguments(t *testing.T) {
	l, _ := testLog(t)
	for _, q := range []Query{{Limit: -1}, {Limit: MaxLimit + 1}, {PageToken: "garbage"}} {
		if _, err := l.List(context.Background(), q); !errs.Is(err, errs.Invalid) {
			t.Errorf("%+v: err = %v, want invalid_argument", q, err)
		}
	}
}

func TestRecordRefusesIncompleteEvents(t *testing.T) {
	l, _ := testLog(t)
	for _, e := range []Event{
		{Action: "a", Resource: Resource{"k", "1"}},
		{Actor: "a", Resource: Resource{"k", "1"}},
		{Actor: "a", Action: "a", Resource: Resource{"k", ""}},
		{Actor: "a", Action: "a", Resource: Resource{"k", "1"}, After: json.RawMessage("{not json")},
	} {
		if err := l.Append(context.Background(), e); err == nil {
			t.Errorf("%+v accepted", e)
		}
	}
}
