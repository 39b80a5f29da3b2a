package experiments

import (
	"context"
	"database/sql"
	"sync"
)

// database/sql prepares a statement anew on every ExecContext, and to
// modernc's SQLite preparing a small statement costs about what running
// it does; log-batch runs a dozen of them per batch. So the write path's
// statements are prepared once on the writer connection and each
// transaction borrows them.

// writeQueries are the statements prepared once.
var writeQueries = []string{
	activeRunSQL, insertParamSQL, paramValueSQL, insertBlockSQL, upsertLatestSQL, upsertTagSQL, updateCopySQL, insertCopySQL,
}

type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// prepareWrites prepares writeQueries if they are not yet. It must run
// outside any transaction: the writer pool has one connection, and a
// transaction holds it.
func (s *Service) prepareWrites(ctx context.Context) error {
	c := &s.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stmts != nil {
		return nil
	}
	stmts := make(map[string]*sql.Stmt, len(writeQueries))
	for _, q := range writeQueries {
		st, err := s.db.Write.PrepareContext(ctx, q)
		if err != nil {
			for _, st := range stmts {
				_ = st.Close()
			}
			return err
		}
		stmts[q] = st
	}
	c.stmts = stmts
	return nil
}

// runWriteTx runs fn in a write transaction with the statements
// prepared.
func (s *Service) runWriteTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := s.prepareWrites(ctx); err != nil {
		return err
	}
	return s.db.WriteTx(ctx, fn)
}

func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[q]
}

// txStmt runs fn with q as a statement of tx: the prepared one when there
// is one, otherwise prepared for this call.
func (s *Service) txStmt(ctx context.Context, tx *sql.Tx, q string, fn func(*sql.Stmt) error) error {
	var st *sql.Stmt
	if shared := s.stmts.get(q); shared != nil {
		st = tx.StmtContext(ctx, shared) // closing it leaves the shared one open
	} else {
		var err error
		if st, err = tx.PrepareContext(ctx, q); err != nil {
			return err
		}
	}
	err := fn(st)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return err
}

// txExec executes q in tx.
func (s *Service) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (res sql.Result, err error) {
	err = s.txStmt(ctx, tx, q, func(st *sql.Stmt) error {
		res, err = st.ExecContext(ctx, args...)
		return err
	})
	return res, err
}

// txScan runs q in tx and scans its one row into dest; no row is
// sql.ErrNoRows.
func (s *Service) txScan(ctx context.Context, tx *sql.Tx, q string, args []any, dest ...any) error {
	return s.txStmt(ctx, tx, q, func(st *sql.Stmt) error {
		return st.QueryRowContext(ctx, args...).Scan(dest...)
	})
}
