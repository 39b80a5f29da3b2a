package experiments

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/paddockml/paddock/errs"
)

// Tag keys MLflow gives meaning to.
const (
	TagRunName = "mlflow.runName"
	TagUser    = "mlflow.user"
	TagNote    = "mlflow.note.content"
	TagCommit  = "mlflow.source.git.commit"
	TagSource  = "mlflow.source.name"
)

func newRunID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// CreateRunRequest is what a new run starts with.
type CreateRunRequest struct {
	ExperimentID int64
	UserID       string
	RunName      string
	StartTime    *int64
	Tags         []Tag
}

// CreateRun starts a run in an active experiment.
func (s *Service) CreateRun(ctx context.Context, req CreateRunRequest) (Run, error) {
	for _, t := range req.Tags {
		if err := validateTag(t); err != nil {
			return Run{}, err
		}
	}
	name := req.RunName
	for _, t := range req.Tags {
		if t.Key == TagRunName {
			if name != "" && t.Value != name {
				return Run{}, invalid("Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='%s', mlflow.runName='%s').", name, t.Value)
			}
			name = t.Value
		}
	}
	if name == "" {
		name = generateRunName()
	}
	start := s.nowMillis()
	if req.StartTime != nil {
		start = *req.StartTime
	}
	id := newRunID()
	var pk int64
	err := s.runWriteTx(ctx, func(tx *sql.Tx) error {
		var loc, stage string
		err := tx.QueryRowContext(ctx, `SELECT artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = ?`, req.ExperimentID).Scan(&loc, &stage)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "No Experiment with id=%d exists", req.ExperimentID)
		}
		if err != nil {
			return err
		}
		if stage != StageActive {
			return invalid("The experiment %d must be in the 'active' state. Current state is %s.", req.ExperimentID, stage)
		}
		uri := strings.TrimSuffix(loc, "/") + "/" + id + "/artifacts"
		if err := tx.QueryRowContext(ctx, `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, artifact_uri)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING run_pk`, id, req.ExperimentID, name, req.UserID, StatusRunning, start, uri).Scan(&pk); err != nil {
			return err
		}
		tags := append([]Tag{{Key: TagRunName, Value: name}}, req.Tags...)
		if err := s.upsertTags(ctx, tx, pk, tags); err != nil {
			return err
		}
		return s.refreshRunData(ctx, tx, pk, copyAll)
	})
	if err != nil {
		return Run{}, err
	}
	return s.GetRun(ctx, id)
}

const upsertTagSQL = `INSERT INTO tags (run_pk, key, value) VALUES (?, ?, ?)
	ON CONFLICT (run_pk, key) DO UPDATE SET value = excluded.value`

