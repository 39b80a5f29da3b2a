package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/paddockml/paddock/errs"
)

// CreateVersionRequest is what a new version is registered with.
type CreateVersionRequest struct {
	Model string
	// Source is where the model's files are (see resolveSource).
	Source string
	// RunID is the run that produced the model; taken from a runs:/
	// source when empty.
	RunID string
	// RunLink points to the run on another tracking server; the run then
	// need not exist here.
	RunLink     string
	Description string
	Tags        []Tag
	// Semver is the optional MAJOR.MINOR.PIPELINE label.
	Semver string
	// Flavor overrides the flavor found in the files' MLmodel.
	Flavor string
	// Signature overrides the MLmodel signature: a JSON object.
	Signature json.RawMessage
	// ParentVersion is the version of the same model this one retrains.
	ParentVersion *int64
}

// maxSignature bounds a signature; it must stay well under the audit
// log's snapshot limit, since version snapshots carry it.
const maxSignature = 512 << 10

func (r CreateVersionRequest) validate() (semver string, err error) {
	if err := validName(r.Model); err != nil {
		return "", err
	}
	if err := validateTags(r.Tags); err != nil {
		return "", err
	}
	switch r.Flavor {
	case "", FlavorXGBoost, FlavorSklearn, FlavorONNX, FlavorPython:
	default:
		return "", errs.E(errs.Invalid, "unknown flavor %q (want xgboost, sklearn, onnx or python)", r.Flavor)
	}
	if r.Signature != nil {
		var obj map[string]any
		if len(r.Signature) > maxSignature || json.Unmarshal(r.Signature, &obj) != nil || obj == nil {
			return "", errs.E(errs.Invalid, "signature must be a JSON object of at most %d bytes", maxSignature)
		}
	}
	if r.ParentVersion != nil && *r.ParentVersion < 1 {
		return "", errs.E(errs.Invalid, "parent_version must be a version number, got %d", *r.ParentVersion)
	}
	return validSemver(r.Semver)
}

// CreateVersion registers a new version of a model. The version is
// created PENDING_REGISTRATION; its files are copied from the source into
// the artifact store with a manifest of their digests, its flavor and
// signature are read from their MLmodel, and it becomes READY, or
// FAILED_REGISTRATION with a status message when the files cannot be
// copied. The run's latest metrics are copied onto the version.
func (s *Service) CreateVersion(ctx context.Context, who Caller, req CreateVersionRequest) (Version, error) {
	semver, err := req.validate()
	if err != nil {
		return Version{}, err
	}
	plan, err := s.resolveSource(ctx, req.Source)
	if err != nil {
		return Version{}, err
	}
	if plan.runID != "" {
		if req.RunID != "" && req.RunID != plan.runID {
			return Version{}, errs.E(errs.Invalid, "run_id %s does not match the run of source %s", req.RunID, req.Source)
		}
		req.RunID = plan.runID
	}
	metrics, err := s.runMetrics(ctx, req.RunID, req.RunLink)
	if err != nil {
		return Version{}, err
	}
	v, err := s.insertPending(ctx, who, req, semver, metrics)
	if err != nil {
		return Version{}, err
	}
	reg, regErr := s.copyIn(ctx, plan, v, req)
	if err := s.finishRegistration(ctx, who, v, reg, regErr); err != nil {
		return Version{}, err
	}
	return s.GetVersion(ctx, v.Model, v.Version)
}

// runMetrics reads the run's latest metrics. A run that exists only on
// another server (run_link) is not looked up.
func (s *Service) runMetrics(ctx context.Context, runID, runLink string) ([]Metric, error) {
	if runID == "" || runLink != "" || s.runs == nil {
		return nil, nil
	}
	run, err := s.runs.GetRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	out := make([]Metric, len(run.Metrics))
	for i, m := range run.Metrics {
		out[i] = Metric{Key: m.Key, Value: m.Value, Timestamp: m.Timestamp, Step: m.Step}
	}
	return out, nil
}

// insertPending creates the version row, PENDING_REGISTRATION, with the
// next number of the model.
func (s *Service) insertPending(ctx context.Context, who Caller, req CreateVersionRequest, semver string, metrics []Metric) (Version, error) {
	var v Version
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		m, err := s.loadModel(ctx, tx, req.Model)
		if err != nil {
			return err
		}
		var number int64
		if err := tx.QueryRowContext(ctx, `UPDATE registered_models SET next_version = next_version + 1, last_updated_time = ?
			WHERE model_pk = ? RETURNING next_version - 1`, s.nowMillis(), m.pk).Scan(&number); err != nil {
			return err
		}
		if err := s.checkParent(ctx, tx, m, req.ParentVersion); err != nil {
			return err
		}
		if err := s.insertVersionRow(ctx, tx, who, m.pk, number, req, semver, metrics); err != nil {
			return err
		}
		if v, err = s.loadVersion(ctx, tx, m.pk, m.Name, number); err != nil {
			return err
		}
		return s.record(ctx, tx, who, "registry.version.create", versionResource(m.Name, number), nil, v, req.Description)
	})
	return v, err
}

