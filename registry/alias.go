package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/errs"
)

// ErrAliasNotFound is wrapped by the error of a lookup through an alias
// that is not set. (MLflow answers it with INVALID_PARAMETER_VALUE rather
// than RESOURCE_DOES_NOT_EXIST; the MLflow routes follow it.)
var ErrAliasNotFound = errors.New("alias not found")

// Justification is why a caller moves an alias: a reason and links to
// evidence (an evaluation run, a dashboard, a review). It is kept in the
// audit log and on approval requests.
type Justification struct {
	Reason   string   `json:"reason,omitempty"`
	Evidence []string `json:"evidence,omitempty"`
}

// Limits on a justification.
const (
	maxReason       = 4000
	maxEvidence     = 20
	maxEvidenceLink = 2048
)

func (j Justification) validate() error {
	if len(j.Reason) > maxReason {
		return errs.E(errs.Invalid, "reason is longer than %d bytes", maxReason)
	}
	if len(j.Evidence) > maxEvidence {
		return errs.E(errs.Invalid, "at most %d evidence links, got %d", maxEvidence, len(j.Evidence))
	}
	for _, e := range j.Evidence {
		if e == "" || len(e) > maxEvidenceLink || strings.ContainsFunc(e, unicode.IsControl) {
			return errs.E(errs.Invalid, "evidence links must be 1 to %d bytes without control characters, got %.80q", maxEvidenceLink, e)
		}
	}
	return nil
}

// AliasResult says what an alias change did: Applied when the alias
// moved (or already pointed there), or the approval Request filed in its
// place.
type AliasResult struct {
	Applied bool             `json:"applied"`
	Request *ApprovalRequest `json:"approval_request,omitempty"`
}

func aliasResource(name, alias string) audit.Resource {
	return audit.Resource{Kind: "alias", ID: name + "@" + alias}
}

// SetAlias points alias at a READY version of the model. When a policy
// guards the alias and the caller is no approver, nothing moves: a
// pending approval request is filed and returned instead.
func (s *Service) SetAlias(ctx context.Context, who Caller, name, alias string, version int64, why Justification) (AliasResult, error) {
	if err := validAlias(alias); err != nil {
		return AliasResult{}, err
	}
	return s.aliasChange(ctx, who, name, alias, &version, why)
}

// DeleteAlias removes an alias; removing one that is not set does
// nothing. A guarded alias is removed only by an approver; anyone else
// gets a pending request.
func (s *Service) DeleteAlias(ctx context.Context, who Caller, name, alias string, why Justification) (AliasResult, error) {
	if err := validAlias(alias); err != nil {
		return AliasResult{}, err
	}
	return s.aliasChange(ctx, who, name, alias, nil, why)
}

func (s *Service) aliasChange(ctx context.Context, who Caller, name, alias string, to *int64, why Justification) (AliasResult, error) {
	if err := why.validate(); err != nil {
		return AliasResult{}, err
	}
	var res AliasResult
	moved := false
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		m, err := s.loadModel(ctx, tx, name)
		if err != nil {
			return err
		}
		if to == nil {
			if cur, err := aliasVersion(ctx, tx, m.pk, alias); err != nil || cur == nil {
				res.Applied = true
				return err // nothing to remove
			}
		}
		req, changed, err := s.moveOrRequest(ctx, tx, who, m, alias, to, why)
		res.Request, res.Applied, moved = req, req == nil, changed
		return err
	})
	if err != nil {
		return AliasResult{}, err
	}
	if moved {
		s.feed.notify()
	}
	return res, nil
}

// moveOrRequest moves the alias, or files an approval request when the
// caller may not move it.
func (s *Service) moveOrRequest(ctx context.Context, tx *sql.Tx, who Caller, m modelRow, alias string, to *int64, why Justification) (*ApprovalRequest, bool, error) {
	if to != nil {
		if err := s.checkAliasTarget(ctx, tx, m, *to); err != nil {
			return nil, false, err
		}
	}
	guarded, err := s.needsApproval(ctx, tx, who, m, alias)
	if err != nil {
		return nil, false, err
	}
	if guarded {
		req, err := s.requestApproval(ctx, tx, who, m, alias, to, why)
		return &req, false, err
	}
	changed, err := s.moveAlias(ctx, tx, who, m, alias, to, why.Reason)
	return nil, changed, err
}

// checkAliasTarget refuses versions that do not exist or are not READY:
// serving follows aliases and must never be pointed at a broken version.
func (s *Service) checkAliasTarget(ctx context.Context, q querier, m modelRow, version int64) error {
	var status string
	err := q.QueryRowContext(ctx, `SELECT status FROM model_versions WHERE model_pk = ? AND version = ?`, m.pk, version).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return versionNotFound(m.Name, version)
	}
	if err != nil {
		return err
	}
	if status != StatusReady {
		return errs.E(errs.Invalid, "version %d of %s is %s: only READY versions can carry an alias", version, m.Name, status)
	}
	return nil
}

