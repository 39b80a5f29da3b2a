package experiments

import (
	"context"
	"database/sql"
	"encoding/json"
)

// LogInputs links datasets to an active run. A dataset is stored once per
// experiment by (name, digest); logging the same input twice is a no-op.
func (s *Service) LogInputs(ctx context.Context, runID string, inputs []DatasetInput) error {
	if len(inputs) > MaxEntitiesPerBatch {
		return invalid("A batch logging request can contain at most %d datasets. Got %d datasets. Please split up datasets across multiple requests and try again.", MaxEntitiesPerBatch, len(inputs))
	}
	for _, in := range inputs {
		if err := validateInput(in); err != nil {
			return err
		}
	}
	return s.runWriteTx(ctx, func(tx *sql.Tx) error {
		pk, err := s.activeRunPK(ctx, tx, runID)
		if err != nil {
			return err
		}
		var expID int64
		if err := tx.QueryRowContext(ctx, `SELECT experiment_id FROM runs WHERE run_pk = ?`, pk).Scan(&expID); err != nil {
			return err
		}
		for _, in := range inputs {
			if err := linkInput(ctx, tx, pk, expID, in); err != nil {
				return err
			}
		}
		return s.refreshRunData(ctx, tx, pk, copyInputs)
	})
}

func linkInput(ctx context.Context, tx *sql.Tx, pk, expID int64, in DatasetInput) error {
	d := in.Dataset
	var dsPK int64
	err := tx.QueryRowContext(ctx, `INSERT INTO datasets (experiment_id, name, digest, source_type, source, schema, profile)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (experiment_id, name, digest) DO UPDATE SET name = excluded.name
		RETURNING dataset_pk`, expID, d.Name, d.Digest, d.SourceType, d.Source, d.Schema, d.Profile).Scan(&dsPK)
	if err != nil {
		return err
	}
	tags := in.Tags
	if tags == nil {
		tags = []Tag{}
	}
	tj, _ := json.Marshal(tags)
	_, err = tx.ExecContext(ctx, `INSERT INTO run_inputs (run_pk, dataset_pk, tags) VALUES (?, ?, ?)
		ON CONFLICT (run_pk, dataset_pk) DO UPDATE SET tags = excluded.tags`, pk, dsPK, string(tj))
	return err
}

func validateInput(in DatasetInput) error {
	d := in.Dataset
	switch {
	case d.Name == "":
		return invalid("Dataset name must be specified")
	case d.Digest == "":
		return invalid("Dataset digest must be specified")
	case d.SourceType == "":
		return invalid("Dataset source_type must be specified")
	case d.Source == "":
		return invalid("Dataset source must be specified")
	case len(d.Name) > MaxDatasetNameLength:
		return lengthError("Dataset name", d.Name, MaxDatasetNameLength)
	case len(d.Digest) > MaxDatasetDigest:
		return lengthError("Dataset digest", d.Digest, MaxDatasetDigest)
	case len(d.Source) > MaxDatasetSource:
		return invalid("Dataset source exceeds the maximum length of %d", MaxDatasetSource)
	case len(d.Schema) > MaxDatasetSchema:
		return invalid("Dataset schema exceeds the maximum length of %d", MaxDatasetSchema)
	case len(d.Profile) > MaxDatasetProfile:
		return invalid("Dataset profile exceeds the maximum length of %d", MaxDatasetProfile)
	}
	for _, t := range in.Tags {
		if t.Key == "" {
			return invalid("Input tag key must be specified")
		}
		if len(t.Key) > MaxInputTagKey {
			return lengthError("Input tag key", t.Key, MaxInputTagKey)
		}
		if len(t.Value) > MaxInputTagValue {
			return lengthError("Input tag value", t.Value, MaxInputTagValue)
		}
	}
	return nil
}
