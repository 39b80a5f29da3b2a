package scheduler

import (
	"context"
	"database/sql"
	"time"
)

// jobState is what a job keeps across restarts.
type jobState struct {
	lastFire     time.Time // zero before the first fire
	dataDigest   string
	feedbackMark sql.NullInt64
}

func (st store) loadJobState(ctx context.Context, job string, now time.Time) (jobState, error) {
	if _, err := st.exec(ctx, `INSERT INTO training_job_state (job, updated_us) VALUES (?, ?) ON CONFLICT (job) DO NOTHING`,
		job, now.UnixMicro()); err != nil {
		return jobState{}, err
	}
	var js jobState
	var last int64
	err := st.s.db.Write.QueryRowContext(ctx, st.s.db.Rebind(`SELECT last_fire_us, data_digest, feedback_mark
		FROM training_job_state WHERE job = ?`), job).Scan(&last, &js.dataDigest, &js.feedbackMark)
	if last > 0 {
		js.lastFire = time.UnixMicro(last)
	}
	return js, err
}

func (st store) setLastFire(ctx context.Context, job string, t, now time.Time) error {
	_, err := st.exec(ctx, `UPDATE training_job_state SET last_fire_us = ?, updated_us = ? WHERE job = ?`,
		t.UnixMicro(), now.UnixMicro(), job)
	return err
}

func (st store) setDataDigest(ctx context.Context, job, digest string, now time.Time) error {
	_, err := st.exec(ctx, `UPDATE training_job_state SET data_digest = ?, updated_us = ? WHERE job = ?`,
		digest, now.UnixMicro(), job)
	return err
}

func (st store) setFeedbackMark(ctx context.Context, job string, mark int64, now time.Time) error {
	_, err := st.exec(ctx, `UPDATE training_job_state SET feedback_mark = ?, updated_us = ? WHERE job = ?`,
		mark, now.UnixMicro(), job)
	return err
}

// feedbackMark is the highest feedback id so far.
func (st store) feedbackMark(ctx context.Context) (int64, error) {
	var mark int64
	err := st.s.db.Read.QueryRowContext(ctx, `SELECT COALESCE(MAX(feedback_id), 0) FROM feedback`).Scan(&mark)
	return mark, err
}

// newFeedback counts feedback rows after mark, stopping at limit so that
// the count costs at most limit rows of the primary key.
func (st store) newFeedback(ctx context.Context, mark int64, limit int) (int, error) {
	var n int
	err := st.s.db.Read.QueryRowContext(ctx, st.s.db.Rebind(`SELECT COUNT(*) FROM
		(SELECT 1 FROM feedback WHERE feedback_id > ? LIMIT ?) AS recent`), mark, limit).Scan(&n)
	return n, err
}
