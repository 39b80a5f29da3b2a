package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/errs"
)

// Version is a model version.
type Version struct {
	Model           string `json:"name"`
	Version         int64  `json:"version"`
	Semver          string `json:"semver,omitempty"`
	CreationTime    int64  `json:"creation_timestamp"`
	LastUpdatedTime int64  `json:"last_updated_timestamp"`
	// UserID is the actor who registered the version.
	UserID string `json:"user_id,omitempty"`
	// Stage is MLflow's legacy stage, derived from the aliases (see
	// stage.go).
	Stage         string `json:"current_stage"`
	Description   string `json:"description,omitempty"`
	Source        string `json:"source"`
	RunID         string `json:"run_id,omitempty"`
	RunLink       string `json:"run_link,omitempty"`
	Status        string `json:"status"`
	StatusMessage string `json:"status_message,omitempty"`
	Flavor        string `json:"flavor,omitempty"`
	// Signature is the MLmodel signature: {"inputs": "<schema JSON>",
	// "outputs": ..., "params": ...}, as MLflow writes it.
	Signature json.RawMessage `json:"signature,omitempty"`
	// ArtifactURI is where MLflow clients download the version's files
	// (mlflow-artifacts:/models/...), or the source when nothing was
	// copied.
	ArtifactURI string `json:"artifact_uri,omitempty"`
	// ArtifactDigest is the SHA-256 of the version's file manifest.
	ArtifactDigest string   `json:"artifact_digest,omitempty"`
	Metrics        []Metric `json:"metrics,omitempty"`
	ParentVersion  *int64   `json:"parent_version,omitempty"`
	Tags           []Tag    `json:"tags,omitempty"`
	Aliases        []string `json:"aliases,omitempty"`

	pk, modelPK int64
	prefix      string // artifact key prefix, "" when nothing was copied
	storedStage string
}

func versionResource(name string, v int64) audit.Resource {
	return audit.Resource{Kind: "model_version", ID: fmt.Sprintf("%s/%d", name, v)}
}

func versionNotFound(name string, v int64) error {
	return errs.E(errs.NotFound, "Model Version (name=%s, version=%d) not found", name, v)
}

const versionColumns = `v.version_pk, v.model_pk, m.name, v.version, v.semver, v.creation_time, v.last_updated_time,
	v.user_id, v.description, v.status, v.status_message, v.source, v.run_id, v.run_link, v.stage, v.flavor,
	v.signature, v.artifact_prefix, v.artifact_digest, v.metrics, v.parent_version`

const versionFrom = ` FROM model_versions v JOIN registered_models m ON m.model_pk = v.model_pk`

func scanVersion(row interface{ Scan(...any) error }) (Version, error) {
	var v Version
	var semver sql.NullString
	var parent sql.NullInt64
	var sig, metrics string
	err := row.Scan(&v.pk, &v.modelPK, &v.Model, &v.Version, &semver, &v.CreationTime, &v.LastUpdatedTime,
		&v.UserID, &v.Description, &v.Status, &v.StatusMessage, &v.Source, &v.RunID, &v.RunLink, &v.storedStage,
		&v.Flavor, &sig, &v.prefix, &v.ArtifactDigest, &metrics, &parent)
	if err != nil {
		return Version{}, err
	}
	v.Semver = semver.String
	if parent.Valid {
		p := parent.Int64
		v.ParentVersion = &p
	}
	if sig != "" {
		v.Signature = json.RawMessage(sig)
	}
	if err := json.Unmarshal([]byte(metrics), &v.Metrics); err != nil {
		return Version{}, fmt.Errorf("metrics of version %d: %w", v.Version, err)
	}
	if len(v.Metrics) == 0 {
		v.Metrics = nil
	}
	v.ArtifactURI = v.Source
	if v.prefix != "" {
		v.ArtifactURI = artifactURI(v.prefix)
	}
	return v, nil
}

// loadVersion reads one version with its tags and aliases.
func (s *Service) loadVersion(ctx context.Context, q querier, modelPK int64, name string, version int64) (Version, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionColumns+versionFrom+` WHERE v.model_pk = ? AND v.version = ?`, modelPK, version))
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, versionNotFound(name, version)
	}
	if err != nil {
		return Version{}, err
	}
	return v, fillVersion(ctx, q, &v)
}

// fillVersion reads a version's tags and aliases and derives its stage.
func fillVersion(ctx context.Context, q querier, v *Version) error {
	tags, err := queryTags(ctx, q, `SELECT key, value FROM model_version_tags WHERE version_pk = ? ORDER BY key`, v.pk)
	if err != nil {
		return err
	}
	v.Tags = tags
	rows, err := q.QueryContext(ctx, `SELECT alias FROM model_aliases WHERE model_pk = ? AND version = ? ORDER BY alias`, v.modelPK, v.Version)
	if err != nil {
		return err
	}
	defer rows.Close()
	v.Aliases = nil
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return err
		}
		v.Aliases = append(v.Aliases, a)
	}
	v.Stage = currentStage(v.storedStage, v.Aliases)
	return rows.Err()
}

// GetVersion returns one version of a model.
func (s *Service) GetVersion(ctx context.Context, name string, version int64) (Version, error) {
	m, err := s.loadModel(ctx, s.db.Read, name)
	if err != nil {
		return Version{}, err
	}
	return s.loadVersion(ctx, s.db.Read, m.pk, name, version)
}

