package sqldb

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func openTemp(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "paddock.db")
	db, err := OpenSQLite(context.Background(), path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func TestMigrationsApplyOnceAndAreIdempotent(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	all, err := Migrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(all) {
		t.Fatalf("first run applied %v, want all %d", applied, len(all))
	}
	again, err := db.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second run applied %v (err %v), want none", again, err)
	}
	db.Close()
	// A fresh process (new pools) sees the same record and applies nothing.
	db2, err := OpenSQLite(ctx, path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	third, err := db2.Migrate(ctx)
	if err != nil || len(third) != 0 {
		t.Fatalf("reopen applied %v (err %v)", third, err)
	}
	recorded, err := db2.AppliedMigrations(ctx)
	if err != nil || len(recorded) != len(all) {
		t.Fatalf("recorded %v (err %v)", recorded, err)
	}
}

func TestPragmas(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	for _, pool := range []struct {
		name string
		q    func(string) (string, error)
	}{
		{"write", func(p string) (s string, err error) {
			err = db.Write.QueryRowContext(ctx, "PRAGMA "+p).Scan(&s)
			return
		}},
		{"read", func(p string) (s string, err error) { err = db.Read.QueryRowContext(ctx, "PRAGMA "+p).Scan(&s); return }},
	} {
		want := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "1", "busy_timeout": "5000"}
		for p, w := range want {
			got, err := pool.q(p)
			if err != nil || got != w {
				t.Errorf("%s pool: PRAGMA %s = %q (err %v), want %q", pool.name, p, got, err, w)
			}
		}
	}
	if _, err := db.Read.ExecContext(ctx, "CREATE TABLE x (a INT)"); err == nil {
		t.Error("read pool accepted a write")
	}
}

func TestWriteTxRollsBackOnError(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	boom := fmt.Errorf("boom")
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, name, role, token_hash, created_at) VALUES ('a','a','viewer','h',1)`); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("err = %v", err)
	}
	var n int
	if err := db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM api_tokens").Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows after rollback = %d (err %v)", n, err)
	}
}

func TestRebind(t *testing.T) {
	got := questionToDollar("SELECT a FROM t WHERE b = ? AND c = '?' AND d IN (?, ?)")
	if want := "SELECT a FROM t WHERE b = $1 AND c = '?' AND d IN ($2, $3)"; got != want {
		t.Fatalf("got %q", got)
	}
}

// The child side of TestKillDuringWritesLosesNoCommittedRow: insert rows in
// a loop, printing each id only after its transaction committed.
func TestMain(m *testing.M) {
	if path := os.Getenv("SQLDB_CRASH_CHILD"); path != "" {
		crashChild(path)
		return
	}
	os.Exit(m.Run())
}

func crashChild(path string) {
	ctx := context.Background()
	db, err := OpenSQLite(ctx, path, SQLiteOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if _, err := db.Write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS loop (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)`); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 1; ; i++ {
		err := db.WriteTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO loop (id, payload) VALUES (?, ?)`, i, fmt.Sprintf("row-%d", i))
			return err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintln(out, i)
		out.Flush()
	}
}

func TestKillDuringWritesLosesNoCommittedRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SQLDB_CRASH_CHILD="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	last := 0
	deadline := time.Now().Add(30 * time.Second)
	for sc.Scan() && last < 300 && time.Now().Before(deadline) {
		last, _ = strconv.Atoi(sc.Text())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Rows acknowledged after we stopped reading also committed; count them.
	for sc.Scan() {
		last, _ = strconv.Atoi(sc.Text())
	}
	_ = cmd.Wait()
	if last < 300 {
		t.Fatalf("child acknowledged only %d rows", last)
	}
	db, err := OpenSQLite(context.Background(), path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, maxID int
	if err := db.Read.QueryRow(`SELECT COUNT(*), COALESCE(MAX(id), 0) FROM loop`).Scan(&n, &maxID); err != nil {
		t.Fatal(err)
	}
	if n < last || maxID != n {
		t.Fatalf("after kill -9: %d rows (max id %d), but %d were acknowledged", n, maxID, last)
	}
	var check string
	if err := db.Read.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q (err %v)", check, err)
	}
}
