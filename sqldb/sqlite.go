package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLiteOptions configures OpenSQLite.
type SQLiteOptions struct {
	// BusyTimeout is how long a connection waits for a lock. Default 5s.
	BusyTimeout time.Duration
	// ReadConnections is the read pool size. Default 4.
	ReadConnections int
	// CacheKiB is each connection's page cache. Default 64 MiB: searches
	// and chart reads touch many pages, and a miss is a system call.
	CacheKiB int
	// MMapBytes maps the database file into memory for reads, so pages
	// are read without a system call. Default 1 GiB (address space only).
	MMapBytes int64
}

type sqliteDialect struct{}

func (sqliteDialect) Name() string           { return "sqlite" }
func (sqliteDialect) Rebind(q string) string { return q }
func (sqliteDialect) IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// OpenSQLite opens (creating if needed) the SQLite database at path in WAL
// mode with synchronous=NORMAL (a committed transaction survives a crash
// of the process), foreign keys on and a busy timeout. Writes go through
// one connection that begins transactions IMMEDIATE, so a writer never
// fails half-way on a lock upgrade; reads use a query-only pool.
func OpenSQLite(ctx context.Context, path string, opts SQLiteOptions) (*DB, error) {
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.ReadConnections <= 0 {
		opts.ReadConnections = 4
	}
	if opts.CacheKiB <= 0 {
		opts.CacheKiB = 64 << 10
	}
	if opts.MMapBytes <= 0 {
		opts.MMapBytes = 1 << 30
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	write, err := openPool(ctx, path, opts, false)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	read, err := openPool(ctx, path, opts, true)
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(opts.ReadConnections)
	read.SetMaxIdleConns(opts.ReadConnections)
	return &DB{Read: read, Write: write, dialect: sqliteDialect{}}, nil
}

func openPool(ctx context.Context, path string, opts SQLiteOptions, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", opts.CacheKiB))
	// Statement journals and sort spills stay in memory: a multi-row
	// INSERT otherwise writes its statement journal to a temp file, which
	// was a quarter of log-batch's time in system calls.
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", fmt.Sprintf("mmap_size(%d)", opts.MMapBytes))
	q.Add("_time_format", "sqlite")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}