func (s *Service) checkParent(ctx context.Context, q querier, m modelRow, parent *int64) error {
	if parent == nil {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM model_versions WHERE model_pk = ? AND version = ?`, m.pk, *parent).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return versionNotFound(m.Name, *parent)
	}
	return nil
}

func (s *Service) insertVersionRow(ctx context.Context, tx *sql.Tx, who Caller, modelPK, number int64, req CreateVersionRequest, semver string, metrics []Metric) error {
	mj, err := json.Marshal(metricsOrEmpty(metrics))
	if err != nil {
		return err
	}
	var semverArg any
	if semver != "" {
		semverArg = semver
	}
	now := s.nowMillis()
	var pk int64
	err = tx.QueryRowContext(ctx, `INSERT INTO model_versions (model_pk, version, semver, creation_time, last_updated_time,
		user_id, description, status, source, run_id, run_link, flavor, signature, metrics, parent_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING version_pk`,
		modelPK, number, semverArg, now, now, actorName(who), req.Description, StatusPending, req.Source, req.RunID,
		req.RunLink, req.Flavor, string(req.Signature), string(mj), nullable(req.ParentVersion)).Scan(&pk)
	if s.db.Dialect().IsUniqueViolation(err) {
		return errs.E(errs.AlreadyExists, "another version of %s is already labelled %s", req.Model, semver)
	}
	if err != nil {
		return err
	}
	for _, t := range req.Tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO model_version_tags (version_pk, key, value) VALUES (?, ?, ?)
			ON CONFLICT (version_pk, key) DO UPDATE SET value = excluded.value`, pk, t.Key, t.Value); err != nil {
			return err
		}
	}
	return nil
}

func metricsOrEmpty(m []Metric) []Metric {
	if m == nil {
		return []Metric{}
	}
	return m
}

// registration is what copying a version's files produced.
type registration struct {
	prefix    string
	files     []File
	flavor    string
	signature json.RawMessage
}

// copyIn copies the source's files under the version's own prefix and
// inspects them. External sources copy nothing.
func (s *Service) copyIn(ctx context.Context, plan sourcePlan, v Version, req CreateVersionRequest) (registration, error) {
	reg := registration{flavor: req.Flavor, signature: req.Signature}
	if plan.prefix == "" {
		return reg, nil
	}
	reg.prefix = fmt.Sprintf("%s/%d/%d", modelsRoot, v.modelPK, v.Version)
	files, err := s.copyFiles(ctx, plan.prefix, reg.prefix)
	if err != nil {
		s.removeArtifacts(ctx, []string{reg.prefix})
		return reg, err
	}
	reg.files = files
	flavor, sig, err := s.inspect(ctx, reg.prefix, files)
	if err != nil {
		s.removeArtifacts(ctx, []string{reg.prefix})
		return reg, err
	}
	if reg.flavor == "" {
		reg.flavor = flavor
	}
	if reg.signature == nil {
		reg.signature = sig
	}
	return reg, nil
}

// finishRegistration records the outcome: READY with the files, or
// FAILED_REGISTRATION with the reason.
func (s *Service) finishRegistration(ctx context.Context, who Caller, v Version, reg registration, regErr error) error {
	if regErr != nil && ctx.Err() != nil {
		// The caller went away; record the failure regardless, so the
		// version does not stay pending for ever.
		ctx = context.WithoutCancel(ctx)
	}
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		status, msg, action := StatusReady, "", "registry.version.ready"
		if regErr != nil {
			status, msg, action = StatusFailed, regErr.Error(), "registry.version.fail"
			reg = registration{flavor: v.Flavor, signature: v.Signature}
		}
		_, err := tx.ExecContext(ctx, `UPDATE model_versions SET status = ?, status_message = ?, artifact_prefix = ?,
			artifact_digest = ?, flavor = ?, signature = ?, last_updated_time = ? WHERE version_pk = ?`,
			status, msg, reg.prefix, manifestDigest(reg.files), reg.flavor, string(reg.signature), s.nowMillis(), v.pk)
		if err != nil {
			return err
		}
		for _, f := range reg.files {
			if _, err := tx.ExecContext(ctx, `INSERT INTO model_version_files (version_pk, path, size, digest) VALUES (?, ?, ?, ?)`,
				v.pk, f.Path, f.Size, f.Digest); err != nil {
				return err
			}
		}
		after, err := s.loadVersion(ctx, tx, v.modelPK, v.Model, v.Version)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, who, action, versionResource(v.Model, v.Version), v, after, msg)
	})
}
