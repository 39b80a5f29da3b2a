package predlog

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/paddockml/paddock/sqldb"
)

// openDB opens a migrated SQLite database in a temporary directory.
func openDB(t testing.TB) *sqldb.DB {
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
	return db
}

// countRows counts the entries stored, from the segments' counts.
func countRows(t testing.TB, db *sqldb.DB) int {
	t.Helper()
	var n int
	if err := db.Read.QueryRow(`SELECT COALESCE(SUM(entries), 0) FROM prediction_segments`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// closeWriter closes w and fails the test on a loss.
func closeWriter(t testing.TB, w *Writer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// entry builds a plausible prediction entry number i.
func entry(i int) Entry {
	return Entry{
		RequestID:   fmt.Sprintf("req-%06d", i),
		Model:       "churn",
		Version:     3,
		Alias:       "production",
		Arm:         ArmProduction,
		InputDigest: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Outputs:     []byte(`{"predictions":[0.25]}`),
		Latency:     time.Duration(100+i) * time.Microsecond,
	}
}
