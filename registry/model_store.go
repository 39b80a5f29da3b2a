package registry

import (
	"context"
	"database/sql"
	"errors"
	"path"
	"strings"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/registry/naming"
)

// Model is a registered model.
type Model struct {
	Name            string `json:"name"`
	Description     string `json:"description,omitempty"`
	CreationTime    int64  `json:"creation_timestamp"`
	LastUpdatedTime int64  `json:"last_updated_timestamp"`
	Tags            []Tag  `json:"tags,omitempty"`
	// Aliases are the model's aliases with the versions they point to.
	Aliases []AliasTarget `json:"aliases,omitempty"`
	// LatestVersions holds, for each legacy stage, the highest version in
	// it (MLflow's latest_versions).
	LatestVersions []Version `json:"latest_versions,omitempty"`
}

// AliasTarget is an alias and the version it points to.
type AliasTarget struct {
	Alias   string `json:"alias"`
	Version int64  `json:"version"`
}

// modelRow is a model with its primary key.
type modelRow struct {
	pk int64
	Model
}

func modelResource(name string) audit.Resource { return audit.Resource{Kind: "model", ID: name} }

// modelNotFound is MLflow's message for a missing model.
func modelNotFound(name string) error {
	return errs.E(errs.NotFound, "Registered Model with name=%s not found", name)
}

// CreateModel registers a new model name.
func (s *Service) CreateModel(ctx context.Context, who Caller, name, description string, tags []Tag) (Model, error) {
	if err := validName(name); err != nil {
		return Model{}, err
	}
	if err := validateTags(tags); err != nil {
		return Model{}, err
	}
	now := s.nowMillis()
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		var pk int64
		err := tx.QueryRowContext(ctx, `INSERT INTO registered_models (name, description, creation_time, last_updated_time)
			VALUES (?, ?, ?, ?) RETURNING model_pk`, name, description, now, now).Scan(&pk)
		if s.db.Dialect().IsUniqueViolation(err) {
			return errs.E(errs.AlreadyExists, "Registered Model (name=%s) already exists.", name)
		}
		if err != nil {
			return err
		}
		if err := upsertModelTags(ctx, tx, pk, tags); err != nil {
			return err
		}
		after, err := s.loadModel(ctx, tx, name)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, who, "registry.model.create", modelResource(name), nil, after.snapshot(), "")
	})
	if err != nil {
		return Model{}, err
	}
	return s.GetModel(ctx, name)
}

func validName(name string) error {
	if err := naming.ValidateModelName(name); err != nil {
		return errs.E(errs.Invalid, "%s", err.Error())
	}
	return nil
}

