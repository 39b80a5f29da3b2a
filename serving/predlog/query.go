package predlog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/sqldb"
)

// Page sizes of Query.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// Reader reads the prediction log. It is safe for concurrent use.
type Reader struct {
	db *sqldb.DB
}

// NewReader returns a Reader over db's predictions table.
func NewReader(db *sqldb.DB) *Reader { return &Reader{db: db} }

// Filter selects logged predictions. Zero fields select everything.
type Filter struct {
	Model   string
	Version int64 // 0: every version
	// Arm selects one arm; "" selects every arm (ArmNone cannot be asked
	// for alone: use a model filter without an experiment).
	Arm          string
	ExperimentID string
	RequestID    string
	// Since and Until bound the time: Since <= Time < Until.
	Since, Until time.Time
	// Limit is the page size. Default DefaultLimit, at most MaxLimit.
	Limit int
	// After continues from the cursor a previous page returned.
	After Cursor
}

// Cursor marks a position in the log's order (time, then id); "" is the
// start. It stays valid however many rows are logged after it.
type Cursor string

func makeCursor(timeUS, id int64) Cursor {
	return Cursor(strconv.FormatInt(timeUS, 10) + ":" + strconv.FormatInt(id, 10))
}

func (c Cursor) parse() (timeUS, id int64, err error) {
	t, i, ok := strings.Cut(string(c), ":")
	if ok {
		if timeUS, err = strconv.ParseInt(t, 10, 64); err == nil {
			id, err = strconv.ParseInt(i, 10, 64)
		}
	}
	if !ok || err != nil {
		return 0, 0, errs.E(errs.Invalid, "invalid prediction log cursor %q", string(c))
	}
	return timeUS, id, nil
}

// where turns the filter (without its cursor and limit) into SQL
// conditions. Equality on model, request id or experiment id lets the
// planner pick the matching index; the time bounds then range-scan it.
func (f *Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if f.Model != "" {
		add("model = ?", f.Model)
	}
	if f.Version != 0 {
		add("version = ?", f.Version)
	}
	if f.Arm != "" {
		add("arm = ?", f.Arm)
	}
	if f.ExperimentID != "" {
		add("experiment_id = ?", f.ExperimentID)
	}
	if f.RequestID != "" {
		add("request_id = ?", f.RequestID)
	}
	if !f.Since.IsZero() {
		add("time_us >= ?", f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		add("time_us < ?", f.Until.UnixMicro())
	}
	if len(conds) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(conds, " AND "), args
}

const selectColumns = `prediction_id, request_id, time_us, model, version, alias, arm, experiment_id,
	input_digest, inputs, outputs, latency_us, cache_hit, rule, error`

// Query returns one page of the predictions f selects, oldest first,
// and the cursor of the next page ("" after the last page).
func (r *Reader) Query(ctx context.Context, f Filter) ([]Entry, Cursor, error) {
	q, args, limit, err := f.query()
	if err != nil {
		return nil, "", err
	}
	rows, err := r.db.Read.QueryContext(ctx, r.db.Rebind(q), args...)
	if err != nil {
		return nil, "", fmt.Errorf("query prediction log: %w", err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, "", fmt.Errorf("query prediction log: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("query prediction log: %w", err)
	}
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	last := out[limit-1]
	return out, makeCursor(last.Time.UnixMicro(), last.ID), nil
}

// query builds Query's SQL; it asks for one row more than the page to
// learn whether another page follows.
func (f *Filter) query() (q string, args []any, limit int, err error) {
	limit = f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		return "", nil, 0, errs.E(errs.Invalid, "prediction log page size %d is over the maximum %d", limit, MaxLimit)
	}
	where, args := f.where()
	if f.After != "" {
		t, id, err := f.After.parse()
		if err != nil {
			return "", nil, 0, err
		}
		// The first half is a range the index scans; the second skips the
		// rows of the cursor's own microsecond already returned.
		where += " AND time_us >= ? AND (time_us > ? OR prediction_id > ?)"
		args = append(args, t, t, id)
	}
	q = "SELECT " + selectColumns + " FROM predictions WHERE " + where + " ORDER BY time_us, prediction_id LIMIT ?"
	return q, append(args, limit+1), limit, nil
}

func scanEntry(rows *sql.Rows) (Entry, error) {
	var (
		e                                  Entry
		timeUS, latencyUS, cacheHit        int64
		experiment, inputs, outputs, errTx sql.NullString
	)
	err := rows.Scan(&e.ID, &e.RequestID, &timeUS, &e.Model, &e.Version, &e.Alias, &e.Arm, &experiment,
		&e.InputDigest, &inputs, &outputs, &latencyUS, &cacheHit, &e.Rule, &errTx)
	if err != nil {
		return e, err
	}
	e.Time = time.UnixMicro(timeUS).UTC()
	e.Latency = time.Duration(latencyUS) * time.Microsecond
	e.CacheHit = cacheHit != 0
	e.ExperimentID, e.Error = experiment.String, errTx.String
	if inputs.Valid {
		e.Inputs = json.RawMessage(inputs.String)
	}
	if outputs.Valid {
		e.Outputs = json.RawMessage(outputs.String)
	}
	return e, nil
}
