package filter

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/paddockml/paddock/sqldb"
)

// openLarge builds a database with n runs in experiment 1, each with
// metrics f1 = i/n and loss, a param lr and a tag team.
func openLarge(t *testing.T, n int) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "large.db"), sqldb.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	err = db.WriteTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
			VALUES (1, 'big', '', 0, 0)`); err != nil {
			return err
		}
		stmts := []string{
			`INSERT INTO runs (run_pk, run_uuid, experiment_id, start_time) VALUES (?1, printf('%032x', ?1), 1, ?1)`,
			`INSERT INTO latest_metrics (run_pk, key, value, timestamp, step) VALUES (?1, 'f1', ?1 * 1.0 / ?2, 0, 0)`,
			`INSERT INTO latest_metrics (run_pk, key, value, timestamp, step) VALUES (?1, 'loss', (?1 * 7919) % ?2, 0, 0)`,
			`INSERT INTO params (run_pk, key, value) VALUES (?1, 'lr', printf('0.%d', ?1 % 10))`,
			`INSERT INTO tags (run_pk, key, value) VALUES (?1, 'team', printf('team-%d', ?1 % 100))`,
		}
		for _, s := range stmts {
			st, err := tx.Prepare(s)
			if err != nil {
				return err
			}
			for i := 1; i <= n; i++ {
				if _, err := st.Exec(i, n); err != nil {
					return err
				}
			}
			st.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func explain(t *testing.T, db *sql.DB, stmt string, args ...any) string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+stmt, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}

// TestQueryPlanUsesIndexes checks on 20,000 runs in one experiment that
// a selective metric, param or tag condition drives the query through its
// (key, value) index and reaches runs by primary key, instead of walking
// every run of the experiment, and that the results are right.
func TestQueryPlanUsesIndexes(t *testing.T) {
	const n = 20000
	db := openLarge(t, n)
	loss := func(i int) int { return i * 7919 % n }
	for _, tc := range []struct {
		filter string
		order  []string
		driver string // the index the plan must start from
		want   func(i int) bool
		less   func(a, b int) bool // expected order of run_pk values
	}{
		{"metrics.f1 > 0.999", []string{"metrics.loss DESC"}, "latest_metrics_by_key_value",
			func(i int) bool { return i > 19980 }, func(a, b int) bool { return loss(a) > loss(b) }},
		{"metrics.f1 >= 0.9995 and params.lr = '0.3'", []string{"metrics.f1"}, "latest_metrics_by_key_value",
			func(i int) bool { return i >= 19990 && i%10 == 3 }, func(a, b int) bool { return a < b }},
		{"tags.team = 'team-7' and metrics.f1 < 0.01", nil, "",
			func(i int) bool { return i < 200 && i%100 == 7 }, func(a, b int) bool { return a > b }},
		{"params.lr LIKE '0.3%' and metrics.f1 > 0.999", []string{"params.lr"}, "",
			func(i int) bool { return i > 19980 && i%10 == 3 }, func(a, b int) bool { return a > b }},
	} {
		e, err := ParseRunFilter(tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		o, err := ParseRunOrderBy(tc.order)
		if err != nil {
			t.Fatal(err)
		}
		q, err := BuildRunQuery(e, o)
		if err != nil {
			t.Fatal(err)
		}
		stmt, args := q.Select("r.run_uuid", "r.experiment_id IN (?) AND r.lifecycle_stage = 'active'", 1)
		stmt += " LIMIT 100"
		plan := explain(t, db.Read, stmt, args...)
		first, _, _ := strings.Cut(plan, "\n")
		if strings.Contains(plan, "SCAN r") || strings.Contains(plan, "runs_by_experiment") ||
			!strings.Contains(plan, "SEARCH r USING INTEGER PRIMARY KEY") ||
			!strings.HasPrefix(first, "SEARCH f") || !strings.Contains(first, tc.driver) {
			t.Errorf("%s: plan walks the runs instead of starting from an index:\n%s", tc.filter, plan)
		}
		got, err := queryStrings(db.Read, stmt, args...)
		if err != nil {
			t.Fatal(err)
		}
		var want []int
		for i := 1; i <= n; i++ {
			if tc.want(i) {
				want = append(want, i)
			}
		}
		sort.SliceStable(want, func(a, b int) bool { return tc.less(want[a], want[b]) })
		wantIDs := make([]string, len(want))
		for i, pk := range want {
			wantIDs[i] = fmt.Sprintf("%032x", pk)
		}
		if len(want) == 0 || !slices.Equal(got, wantIDs) {
			t.Errorf("%s: got %d runs %v, want %d %v", tc.filter, len(got), got, len(wantIDs), wantIDs)
		}
	}
}