func upsertModelTags(ctx context.Context, tx *sql.Tx, pk int64, tags []Tag) error {
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO registered_model_tags (model_pk, key, value) VALUES (?, ?, ?)
			ON CONFLICT (model_pk, key) DO UPDATE SET value = excluded.value`, pk, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

// GetModel returns a model with its tags, aliases and latest versions.
func (s *Service) GetModel(ctx context.Context, name string) (Model, error) {
	m, err := s.loadModel(ctx, s.db.Read, name)
	if err != nil {
		return Model{}, err
	}
	if m.LatestVersions, err = s.latestVersions(ctx, s.db.Read, m, nil); err != nil {
		return Model{}, err
	}
	return m.Model, nil
}

// loadModel reads a model with its tags and aliases (not its versions).
func (s *Service) loadModel(ctx context.Context, q querier, name string) (modelRow, error) {
	if err := validName(name); err != nil {
		return modelRow{}, err
	}
	var m modelRow
	err := q.QueryRowContext(ctx, `SELECT model_pk, name, description, creation_time, last_updated_time
		FROM registered_models WHERE name = ?`, name).Scan(&m.pk, &m.Name, &m.Description, &m.CreationTime, &m.LastUpdatedTime)
	if errors.Is(err, sql.ErrNoRows) {
		return modelRow{}, modelNotFound(name)
	}
	if err != nil {
		return modelRow{}, err
	}
	return m, s.fillModel(ctx, q, &m)
}

// fillModel reads a model's tags and aliases.
func (s *Service) fillModel(ctx context.Context, q querier, m *modelRow) error {
	tags, err := queryTags(ctx, q, `SELECT key, value FROM registered_model_tags WHERE model_pk = ? ORDER BY key`, m.pk)
	if err != nil {
		return err
	}
	m.Tags = tags
	rows, err := q.QueryContext(ctx, `SELECT alias, version FROM model_aliases WHERE model_pk = ? ORDER BY alias`, m.pk)
	if err != nil {
		return err
	}
	defer rows.Close()
	m.Aliases = nil
	for rows.Next() {
		var a AliasTarget
		if err := rows.Scan(&a.Alias, &a.Version); err != nil {
			return err
		}
		m.Aliases = append(m.Aliases, a)
	}
	return rows.Err()
}

func queryTags(ctx context.Context, q querier, query string, args ...any) ([]Tag, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tags []Tag
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.Key, &t.Value); err != nil {
			return nil, err
		}
		tags = append(tags, t)
	}
	return tags, rows.Err()
}

// snapshot is what the audit log keeps of a model: no versions.
func (m modelRow) snapshot() Model {
	c := m.Model
	c.LatestVersions = nil
	return c
}

// UpdateModel replaces a model's description.
func (s *Service) UpdateModel(ctx context.Context, who Caller, name, description string) (Model, error) {
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		before, err := s.loadModel(ctx, tx, name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE registered_models SET description = ?, last_updated_time = ? WHERE model_pk = ?`,
			description, s.nowMillis(), before.pk); err != nil {
			return err
		}
		after, err := s.loadModel(ctx, tx, name)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, who, "registry.model.update", modelResource(name), before.snapshot(), after.snapshot(), "")
	})
	if err != nil {
		return Model{}, err
	}
	return s.GetModel(ctx, name)
}

// SetModelTag sets (or replaces) a tag on a model.
func (s *Service) SetModelTag(ctx context.Context, who Caller, name string, t Tag) error {
	if err := validateTag(t); err != nil {
		return err
	}
	return s.changeModel(ctx, who, name, "registry.model.set_tag", t.Key, func(tx *sql.Tx, pk int64) error {
		return upsertModelTags(ctx, tx, pk, []Tag{t})
	})
}

// DeleteModelTag removes a tag from a model; a missing tag is no error.
func (s *Service) DeleteModelTag(ctx context.Context, who Caller, name, key string) error {
	if err := validateTagKey(key); err != nil {
		return err
	}
	return s.changeModel(ctx, who, name, "registry.model.delete_tag", key, func(tx *sql.Tx, pk int64) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM registered_model_tags WHERE model_pk = ? AND key = ?`, pk, key)
		return err
	})
}

// changeModel applies fn to a model in a transaction and audits the
// change with before and after snapshots. Tag changes do not bump
// last_updated_time, as in MLflow.
func (s *Service) changeModel(ctx context.Context, who Caller, name, action, reason string, fn func(*sql.Tx, int64) error) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		before, err := s.loadModel(ctx, tx, name)
		if err != nil {
			return err
		}
		if err := fn(tx, before.pk); err != nil {
			return err
		}
		after, err := s.loadModel(ctx, tx, name)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, who, action, modelResource(name), before.snapshot(), after.snapshot(), reason)
	})
}

// RenameModel gives a model a new name. Its aliases move with it: the
// change feed reports each one removed under the old name and set under
// the new one, so a follower keyed by name stays right. A rename that
// would change which aliases are guarded (the configuration names one of
// the two) needs an approver.
func (s *Service) RenameModel(ctx context.Context, who Caller, name, newName string) (Model, error) {
	if err := validName(newName); err != nil {
		return Model{}, err
	}
	moved := false
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		before, err := s.loadModel(ctx, tx, name)
		if err != nil {
			return err
		}
		if err := s.checkRenameGuard(ctx, tx, who, before, newName); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE registered_models SET name = ?, last_updated_time = ? WHERE model_pk = ?`,
			newName, s.nowMillis(), before.pk)
		if s.db.Dialect().IsUniqueViolation(err) {
			return errs.E(errs.AlreadyExists, "Registered Model (name=%s) already exists.", newName)
		}
		if err != nil {
			return err
		}
		for _, a := range before.Aliases {
			v := a.Version
			if err := s.appendAliasEvent(ctx, tx, who, name, a.Alias, nil, &v); err != nil {
				return err
			}
			if err := s.appendAliasEvent(ctx, tx, who, newName, a.Alias, &v, nil); err != nil {
				return err
			}
			moved = true
		}
		after, err := s.loadModel(ctx, tx, newName)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, who, "registry.model.rename", modelResource(name), before.snapshot(), after.snapshot(), "renamed to "+newName)
	})
	if err != nil {
		return Model{}, err
	}
	if moved {
		s.feed.notify()
	}
	return s.GetModel(ctx, newName)
}

