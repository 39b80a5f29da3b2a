package audit

import (
	"context"
	"database/sql"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/paddockml/paddock/errs"
)

// Page sizes of List.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Query selects events. Zero fields match everything; the others must all
// match.
type Query struct {
	Actor string
	// Action matches exactly, or every action under a prefix when it ends
	// in ".*" ("registry.*", "registry.alias.*").
	Action       string
	ResourceKind string
	ResourceID   string
	// Since and Until bound At: Since <= At < Until.
	Since, Until time.Time
	// Limit is the page size (DefaultLimit when 0, at most MaxLimit).
	Limit int
	// PageToken continues a previous List.
	PageToken string
	// Ascending lists oldest first; the default is newest first.
	Ascending bool
}

// Page is one page of events.
type Page struct {
	Events        []Event `json:"events"`
	NextPageToken string  `json:"next_page_token,omitempty"`
}

// List returns the events matching q, newest first unless q.Ascending.
func (l *Log) List(ctx context.Context, q Query) (Page, error) {
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return Page{}, err
	}
	where, args, err := q.where()
	if err != nil {
		return Page{}, err
	}
	order := "DESC"
	if q.Ascending {
		order = "ASC"
	}
	rows, err := l.db.Read.QueryContext(ctx, l.db.Rebind(`SELECT event_id, at, actor, action, resource_kind, resource_id,
		before, after, reason, request_id FROM audit_events`+where+` ORDER BY event_id `+order+` LIMIT ?`),
		append(args, limit+1)...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	page := Page{Events: []Event{}}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return Page{}, err
		}
		page.Events = append(page.Events, e)
	}
	if err := rows.Err(); err != nil {
		return Page{}, err
	}
	if len(page.Events) > limit {
		page.Events = page.Events[:limit]
		page.NextPageToken = encodeToken(page.Events[limit-1].ID)
	}
	return page, nil
}

func pageLimit(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultLimit, nil
	case n < 0 || n > MaxLimit:
		return 0, errs.E(errs.Invalid, "limit must be between 1 and %d, got %d", MaxLimit, n)
	}
	return n, nil
}

// where builds the WHERE clause of q, the page token included.
func (q Query) where() (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if q.Actor != "" {
		add("actor = ?", q.Actor)
	}
	if prefix, ok := strings.CutSuffix(q.Action, ".*"); ok {
		// A range instead of LIKE: no wildcard escaping, and the index is used.
		add("action >= ?", prefix+".")
		add("action < ?", prefix+"/") // '/' sorts right after '.'
	} else if q.Action != "" {
		add("action = ?", q.Action)
	}
	if q.ResourceKind != "" {
		add("resource_kind = ?", q.ResourceKind)
	}
	if q.ResourceID != "" {
		add("resource_id = ?", q.ResourceID)
	}
	if !q.Since.IsZero() {
		add("at >= ?", q.Since.UnixMilli())
	}
	if !q.Until.IsZero() {
		add("at < ?", q.Until.UnixMilli())
	}
	if q.PageToken != "" {
		after, err := decodeToken(q.PageToken)
		if err != nil {
			return "", nil, err
		}
		if q.Ascending {
			add("event_id > ?", after)
		} else {
			add("event_id < ?", after)
		}
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

func scanEvent(row interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var at int64
	var before, after sql.NullString
	if err := row.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Resource.Kind, &e.Resource.ID,
		&before, &after, &e.Reason, &e.RequestID); err != nil {
		return Event{}, err
	}
	e.At = time.UnixMilli(at).UTC()
	if before.Valid {
		e.Before = []byte(before.String)
	}
	if after.Valid {
		e.After = []byte(after.String)
	}
	return e, nil
}

// Page tokens are the last event id seen, opaque to clients.
func encodeToken(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("e" + strconv.FormatInt(id, 10)))
}

func decodeToken(tok string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err == nil && len(b) > 1 && b[0] == 'e' {
		if id, err := strconv.ParseInt(string(b[1:]), 10, 64); err == nil && id > 0 {
			return id, nil
		}
	}
	return 0, errs.E(errs.Invalid, "invalid page_token %q", tok)
}