func (s *Service) upsertTags(ctx context.Context, tx *sql.Tx, pk int64, tags []Tag) error {
	for _, t := range tags {
		if _, err := s.txExec(ctx, tx, upsertTagSQL, pk, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

func validateTag(t Tag) error {
	if err := validateName("Tag", t.Key); err != nil {
		return err
	}
	if len(t.Value) > MaxTagValueLength {
		return lengthError("Tag value", t.Value, MaxTagValueLength)
	}
	return nil
}

// runRow is a run's key and info, as the table reader takes them.
type runRow struct {
	pk   int64
	info RunInfo
}

// GetRun returns a run with its data, deleted or not.
func (s *Service) GetRun(ctx context.Context, runID string) (Run, error) {
	pk, err := s.runPK(ctx, runID)
	if err != nil {
		return Run{}, err
	}
	runs, err := s.loadRuns(ctx, []int64{pk})
	if err != nil {
		return Run{}, err
	}
	if len(runs) == 0 {
		return Run{}, errs.E(errs.NotFound, "Run with id=%s not found", runID)
	}
	return runs[0], nil
}

// UpdateRunRequest changes a run's status, end time or name; nil fields
// stay as they are.
type UpdateRunRequest struct {
	RunID   string
	Status  *string
	EndTime *int64
	RunName *string
}

// UpdateRun applies req and returns the updated run info.
func (s *Service) UpdateRun(ctx context.Context, req UpdateRunRequest) (RunInfo, error) {
	if req.Status != nil && !validStatus(*req.Status) {
		return RunInfo{}, invalid("Invalid value for parameter 'status': '%s'", *req.Status)
	}
	err := s.runWriteTx(ctx, func(tx *sql.Tx) error {
		pk, err := s.activeRunPK(ctx, tx, req.RunID)
		if err != nil {
			return err
		}
		if req.Status != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = ? WHERE run_pk = ?`, *req.Status, pk); err != nil {
				return err
			}
		}
		if req.EndTime != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET end_time = ? WHERE run_pk = ?`, *req.EndTime, pk); err != nil {
				return err
			}
		}
		if req.RunName != nil && *req.RunName != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET name = ? WHERE run_pk = ?`, *req.RunName, pk); err != nil {
				return err
			}
			if err := s.upsertTags(ctx, tx, pk, []Tag{{Key: TagRunName, Value: *req.RunName}}); err != nil {
				return err
			}
			return s.refreshRunData(ctx, tx, pk, copyInfo|copyTags)
		}
		return s.refreshRunData(ctx, tx, pk, copyInfo)
	})
	if err != nil {
		return RunInfo{}, err
	}
	run, err := s.GetRun(ctx, req.RunID)
	return run.Info, err
}

func validStatus(s string) bool {
	switch s {
	case StatusRunning, StatusScheduled, StatusFinished, StatusFailed, StatusKilled:
		return true
	}
	return false
}

const activeRunSQL = `SELECT run_pk, lifecycle_stage FROM runs WHERE run_uuid = ?`

// activeRunPK returns the primary key of an active run, or the error
// MLflow gives when the run is missing or deleted.
func (s *Service) activeRunPK(ctx context.Context, tx *sql.Tx, runID string) (int64, error) {
	if err := validateRunID(runID); err != nil {
		return 0, err
	}
	var pk int64
	var stage string
	err := s.txScan(ctx, tx, activeRunSQL, []any{runID}, &pk, &stage)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.E(errs.NotFound, "Run with id=%s not found", runID)
	}
	if err != nil {
		return 0, err
	}
	if stage != StageActive {
		return 0, invalid("The run %s must be in the 'active' state. Current state is %s.", runID, stage)
	}
	return pk, nil
}

// DeleteRun marks a run deleted.
func (s *Service) DeleteRun(ctx context.Context, runID string) error {
	return s.setRunStage(ctx, runID, StageDeleted)
}

// RestoreRun brings a deleted run back.
func (s *Service) RestoreRun(ctx context.Context, runID string) error {
	return s.setRunStage(ctx, runID, StageActive)
}

func (s *Service) setRunStage(ctx context.Context, runID, to string) error {
	if err := validateRunID(runID); err != nil {
		return err
	}
	var deleted any
	if to == StageDeleted {
		deleted = s.nowMillis()
	}
	return s.runWriteTx(ctx, func(tx *sql.Tx) error {
		var pk int64
		err := tx.QueryRowContext(ctx, `UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ? RETURNING run_pk`, to, deleted, runID).Scan(&pk)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "Run with id=%s not found", runID)
		}
		if err != nil {
			return err
		}
		return s.refreshRunData(ctx, tx, pk, copyInfo)
	})
}

// SetTag sets a tag on an active run; mlflow.runName also renames it.
func (s *Service) SetTag(ctx context.Context, runID string, t Tag) error {
	if err := validateTag(t); err != nil {
		return err
	}
	return s.runWriteTx(ctx, func(tx *sql.Tx) error {
		pk, err := s.activeRunPK(ctx, tx, runID)
		if err != nil {
			return err
		}
		changed := copyTags
		if t.Key == TagRunName {
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET name = ? WHERE run_pk = ?`, t.Value, pk); err != nil {
				return err
			}
			changed |= copyInfo
		}
		if err := s.upsertTags(ctx, tx, pk, []Tag{t}); err != nil {
			return err
		}
		return s.refreshRunData(ctx, tx, pk, changed)
	})
}

// DeleteTag removes a tag from an active run.
func (s *Service) DeleteTag(ctx context.Context, runID, key string) error {
	return s.runWriteTx(ctx, func(tx *sql.Tx) error {
		pk, err := s.activeRunPK(ctx, tx, runID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE run_pk = ? AND key = ?`, pk, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "No tag with name: %s in run with id %s", key, runID)
		}
		return s.refreshRunData(ctx, tx, pk, copyTags)
	})
}

var (
	nameAdjectives = []string{"amber", "bold", "brisk", "calm", "clever", "crisp", "daring", "eager", "gentle", "keen", "lucky", "merry", "nimble", "quiet", "rapid", "sleek", "steady", "sunny", "swift", "vivid"}
	nameNouns      = []string{"badger", "bison", "crane", "falcon", "fox", "gecko", "hare", "heron", "lynx", "mare", "mole", "otter", "owl", "pony", "quail", "stag", "swan", "trout", "wolf", "wren"}
)

// generateRunName makes a readable name like MLflow's ("swift-otter-417").
func generateRunName() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%s-%d", nameAdjectives[int(b[0])%len(nameAdjectives)], nameNouns[int(b[1])%len(nameNouns)], (int(b[2])<<8|int(b[3]))%1000)
}
