package live

import (
	"context"
	"database/sql"
	"time"

	"github.com/paddockml/paddock/config"
)

// stored is an experiment's row: its state, and its spec when the API
// created it.
type stored struct {
	spec  *config.LiveExperiment
	state state
}

// loadStored reads every experiment row.
func (m *Manager) loadStored(ctx context.Context) (map[string]stored, error) {
	rows, err := m.db.Read.QueryContext(ctx, `SELECT name, spec, state, reason, step, step_started_us,
		previous_version, promoted_version, round_started_us, ended_alpha_version, updated_us FROM live_experiments`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]stored{}
	for rows.Next() {
		var name string
		var spec sql.NullString
		var st state
		var started, round, updated int64
		var prev, promoted, ended sql.NullInt64
		if err := rows.Scan(&name, &spec, &st.State, &st.Reason, &st.Step, &started, &prev, &promoted, &round, &ended, &updated); err != nil {
			return nil, err
		}
		st.StepStarted, st.Updated = time.UnixMicro(started), time.UnixMicro(updated)
		st.PreviousVersion, st.PromotedVersion, st.EndedAlpha = prev.Int64, promoted.Int64, ended.Int64
		if round > 0 {
			st.RoundStarted = time.UnixMicro(round)
		}
		s := stored{state: st}
		if spec.Valid {
			sp, err := config.ParseLiveExperiment(name, []byte(spec.String))
			if err != nil {
				m.log.Error("stored live experiment unreadable; left out", "experiment", name, "err", err)
			} else {
				s.spec = &sp
			}
		}
		out[name] = s
	}
	return out, rows.Err()
}

// saveLocked writes an experiment's state (and its spec, for an API one).
func (m *Manager) saveLocked(ctx context.Context, e *experiment) error {
	e.st.Updated = m.now()
	var spec any
	if e.source == SourceAPI {
		b, err := e.spec.Marshal()
		if err != nil {
			return err
		}
		spec = string(b)
	}
	return m.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO live_experiments
			(name, spec, state, reason, step, step_started_us, previous_version, promoted_version,
				round_started_us, ended_alpha_version, updated_us)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, state = excluded.state, reason = excluded.reason,
				step = excluded.step, step_started_us = excluded.step_started_us, previous_version = excluded.previous_version,
				promoted_version = excluded.promoted_version, round_started_us = excluded.round_started_us,
				ended_alpha_version = excluded.ended_alpha_version, updated_us = excluded.updated_us`,
			e.name, spec, e.st.State, e.st.Reason, e.st.Step, e.st.StepStarted.UnixMicro(),
			nullInt(e.st.PreviousVersion), nullInt(e.st.PromotedVersion), roundMicros(e.st.RoundStarted),
			nullInt(e.st.EndedAlpha), e.st.Updated.UnixMicro())
		return err
	})
}

// deleteStored removes an API experiment's row.
func (m *Manager) deleteStored(ctx context.Context, name string) error {
	return m.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM live_experiments WHERE name = ?`, name)
		return err
	})
}

func roundMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}