// DeleteModel deletes a model with its versions, aliases and pending
// approval requests; the audit log and the change feed keep the history.
// Deleting a model that carries a guarded alias needs an approver.
func (s *Service) DeleteModel(ctx context.Context, who Caller, name string) error {
	var prefixes []string
	removed := false
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		before, err := s.loadModel(ctx, tx, name)
		if err != nil {
			return err
		}
		for _, a := range before.Aliases {
			if err := s.checkGuardedRemoval(ctx, tx, who, before, a.Alias, "delete model "+name); err != nil {
				return err
			}
		}
		if prefixes, err = versionPrefixes(ctx, tx, before.pk, 0); err != nil {
			return err
		}
		for _, a := range before.Aliases {
			v := a.Version
			if err := s.appendAliasEvent(ctx, tx, who, name, a.Alias, nil, &v); err != nil {
				return err
			}
			removed = true
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM registered_models WHERE model_pk = ?`, before.pk); err != nil {
			return err
		}
		return s.record(ctx, tx, who, "registry.model.delete", modelResource(name), before.snapshot(), nil, "")
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

// versionPrefixes lists the artifact prefixes of a model's versions (all
// of them when version is 0).
func versionPrefixes(ctx context.Context, q querier, pk, version int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT artifact_prefix FROM model_versions
		WHERE model_pk = ? AND (? = 0 OR version = ?) AND artifact_prefix != ''`, pk, version, version)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// removeArtifacts deletes the files of deleted versions. It runs after
// the deletion committed and only logs failures: a leftover file is
// garbage, never a wrong model, since no version points to it any more.
func (s *Service) removeArtifacts(ctx context.Context, prefixes []string) {
	for _, p := range prefixes {
		infos, err := s.store.List(ctx, p)
		if err != nil {
			s.log.Warn("list artifacts of a deleted model version", "prefix", p, "err", err)
			continue
		}
		for _, in := range infos {
			if err := s.store.Delete(ctx, in.Key); err != nil {
				s.log.Warn("delete artifact of a deleted model version", "key", in.Key, "err", err)
			}
		}
	}
}

// validateTags checks tags with MLflow's rules for registry tags.
func validateTags(tags []Tag) error {
	for _, t := range tags {
		if err := validateTag(t); err != nil {
			return err
		}
	}
	return nil
}

func validateTag(t Tag) error {
	if err := validateTagKey(t.Key); err != nil {
		return err
	}
	if len(t.Value) > MaxTagValue {
		return errs.E(errs.Invalid, "Tag value '%.250s' had length %d, which exceeded length limit of %d", t.Value, len(t.Value), MaxTagValue)
	}
	return nil
}

// validateTagKey is MLflow's _validate_tag_name plus its length limit.
func validateTagKey(key string) error {
	if key == "" {
		return errs.E(errs.Invalid, "Tag name cannot be empty. A key name must be provided.")
	}
	if strings.ContainsFunc(key, func(r rune) bool {
		return !(r == '_' || r == '/' || r == '.' || r == '-' || r == ' ' || isLetterOrNumber(r))
	}) {
		return errs.E(errs.Invalid, "Invalid tag name: '%s'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).", key)
	}
	if !cleanPath(key) {
		return errs.E(errs.Invalid, "Invalid tag name: '%s'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '%s'", key, path.Clean(key))
	}
	if len(key) > MaxTagKey {
		return errs.E(errs.Invalid, "Tag key '%.250s' had length %d, which exceeded length limit of %d", key, len(key), MaxTagKey)
	}
	return nil
}
