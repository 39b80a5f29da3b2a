package predlog

import (
	"context"
	"database/sql"
	"strings"

	"github.com/paddockml/paddock/sqldb"
)

// insertColumns are the predictions columns Log fills, in argument order.
const insertColumns = `request_id, time_us, model, version, alias, arm, experiment_id, input_digest, inputs, outputs, latency_us, cache_hit, rule, error`

// numColumns is the number of insertColumns.
const numColumns = 14

// chunkRows is the rows per INSERT statement: one statement per row pays
// the statement's fixed cost per row, one per batch would pass thousands
// of parameters (SQLite caps them at 32766, PostgreSQL at 65535).
const chunkRows = 64

// insertSQL builds multi-row INSERT statements and remembers them by row
// count; only the writer loop uses it.
type insertSQL struct {
	rebind func(string) string
	byRows map[int]string
	args   []any
	// full is the chunkRows statement, prepared once on the writer
	// connection: parsing it for every chunk was a tenth of the writer's
	// time.
	full *sql.Stmt
}

func newInsertSQL(db *sqldb.DB) insertSQL {
	return insertSQL{rebind: db.Rebind, byRows: map[int]string{}}
}

func (s *insertSQL) statement(rows int) string {
	if q, ok := s.byRows[rows]; ok {
		return q
	}
	row := "(?" + strings.Repeat(", ?", numColumns-1) + ")"
	q := s.rebind("INSERT INTO predictions (" + insertColumns + ") VALUES " +
		row + strings.Repeat(", "+row, rows-1))
	s.byRows[rows] = q
	return q
}

func (s *insertSQL) exec(ctx context.Context, tx *sql.Tx, rows int, args []any) (sql.Result, error) {
	if rows == chunkRows && s.full != nil {
		return tx.StmtContext(ctx, s.full).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, s.statement(rows), args...)
}

// prepare readies the full-chunk statement; without it, chunks are
// parsed each time, which is slower but as correct.
func (s *insertSQL) prepare(ctx context.Context, db *sqldb.DB) {
	if s.full == nil {
		s.full, _ = db.Write.PrepareContext(ctx, s.statement(chunkRows))
	}
}

func (s *insertSQL) close() {
	if s.full != nil {
		s.full.Close()
		s.full = nil
	}
}

// insertBatch stores a batch in one transaction.
func (w *Writer) insertBatch(ctx context.Context, batch []*Entry) error {
	if len(batch) >= chunkRows {
		w.insert.prepare(ctx, w.db)
	}
	return w.db.WriteTx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < len(batch); start += chunkRows {
			chunk := batch[start:min(start+chunkRows, len(batch))]
			args := w.insert.args[:0]
			for _, e := range chunk {
				args = appendArgs(args, e)
			}
			_, err := w.insert.exec(ctx, tx, len(chunk), args)
			clear(args) // hold no payloads between batches
			w.insert.args = args
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func appendArgs(args []any, e *Entry) []any {
	cacheHit := 0
	if e.CacheHit {
		cacheHit = 1
	}
	return append(args, e.RequestID, e.Time.UnixMicro(), e.Model, e.Version, e.Alias, e.Arm,
		nullString(e.ExperimentID), e.InputDigest, nullJSON(e.Inputs), nullJSON(e.Outputs),
		e.Latency.Microseconds(), cacheHit, e.Rule, nullString(e.Error))
}

// nullString stores "" as NULL, for the columns where NULL means none.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullJSON stores JSON as TEXT (SQLite's JSON functions read text, and a
// BLOB would be taken for JSONB) and nothing as NULL.
func nullJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}
