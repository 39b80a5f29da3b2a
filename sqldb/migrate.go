package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// A migration file is NNNN_name.sql, shared by every dialect, or
// NNNN_name.<dialect>.sql when the engines need different SQL.
var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+?)(?:\.(sqlite|postgres))?\.sql$`)

// Migrations returns the embedded migrations for a dialect, in order.
func Migrations(dialect string) ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	shared, specific := map[int]Migration{}, map[int]Migration{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q does not match NNNN_name[.dialect].sql", e.Name())
		}
		if m[3] != "" && m[3] != dialect {
			continue
		}
		into := shared
		if m[3] != "" {
			into = specific
		}
		v, _ := strconv.Atoi(m[1])
		if _, dup := into[v]; dup {
			return nil, fmt.Errorf("two migrations numbered %04d", v)
		}
		body, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		into[v] = Migration{Version: v, Name: m[2], SQL: string(body)}
	}
	byVersion := shared
	for v, m := range specific { // a dialect's own file replaces the shared one
		byVersion[v] = m
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %04d is missing", i+1)
		}
	}
	return out, nil
}

// Migrate applies every embedded migration not yet recorded in the
// schema_migrations table, each in its own transaction together with its
// record, and returns the versions it applied. Running it again applies
// nothing.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	migs, err := Migrations(db.dialect.Name())
	if err != nil {
		return nil, err
	}
	if _, err := db.Write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	var applied []int
	for _, m := range migs {
		done, err := db.applyOne(ctx, m)
		if err != nil {
			return applied, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if done {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}

func (db *DB) applyOne(ctx context.Context, m Migration) (bool, error) {
	done := false
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, db.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.Version).Scan(&n)
		if err != nil || n > 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			m.Version, m.Name, time.Now().UnixMilli())
		done = err == nil
		return err
	})
	return done, err
}

// AppliedMigrations lists the recorded migrations, for `paddock migrate`.
func (db *DB) AppliedMigrations(ctx context.Context) ([]Migration, error) {
	rows, err := db.Read.QueryContext(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Migration
	for rows.Next() {
		var m Migration
		if err := rows.Scan(&m.Version, &m.Name); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
