package live

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/serving/live/compare"
)

// Feedback is the true label or value of a request, sent after the
// prediction (seed 000: user-corrected predictions become training
// data). Label is any JSON value: a class as a string, a number, a bool.
type Feedback struct {
	RequestID string          `json:"request_id"`
	Label     json.RawMessage `json:"label"`
	// Source says where the label came from ("user", "crm", ...).
	Source string    `json:"source,omitempty"`
	Time   time.Time `json:"time,omitempty"`
}

// MaxFeedbackBatch is the most labels one call may send.
const MaxFeedbackBatch = 10_000

// AddFeedback stores labels; all or none. A later label for the same
// request supersedes an earlier one.
func (m *Manager) AddFeedback(ctx context.Context, fb []Feedback) (int, error) {
	if len(fb) == 0 {
		return 0, errs.E(errs.Invalid, "no feedback given")
	}
	if len(fb) > MaxFeedbackBatch {
		return 0, errs.E(errs.Invalid, "at most %d labels per call, got %d", MaxFeedbackBatch, len(fb))
	}
	for i := range fb {
		if err := checkFeedback(i, &fb[i]); err != nil {
			return 0, err
		}
	}
	now := m.now()
	err := m.db.WriteTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO feedback (request_id, time_us, label, source) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, f := range fb {
			at := f.Time
			if at.IsZero() {
				at = now
			}
			if _, err := stmt.ExecContext(ctx, f.RequestID, at.UnixMicro(), string(f.Label), f.Source); err != nil {
				return err
			}
		}
		return nil
	})
	return len(fb), err
}

func checkFeedback(i int, f *Feedback) error {
	if f.RequestID == "" || len(f.RequestID) > 128 || strings.ContainsFunc(f.RequestID, unicode.IsControl) {
		return errs.E(errs.Invalid, "feedback[%d].request_id must be 1 to 128 characters without control characters", i)
	}
	if len(f.Label) == 0 || !json.Valid(f.Label) || len(f.Label) > 64<<10 {
		return errs.E(errs.Invalid, "feedback[%d].label must be a JSON value (a class, a number) under 64KiB", i)
	}
	var v any
	_ = json.Unmarshal(f.Label, &v)
	if v == nil {
		return errs.E(errs.Invalid, "feedback[%d].label must not be null", i)
	}
	if len(f.Source) > 256 {
		return errs.E(errs.Invalid, "feedback[%d].source is longer than 256 characters", i)
	}
	return nil
}

// labelsSince returns the newest label of each request that got one
// since t (feedback arrives after its prediction, so a window's labels
// are in the window too).
func (m *Manager) labelsSince(ctx context.Context, t time.Time) (map[string]*compare.Label, error) {
	raw, err := m.rawLabelsSince(ctx, t)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*compare.Label, len(raw))
	for id, label := range raw {
		if l := labelOf(label); l != nil {
			out[id] = l
		}
	}
	return out, nil
}
