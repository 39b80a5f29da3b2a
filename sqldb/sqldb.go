// Package sqldb is Paddock's SQL layer: it opens the metadata database with
// a pool of read connections and a single writer, applies the numbered
// migrations embedded in the binary, and hides the SQL dialect behind a
// small seam so that PostgreSQL can join SQLite with the same migrations.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Dialect is what differs between the SQL engines Paddock runs on.
type Dialect interface {
	// Name is "sqlite" or "postgres"; it selects dialect-specific
	// migration files (NNNN_name.<dialect>.sql).
	Name() string
	// Rebind rewrites a query written with "?" placeholders into the
	// engine's own placeholder style.
	Rebind(query string) string
	// IsUniqueViolation reports whether err is a unique-constraint failure.
	IsUniqueViolation(err error) bool
}

// DB is an open metadata database: Read serves queries from a pool,
// Write is a single connection so that writers queue in Go instead of
// fighting over the database lock.
type DB struct {
	Read    *sql.DB
	Write   *sql.DB
	dialect Dialect
}

// Dialect returns the engine's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// Rebind rewrites "?" placeholders for the engine.
func (db *DB) Rebind(q string) string { return db.dialect.Rebind(q) }

// Ping checks that both pools can reach the database.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.Read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping read pool: %w", err)
	}
	if err := db.Write.PingContext(ctx); err != nil {
		return fmt.Errorf("ping write pool: %w", err)
	}
	return nil
}

// Close closes both pools. Call it last during shutdown, after every
// writer has flushed.
func (db *DB) Close() error {
	return errors.Join(db.Read.Close(), db.Write.Close())
}

// WriteTx runs fn in one transaction on the writer connection and commits
// it, or rolls it back when fn or the commit fails.
func (db *DB) WriteTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// questionToDollar rewrites ? placeholders to $1, $2, ... outside of
// string literals (PostgreSQL style).
func questionToDollar(q string) string {
	var b strings.Builder
	n, inStr := 0, false
	for _, r := range q {
		switch {
		case r == '\'':
			inStr = !inStr
		case r == '?' && !inStr:
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
