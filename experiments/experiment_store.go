package experiments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/paddockml/paddock/errs"
)

// ArtifactScheme prefixes artifact locations served through Paddock's
// proxied artifact API, as MLflow's --serve-artifacts does.
const ArtifactScheme = "mlflow-artifacts:/"

// CreateExperiment creates an experiment and returns its id. An empty
// artifactLocation means Paddock's artifact store.
func (s *Service) CreateExperiment(ctx context.Context, name, artifactLocation string, tags []Tag) (int64, error) {
	if strings.TrimSpace(name) == "" {
		return 0, invalid("Invalid experiment name: '%s'", name)
	}
	if len(name) > MaxExperimentName {
		return 0, invalid("Experiment name exceeds the maximum length of %d characters", MaxExperimentName)
	}
	if strings.HasPrefix(artifactLocation, "runs:") {
		return 0, invalid("Artifact location cannot be a runs:/ URI. Given: '%s'", artifactLocation)
	}
	for _, t := range tags {
		if err := validateExperimentTag(t); err != nil {
			return 0, err
		}
	}
	now := s.nowMillis()
	var id int64
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO experiments (name, artifact_location, creation_time, last_update_time)
			VALUES (?, ?, ?, ?) RETURNING experiment_id`, name, artifactLocation, now, now).Scan(&id)
		if s.db.Dialect().IsUniqueViolation(err) {
			return errs.E(errs.AlreadyExists, "Experiment(name=%s) already exists. Error: UNIQUE constraint failed: experiments.name", name)
		}
		if err != nil {
			return err
		}
		if artifactLocation == "" {
			if _, err := tx.ExecContext(ctx, `UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?`,
				fmt.Sprintf("%s%d", ArtifactScheme, id), id); err != nil {
				return err
			}
		}
		return upsertExperimentTags(ctx, tx, id, tags)
	})
	return id, err
}

func validateExperimentTag(t Tag) error {
	if err := validateName("Tag", t.Key); err != nil {
		return err
	}
	if len(t.Value) > MaxTagValueLength {
		return lengthError("Tag value", t.Value, MaxTagValueLength)
	}
	return nil
}

func upsertExperimentTags(ctx context.Context, tx *sql.Tx, id int64, tags []Tag) error {
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)
			ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value`, id, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

const experimentColumns = `experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time`

func scanExperiment(row interface{ Scan(...any) error }) (Experiment, error) {
	var e Experiment
	err := row.Scan(&e.ID, &e.Name, &e.ArtifactLocation, &e.LifecycleStage, &e.CreationTime, &e.LastUpdateTime)
	return e, err
}

// GetExperiment returns an experiment by id, deleted or not.
func (s *Service) GetExperiment(ctx context.Context, id int64) (Experiment, error) {
	e, err := scanExperiment(s.db.Read.QueryRowContext(ctx, `SELECT `+experimentColumns+` FROM experiments WHERE experiment_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, errs.E(errs.NotFound, "No Experiment with id=%d exists", id)
	}
	if err != nil {
		return e, err
	}
	return e, s.loadExperimentTags(ctx, []*Experiment{&e})
}

// GetExperimentByName returns an experiment by its exact name.
func (s *Service) GetExperimentByName(ctx context.Context, name string) (Experiment, error) {
	e, err := scanExperiment(s.db.Read.QueryRowContext(ctx, `SELECT `+experimentColumns+` FROM experiments WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return e, errs.E(errs.NotFound, "Could not find experiment with name '%s'", name)
	}
	if err != nil {
		return e, err
	}
	return e, s.loadExperimentTags(ctx, []*Experiment{&e})
}

func (s *Service) loadExperimentTags(ctx context.Context, exps []*Experiment) error {
	if len(exps) == 0 {
		return nil
	}
	byID := make(map[int64]*Experiment, len(exps))
	args := make([]any, len(exps))
	for i, e := range exps {
		byID[e.ID] = e
		args[i] = e.ID
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT experiment_id, key, value FROM experiment_tags
		WHERE experiment_id IN (`+placeholders(len(args))+`) ORDER BY experiment_id, key`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t Tag
		if err := rows.Scan(&id, &t.Key, &t.Value); err != nil {
			return err
		}
		byID[id].Tags = append(byID[id].Tags, t)
	}
	return rows.Err()
}

// RenameExperiment gives an active experiment a new unique name.
func (s *Service) RenameExperiment(ctx context.Context, id int64, newName string) error {
	if strings.TrimSpace(newName) == "" {
		return invalid("Invalid experiment name: '%s'", newName)
	}
	if len(newName) > MaxExperimentName {
		return invalid("Experiment name exceeds the maximum length of %d characters", MaxExperimentName)
	}
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		if err := requireExperimentStage(ctx, tx, id, StageActive, "Cannot rename a non-active experiment."); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?`, newName, s.nowMillis(), id)
		if s.db.Dialect().IsUniqueViolation(err) {
			return errs.E(errs.AlreadyExists, "Experiment(name=%s) already exists.", newName)
		}
		return err
	})
}

// requireExperimentStage fails when the experiment is missing or not in
// the wanted lifecycle stage.
func requireExperimentStage(ctx context.Context, tx *sql.Tx, id int64, want, msg string) error {
	var stage string
	err := tx.QueryRowContext(ctx, `SELECT lifecycle_stage FROM experiments WHERE experiment_id = ?`, id).Scan(&stage)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "No Experiment with id=%d exists", id)
	}
	if err != nil {
		return err
	}
	if want != "" && stage != want {
		return invalid("%s Current lifecycle stage: %s", msg, stage)
	}
	return nil
}

// DeleteExperiment marks an experiment and its runs deleted.
func (s *Service) DeleteExperiment(ctx context.Context, id int64) error {
	if id == 0 {
		return invalid("Cannot delete the default experiment '0'. This is an internally reserved experiment.")
	}
	return s.setExperimentStage(ctx, id, StageActive, StageDeleted)
}

// RestoreExperiment brings a deleted experiment and its runs back.
func (s *Service) RestoreExperiment(ctx context.Context, id int64) error {
	return s.setExperimentStage(ctx, id, StageDeleted, StageActive)
}

func (s *Service) setExperimentStage(ctx context.Context, id int64, from, to string) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		msg := "Cannot restore an active experiment."
		if to == StageDeleted {
			msg = "Cannot delete an already deleted experiment."
		}
		if err := requireExperimentStage(ctx, tx, id, from, msg); err != nil {
			return err
		}
		now := s.nowMillis()
		if _, err := tx.ExecContext(ctx, `UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?`, to, now, id); err != nil {
			return err
		}
		var deletedTime any
		if to == StageDeleted {
			deletedTime = now
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage = ?`, to, deletedTime, id, from); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, experimentInfoSQL, id) // the runs' copies
		return err
	})
}

// SetExperimentTag sets one tag on an active experiment.
func (s *Service) SetExperimentTag(ctx context.Context, id int64, t Tag) error {
	if err := validateExperimentTag(t); err != nil {
		return err
	}
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		if err := requireExperimentStage(ctx, tx, id, StageActive, "The experiment must be in the 'active' state."); err != nil {
			return err
		}
		return upsertExperimentTags(ctx, tx, id, []Tag{t})
	})
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