// moveAlias points alias at *to (removes it when to is nil), appends the
// move to the change feed and audits it. It reports whether anything
// changed.
func (s *Service) moveAlias(ctx context.Context, tx *sql.Tx, who Caller, m modelRow, alias string, to *int64, reason string) (bool, error) {
	prev, err := aliasVersion(ctx, tx, m.pk, alias)
	if err != nil {
		return false, err
	}
	if sameVersion(prev, to) {
		return false, nil
	}
	now := s.nowMillis()
	action := "registry.alias.set"
	if to == nil {
		action = "registry.alias.delete"
		_, err = tx.ExecContext(ctx, `DELETE FROM model_aliases WHERE model_pk = ? AND alias = ?`, m.pk, alias)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO model_aliases (model_pk, alias, version, updated_time) VALUES (?, ?, ?, ?)
			ON CONFLICT (model_pk, alias) DO UPDATE SET version = excluded.version, updated_time = excluded.updated_time`,
			m.pk, alias, *to, now)
	}
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE registered_models SET last_updated_time = ? WHERE model_pk = ?`, now, m.pk); err != nil {
		return false, err
	}
	if err := s.appendAliasEvent(ctx, tx, who, m.Name, alias, to, prev); err != nil {
		return false, err
	}
	err = s.record(ctx, tx, who, action, aliasResource(m.Name, alias), aliasSnapshot(alias, prev), aliasSnapshot(alias, to), reason)
	return true, err
}

func sameVersion(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func aliasSnapshot(alias string, v *int64) any {
	if v == nil {
		return nil
	}
	return AliasTarget{Alias: alias, Version: *v}
}

// aliasVersion returns the version alias points to, nil when unset.
func aliasVersion(ctx context.Context, q querier, modelPK int64, alias string) (*int64, error) {
	var v int64
	err := q.QueryRowContext(ctx, `SELECT version FROM model_aliases WHERE model_pk = ? AND alias = ?`, modelPK, alias).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// VersionByAlias returns the version an alias points to.
func (s *Service) VersionByAlias(ctx context.Context, name, alias string) (Version, error) {
	m, err := s.loadModel(ctx, s.db.Read, name)
	if err != nil {
		return Version{}, err
	}
	if err := validAlias(alias); err != nil {
		return Version{}, err
	}
	v, err := aliasVersion(ctx, s.db.Read, m.pk, alias)
	if err != nil {
		return Version{}, err
	}
	if v == nil {
		return Version{}, errs.Wrap(errs.NotFound, ErrAliasNotFound, "Registered model alias %s not found.", alias)
	}
	return s.loadVersion(ctx, s.db.Read, m.pk, name, *v)
}

// checkGuardedRemoval refuses a change that would remove a guarded alias
// as a side effect (deleting its version or its model) unless the caller
// is an approver: such removals cannot wait for an approval.
func (s *Service) checkGuardedRemoval(ctx context.Context, tx *sql.Tx, who Caller, m modelRow, alias, what string) error {
	guarded, err := s.needsApproval(ctx, tx, who, m, alias)
	if err != nil || !guarded {
		return err
	}
	return errs.E(errs.PermissionDenied, "cannot %s: it would remove alias %q, which an approval policy guards; move the alias first (through an approval request) or ask an admin", what, alias)
}

// Resolve returns the version a models:/ URI names: models:/<name>/<n>,
// models:/<name>/latest (the highest version) or models:/<name>@<alias>.
func (s *Service) Resolve(ctx context.Context, uri string) (Version, error) {
	rest, ok := strings.CutPrefix(uri, "models:/")
	if !ok {
		return Version{}, errs.E(errs.Invalid, "not a models:/ URI: %q", uri)
	}
	rest = strings.TrimLeft(rest, "/")
	if name, alias, ok := strings.Cut(rest, "@"); ok {
		return s.VersionByAlias(ctx, name, alias)
	}
	name, ver, ok := strings.Cut(rest, "/")
	if !ok || ver == "" {
		return Version{}, errs.E(errs.Invalid, "invalid model URI %q: want models:/<name>/<version> or models:/<name>@<alias>", uri)
	}
	if strings.EqualFold(ver, "latest") {
		return s.latestVersion(ctx, name)
	}
	n, err := ParseVersion(ver)
	if err != nil {
		return Version{}, err
	}
	return s.GetVersion(ctx, name, n)
}

func (s *Service) latestVersion(ctx context.Context, name string) (Version, error) {
	m, err := s.loadModel(ctx, s.db.Read, name)
	if err != nil {
		return Version{}, err
	}
	var v sql.NullInt64
	if err := s.db.Read.QueryRowContext(ctx, `SELECT MAX(version) FROM model_versions WHERE model_pk = ?`, m.pk).Scan(&v); err != nil {
		return Version{}, err
	}
	if !v.Valid {
		return Version{}, errs.E(errs.NotFound, "Registered model %s has no versions", name)
	}
	return s.loadVersion(ctx, s.db.Read, m.pk, name, v.Int64)
}

func describeTarget(v *int64) string {
	if v == nil {
		return "removed"
	}
	return fmt.Sprintf("version %d", *v)
}
