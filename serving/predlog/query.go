package predlog

import (
	"context"
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

// RequestLookback is how far back a request id lookup without Since
// searches (see Filter.RequestID): feedback is expected within minutes
// of the prediction. The lookup reads and decodes every entry of the
// window, about 0.3 µs each (BenchmarkReader): 0.3 s at 1,000
// predictions a second, 8 s at 30,000.
const RequestLookback = 15 * time.Minute

// Reader reads the prediction log. It is safe for concurrent use.
type Reader struct {
	db *sqldb.DB
}

// NewReader returns a Reader over db's prediction log.
func NewReader(db *sqldb.DB) *Reader { return &Reader{db: db} }

// Filter selects logged predictions. Zero fields select everything.
type Filter struct {
	Model   string
	Version int64 // 0: every version
	// Arm selects one arm; "" selects every arm (ArmNone cannot be asked
	// for alone: use a model filter without an experiment).
	Arm          string
	ExperimentID string
	// RequestID selects one request's predictions, for feedback joins.
	// Nothing indexes request ids, so without Since the lookup decodes
	// only the RequestLookback before Until or, without Until, before
	// the newest logged prediction.
	RequestID string
	// Since and Until bound the time: Since <= Time < Until.
	Since, Until time.Time
	// Limit is the page size. Default DefaultLimit, at most MaxLimit.
	Limit int
	// After continues from the cursor a previous page returned.
	After Cursor
}

// Cursor marks a position in the log's order (time, then id); "" is the
// start. It stays valid however many entries are logged after it.
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

// Query returns one page of the predictions f selects, oldest first (by
// time, then id), and the cursor of the next page ("" after the last).
func (r *Reader) Query(ctx context.Context, f Filter) ([]Entry, Cursor, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		return nil, "", errs.E(errs.Invalid, "prediction log page size %d is over the maximum %d", limit, MaxLimit)
	}
	p, err := r.plan(ctx, &f)
	if err != nil {
		return nil, "", err
	}
	out, more := []Entry{}, false
	err = r.each(ctx, &p, func(c *segCursor) (bool, error) {
		if len(out) == limit {
			more = true
			return false, nil
		}
		out = append(out, c.entry())
		return true, nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("query prediction log: %w", err)
	}
	if !more {
		return out, "", nil
	}
	last := out[limit-1]
	return out, makeCursor(last.Time.UnixMicro(), last.ID), nil
}

// Scan calls fn with every prediction f selects, in Query's order,
// without Query's page limit: f.Limit is ignored, f.After is honoured.
// It reads a page of segments at a time, so memory stays bounded
// however long the window. fn may keep the entry; Scan stops at the
// first error fn returns and returns that error unwrapped.
func (r *Reader) Scan(ctx context.Context, f Filter, fn func(*Entry) error) error {
	p, err := r.plan(ctx, &f)
	if err != nil {
		return err
	}
	var fnErr error
	err = r.each(ctx, &p, func(c *segCursor) (bool, error) {
		e := c.entry()
		fnErr = fn(&e)
		return fnErr == nil, nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("scan prediction log: %w", err)
	}
	return nil
}
