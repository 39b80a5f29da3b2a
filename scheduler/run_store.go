package scheduler

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/paddockml/paddock/errs"
)

// Run statuses. A run is QUEUED until it starts, RUNNING through its
// attempts and gate, then FINISHED (the command succeeded; see Gate for
// the verdict), FAILED (it failed, timed out, or Paddock stopped during
// it) or KILLED (cancelled).
const (
	StatusQueued   = "QUEUED"
	StatusRunning  = "RUNNING"
	StatusFinished = "FINISHED"
	StatusFailed   = "FAILED"
	StatusKilled   = "KILLED"
)

// What fired a run.
const (
	FiredBySchedule = "schedule"
	FiredByCatchUp  = "catch_up"
	FiredByManual   = "manual"
	FiredByNewData  = "new_data"
	FiredByFeedback = "feedback"
)

// RunInfo is one fire of a job as the API shows it.
type RunInfo struct {
	ID      int64  `json:"id"`
	Job     string `json:"job"`
	Model   string `json:"model"`
	FiredBy string `json:"fired_by"`
	// FireDetail is what fired it: the data digest, the feedback count,
	// the caller of a manual run.
	FireDetail string `json:"fire_detail,omitempty"`
	Status     string `json:"status"`
	Reason     string `json:"reason,omitempty"`
	Attempts   int    `json:"attempts"`
	// TrackingRunID is the latest attempt's tracking run;
	// TrackingRunIDs every attempt's, oldest first.
	TrackingRunID  string       `json:"tracking_run_id,omitempty"`
	TrackingRunIDs []string     `json:"tracking_run_ids,omitempty"`
	ExitCode       *int         `json:"exit_code,omitempty"`
	Gate           string       `json:"gate,omitempty"` // "pass", "fail" or "" (not evaluated)
	GateReport     *GateVerdict `json:"gate_report,omitempty"`
	ModelVersion   *int64       `json:"model_version,omitempty"`
	// Promotion says what happened to the aliases, e.g. "alpha -> v7" or
	// "production: approval request 3".
	Promotion  string     `json:"promotion,omitempty"`
	Host       string     `json:"host,omitempty"`
	QueuedAt   time.Time  `json:"queued_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

const runColumns = `run_id, job, model, fired_by, fire_detail, status, reason, attempts, tracking_run_id,
	tracking_run_ids, exit_code, gate, gate_report, model_version, promotion, host, queued_us, started_us, finished_us`

func scanRun(row interface{ Scan(...any) error }) (RunInfo, error) {
	var r RunInfo
	var ids, report string
	var exit, version, started, finished sql.NullInt64
	var queued int64
	err := row.Scan(&r.ID, &r.Job, &r.Model, &r.FiredBy, &r.FireDetail, &r.Status, &r.Reason, &r.Attempts, &r.TrackingRunID,
		&ids, &exit, &r.Gate, &report, &version, &r.Promotion, &r.Host, &queued, &started, &finished)
	if err != nil {
		return r, err
	}
	if ids != "" {
		r.TrackingRunIDs = strings.Split(ids, ",")
	}
	if exit.Valid {
		c := int(exit.Int64)
		r.ExitCode = &c
	}
	if report != "" {
		var v GateVerdict
		if json.Unmarshal([]byte(report), &v) == nil {
			r.GateReport = &v
		}
	}
	if version.Valid {
		r.ModelVersion = &version.Int64
	}
	r.QueuedAt = time.UnixMicro(queued).UTC()
	r.StartedAt, r.FinishedAt = timePtr(started), timePtr(finished)
	return r, nil
}

func timePtr(us sql.NullInt64) *time.Time {
	if !us.Valid {
		return nil
	}
	t := time.UnixMicro(us.Int64).UTC()
	return &t
}

// store is the scheduler's SQL.
type store struct {
	s *Scheduler
}

func (st store) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := st.s.db.Write.ExecContext(ctx, st.s.db.Rebind(q), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (st store) insertRun(ctx context.Context, job *job, firedBy, detail string, now time.Time) (int64, error) {
	var id int64
	err := st.s.db.Write.QueryRowContext(ctx, st.s.db.Rebind(`INSERT INTO training_runs
		(job, model, fired_by, fire_detail, status, queued_us) VALUES (?, ?, ?, ?, ?, ?) RETURNING run_id`),
		job.name, job.cfg.Model, firedBy, detail, StatusQueued, now.UnixMicro()).Scan(&id)
	return id, err
}

// activeCounts counts a job's running and queued runs, on any process.
func (st store) activeCounts(ctx context.Context, job string) (running, queued int, err error) {
	rows, err := st.s.db.Read.QueryContext(ctx, st.s.db.Rebind(`SELECT status, COUNT(*) FROM training_runs
		WHERE status IN ('QUEUED', 'RUNNING') AND job = ? GROUP BY status`), job)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return 0, 0, err
		}
		if status == StatusRunning {
			running = n
		} else {
			queued = n
		}
	}
	return running, queued, rows.Err()
}

// queuedRuns lists the queued runs, oldest first.
func (st store) queuedRuns(ctx context.Context) ([]RunInfo, error) {
	return st.listRuns(ctx, `WHERE status = 'QUEUED' ORDER BY run_id`)
}

// claim moves a queued run to RUNNING for this process.
func (st store) claim(ctx context.Context, id int64, now time.Time) (bool, error) {
	n, err := st.exec(ctx, `UPDATE training_runs SET status = 'RUNNING', owner = ?, host = ?, started_us = ?
		WHERE run_id = ? AND status = 'QUEUED'`, st.s.holder, st.s.host, now.UnixMicro(), id)
	return n == 1, err
}

// attemptStarted records an attempt's tracking run.
func (st store) attemptStarted(ctx context.Context, id int64, attempt int, trackingID string, all []string) error {
	_, err := st.exec(ctx, `UPDATE training_runs SET attempts = ?, tracking_run_id = ?, tracking_run_ids = ?, pid = 0, pid_start = 0
		WHERE run_id = ? AND owner = ?`, attempt, trackingID, strings.Join(all, ","), id, st.s.holder)
	return err
}

func (st store) processStarted(ctx context.Context, id int64, pid int, start uint64) error {
	_, err := st.exec(ctx, `UPDATE training_runs SET pid = ?, pid_start = ? WHERE run_id = ? AND owner = ?`,
		pid, int64(start), id, st.s.holder)
	return err
}

func (st store) setReason(ctx context.Context, id int64, reason string) error {
	_, err := st.exec(ctx, `UPDATE training_runs SET reason = ? WHERE run_id = ? AND owner = ?`, reason, id, st.s.holder)
	return err
}

// outcome is how a run ended.
type outcome struct {
	status, reason string
	exitCode       *int
	gate           *GateVerdict
	version        *int64
	promotion      string
}

// finish records the end of a run this process owns; a run another
// process has meanwhile marked failed (lease lost) stays as it is.
func (st store) finish(ctx context.Context, id int64, o outcome, now time.Time) error {
	gate, report := "", ""
	if o.gate != nil {
		gate = "fail"
		if o.gate.Pass {
			gate = "pass"
		}
		b, _ := json.Marshal(o.gate)
		report = string(b)
	}
	_, err := st.exec(ctx, `UPDATE training_runs SET status = ?, reason = ?, exit_code = ?, gate = ?, gate_report = ?,
		model_version = ?, promotion = ?, pid = 0, finished_us = ? WHERE run_id = ? AND owner = ? AND status = 'RUNNING'`,
		o.status, o.reason, o.exitCode, gate, report, o.version, o.promotion, now.UnixMicro(), id, st.s.holder)
	return err
}

// cancelQueued kills a run that has not started.
func (st store) cancelQueued(ctx context.Context, id int64, now time.Time) (bool, error) {
	n, err := st.exec(ctx, `UPDATE training_runs SET status = 'KILLED', reason = 'cancelled before it started', finished_us = ?
		WHERE run_id = ? AND status = 'QUEUED'`, now.UnixMicro(), id)
	return n == 1, err
}

func (st store) requestCancel(ctx context.Context, id int64) error {
	_, err := st.exec(ctx, `UPDATE training_runs SET cancel_requested = 1 WHERE run_id = ? AND status = 'RUNNING'`, id)
	return err
}

// cancelRequested lists this process's runs another process asked to cancel.
func (st store) cancelRequested(ctx context.Context) ([]int64, error) {
	rows, err := st.s.db.Read.QueryContext(ctx, st.s.db.Rebind(`SELECT run_id FROM training_runs
		WHERE status = 'RUNNING' AND owner = ? AND cancel_requested = 1`), st.s.holder)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// orphan is a run left RUNNING by a process that no longer holds the lease.
type orphan struct {
	id         int64
	trackingID string
	host       string
	pid        int
	pidStart   uint64
}

func (st store) orphans(ctx context.Context) ([]orphan, error) {
	rows, err := st.s.db.Read.QueryContext(ctx, st.s.db.Rebind(`SELECT run_id, tracking_run_id, host, pid, pid_start
		FROM training_runs WHERE status = 'RUNNING' AND owner <> ?`), st.s.holder)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []orphan
	for rows.Next() {
		var o orphan
		var start int64
		if err := rows.Scan(&o.id, &o.trackingID, &o.host, &o.pid, &start); err != nil {
			return nil, err
		}
		o.pidStart = uint64(start)
		out = append(out, o)
	}
	return out, rows.Err()
}

func (st store) failOrphan(ctx context.Context, id int64, reason string, now time.Time) (bool, error) {
	n, err := st.exec(ctx, `UPDATE training_runs SET status = 'FAILED', reason = ?, pid = 0, finished_us = ?
		WHERE run_id = ? AND status = 'RUNNING' AND owner <> ?`, reason, now.UnixMicro(), id, st.s.holder)
	return n == 1, err
}

func (st store) getRun(ctx context.Context, id int64) (RunInfo, error) {
	r, err := scanRun(st.s.db.Read.QueryRowContext(ctx, st.s.db.Rebind(`SELECT `+runColumns+` FROM training_runs WHERE run_id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.E(errs.NotFound, "training run %d not found", id)
	}
	return r, err
}

func (st store) listRuns(ctx context.Context, where string, args ...any) ([]RunInfo, error) {
	rows, err := st.s.db.Read.QueryContext(ctx, st.s.db.Rebind(`SELECT `+runColumns+` FROM training_runs `+where), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RunInfo
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