// VersionUpdate changes a version's editable fields; nil leaves a field
// as it is.
type VersionUpdate struct {
	Description *string
	// Semver sets the semantic label; "" removes it.
	Semver *string
}

// UpdateVersion changes a version's description or semantic label.
func (s *Service) UpdateVersion(ctx context.Context, who Caller, name string, version int64, up VersionUpdate) (Version, error) {
	var semver *string
	if up.Semver != nil {
		v, err := validSemver(*up.Semver)
		if err != nil {
			return Version{}, err
		}
		semver = &v
	}
	err := s.changeVersion(ctx, who, name, version, "registry.version.update", "", func(tx *sql.Tx, v Version) error {
		if up.Description != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE model_versions SET description = ? WHERE version_pk = ?`, *up.Description, v.pk); err != nil {
				return err
			}
		}
		if semver != nil {
			if err := s.setSemver(ctx, tx, v, *semver); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE model_versions SET last_updated_time = ? WHERE version_pk = ?`, s.nowMillis(), v.pk)
		return err
	})
	if err != nil {
		return Version{}, err
	}
	return s.GetVersion(ctx, name, version)
}

func (s *Service) setSemver(ctx context.Context, tx *sql.Tx, v Version, semver string) error {
	var arg any
	if semver != "" {
		arg = semver
	}
	_, err := tx.ExecContext(ctx, `UPDATE model_versions SET semver = ? WHERE version_pk = ?`, arg, v.pk)
	if s.db.Dialect().IsUniqueViolation(err) {
		return errs.E(errs.AlreadyExists, "another version of %s is already labelled %s", v.Model, semver)
	}
	return err
}

// SetVersionTag sets (or replaces) a tag on a version.
func (s *Service) SetVersionTag(ctx context.Context, who Caller, name string, version int64, t Tag) error {
	if err := validateTag(t); err != nil {
		return err
	}
	return s.changeVersion(ctx, who, name, version, "registry.version.set_tag", t.Key, func(tx *sql.Tx, v Version) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO model_version_tags (version_pk, key, value) VALUES (?, ?, ?)
			ON CONFLICT (version_pk, key) DO UPDATE SET value = excluded.value`, v.pk, t.Key, t.Value)
		return err
	})
}

// DeleteVersionTag removes a tag from a version; a missing tag is no
// error.
func (s *Service) DeleteVersionTag(ctx context.Context, who Caller, name string, version int64, key string) error {
	if err := validateTagKey(key); err != nil {
		return err
	}
	return s.changeVersion(ctx, who, name, version, "registry.version.delete_tag", key, func(tx *sql.Tx, v Version) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM model_version_tags WHERE version_pk = ? AND key = ?`, v.pk, key)
		return err
	})
}

// changeVersion applies fn to a version in a transaction and audits it.
func (s *Service) changeVersion(ctx context.Context, who Caller, name string, version int64, action, reason string, fn func(*sql.Tx, Version) error) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		m, err := s.loadModel(ctx, tx, name)
		if err != nil {
			return err
		}
		before, err := s.loadVersion(ctx, tx, m.pk, name, version)
		if err != nil {
			return err
		}
		if err := fn(tx, before); err != nil {
			return err
		}
		after, err := s.loadVersion(ctx, tx, m.pk, name, version)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, who, action, versionResource(name, version), before, after, reason)
	})
}

// DeleteVersion deletes a version and the aliases that point to it (the
// change feed reports them removed). Its number is never given again.
// Deleting the target of a guarded alias needs an approver.
func (s *Service) DeleteVersion(ctx context.Context, who Caller, name string, version int64) error {
	var prefixes []string
	removed := false
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		m, err := s.loadModel(ctx, tx, name)
		if err != nil {
			return err
		}
		before, err := s.loadVersion(ctx, tx, m.pk, name, version)
		if err != nil {
			return err
		}
		for _, a := range before.Aliases {
			if err := s.checkGuardedRemoval(ctx, tx, who, m, a, fmt.Sprintf("delete version %d of %s", version, name)); err != nil {
				return err
			}
		}
		for _, a := range before.Aliases {
			if err := s.appendAliasEvent(ctx, tx, who, name, a, nil, &version); err != nil {
				return err
			}
			removed = true
		}
		if prefixes, err = versionPrefixes(ctx, tx, m.pk, version); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM model_aliases WHERE model_pk = ? AND version = ?`,
			`DELETE FROM model_versions WHERE model_pk = ? AND version = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, m.pk, version); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE registered_models SET last_updated_time = ? WHERE model_pk = ?`, s.nowMillis(), m.pk); err != nil {
			return err
		}
		return s.record(ctx, tx, who, "registry.version.delete", versionResource(name, version), before, nil, "")
	})
	if err != nil {
		return err
	}
	if removed {
		s.feed.notify()
	}
	s.removeArtifacts(ctx, prefixes)
	return nil
}

// artifactURI is the mlflow-artifacts:/ URI of a key prefix under
// mlartifacts/, which MLflow clients download through the proxied
// artifact API.
func artifactURI(prefix string) string {
	return "mlflow-artifacts:/" + strings.TrimPrefix(prefix, artifact.ProxiedRoot+"/")
}
