// Package audit is Paddock's append-only audit log: who changed what, when,
// from what to what and why. Domain packages (the registry today, serving
// and scheduling later) record an Event inside the same write transaction
// as the change it describes, so the log never shows a change that did not
// happen nor misses one that did. There is no API to alter or remove an
// event, and the table's triggers refuse UPDATE and DELETE outright.
package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/sqldb"
)

// Resource names what an event is about: a kind such as "model",
// "model_version", "alias" or "approval" and an id within the kind, such
// as "churn", "churn/3" or "churn@production".
type Resource struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// Event is one audited change.
type Event struct {
	// ID is the event's position in the log, assigned on insert.
	ID int64 `json:"id"`
	// At is when the change happened; Record fills it from the log's clock
	// when zero.
	At time.Time `json:"at"`
	// Actor is who made the change, e.g. "token:ci" (auth.Principal.Actor).
	Actor string `json:"actor"`
	// Action is a dotted verb such as "registry.alias.set".
	Action   string   `json:"action"`
	Resource Resource `json:"resource"`
	// Before and After are JSON snapshots of the resource; nil when it did
	// not exist before (a creation) or after (a deletion).
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
	// Reason is the human explanation given with the change, if any.
	Reason string `json:"reason,omitempty"`
	// RequestID ties the event to the HTTP request that caused it.
	RequestID string `json:"request_id,omitempty"`
}

// Execer is what Record writes through: a *sql.Tx (the caller's write
// transaction) or a *sql.DB.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Log reads and appends audit events in the metadata database.
type Log struct {
	db  *sqldb.DB
	now func() time.Time
}

// New returns the audit log on db; now is the clock (nil: time.Now).
func New(db *sqldb.DB, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{db: db, now: now}
}

// Limits on what one event may hold, so a runaway caller cannot bloat the
// log.
const (
	maxField    = 1024
	maxSnapshot = 4 << 20
)

// Record appends e through x, normally the caller's write transaction:
// the event commits or rolls back with the change it describes.
func (l *Log) Record(ctx context.Context, x Execer, e Event) error {
	if e.At.IsZero() {
		e.At = l.now()
	}
	if err := e.validate(); err != nil {
		return err
	}
	_, err := x.ExecContext(ctx, l.db.Rebind(`INSERT INTO audit_events
		(at, actor, action, resource_kind, resource_id, before, after, reason, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		e.At.UnixMilli(), e.Actor, e.Action, e.Resource.Kind, e.Resource.ID,
		nullJSON(e.Before), nullJSON(e.After), e.Reason, e.RequestID)
	if err != nil {
		return fmt.Errorf("record audit event %s on %s %s: %w", e.Action, e.Resource.Kind, e.Resource.ID, err)
	}
	return nil
}

// Append records e in a transaction of its own, for changes that have no
// transaction to share.
func (l *Log) Append(ctx context.Context, e Event) error {
	return l.db.WriteTx(ctx, func(tx *sql.Tx) error { return l.Record(ctx, tx, e) })
}

func (e Event) validate() error {
	switch {
	case e.Actor == "" || e.Action == "" || e.Resource.Kind == "" || e.Resource.ID == "":
		return errs.E(errs.Internal, "audit event needs an actor, an action and a resource (got %q %q %q %q)",
			e.Actor, e.Action, e.Resource.Kind, e.Resource.ID)
	case len(e.Actor) > maxField || len(e.Action) > maxField || len(e.Resource.Kind) > maxField ||
		len(e.Resource.ID) > maxField || len(e.RequestID) > maxField:
		return errs.E(errs.Invalid, "audit event field longer than %d bytes", maxField)
	case len(e.Before) > maxSnapshot || len(e.After) > maxSnapshot || len(e.Reason) > maxSnapshot:
		return errs.E(errs.Invalid, "audit event snapshot or reason larger than %d bytes", maxSnapshot)
	}
	for _, raw := range []json.RawMessage{e.Before, e.After} {
		if raw != nil && !json.Valid(raw) {
			return errs.E(errs.Internal, "audit event snapshot is not JSON: %.80s", raw)
		}
	}
	return nil
}

func nullJSON(raw json.RawMessage) any {
	if raw == nil {
		return nil
	}
	return string(raw)
}

// Snapshot encodes v for Event.Before or After; nil stays nil.
func Snapshot(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Snapshots are of Paddock's own types, which always encode; say
		// so in the log rather than failing the change.
		b, _ = json.Marshal(map[string]string{"unencodable": strings.TrimSpace(err.Error())})
	}
	if string(b) == "null" { // a typed nil pointer
		return nil
	}
	return b
}
