package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/errs"
)

// Where a model's effective approval policy comes from, in the order
// they are looked up.
const (
	// PolicyConfig: the configuration file names the model. It is the
	// source of truth; the API cannot change it.
	PolicyConfig = "config"
	// PolicyAPI: set for the model through the API. It follows the model
	// through renames.
	PolicyAPI = "api"
	// PolicyDefault: the configuration file's "*" entry.
	PolicyDefault = "config_default"
	// PolicyNone: no alias of the model is guarded.
	PolicyNone = "none"
)

// Policy says which aliases of a model need an approver to move.
type Policy struct {
	Model string `json:"model"`
	// Aliases are the guarded aliases; "*" guards every alias.
	Aliases     []string `json:"aliases"`
	Source      string   `json:"source"`
	UpdatedBy   string   `json:"updated_by,omitempty"`
	UpdatedTime int64    `json:"updated_timestamp,omitempty"`
}

// Guards reports whether the policy guards alias.
func (p Policy) Guards(alias string) bool {
	return slices.Contains(p.Aliases, alias) || slices.Contains(p.Aliases, "*")
}

func policyResource(name string) audit.Resource {
	return audit.Resource{Kind: "approval_policy", ID: name}
}

// effectivePolicy resolves the policy of the model with key pk when it is
// called name.
func (s *Service) effectivePolicy(ctx context.Context, q querier, pk int64, name string) (Policy, error) {
	if aliases, ok := s.policies[name]; ok {
		return Policy{Model: name, Aliases: nonNil(aliases), Source: PolicyConfig}, nil
	}
	p := Policy{Model: name, Source: PolicyAPI}
	var raw string
	err := q.QueryRowContext(ctx, `SELECT aliases, updated_by, updated_time FROM approval_policies WHERE model_pk = ?`, pk).
		Scan(&raw, &p.UpdatedBy, &p.UpdatedTime)
	switch {
	case err == nil:
		if err := json.Unmarshal([]byte(raw), &p.Aliases); err != nil {
			return Policy{}, err
		}
		return p, nil
	case !errors.Is(err, sql.ErrNoRows):
		return Policy{}, err
	}
	if aliases, ok := s.policies["*"]; ok {
		return Policy{Model: name, Aliases: nonNil(aliases), Source: PolicyDefault}, nil
	}
	return Policy{Model: name, Aliases: []string{}, Source: PolicyNone}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// needsApproval reports whether who must ask before moving alias.
func (s *Service) needsApproval(ctx context.Context, q querier, who Caller, m modelRow, alias string) (bool, error) {
	if who.Approver {
		return false, nil
	}
	p, err := s.effectivePolicy(ctx, q, m.pk, m.Name)
	return p.Guards(alias), err
}

// checkRenameGuard refuses a non-approver's rename when it would change
// which aliases are guarded: renaming away from (or onto) a name the
// configuration file guards would otherwise lift a guard.
func (s *Service) checkRenameGuard(ctx context.Context, q querier, who Caller, m modelRow, newName string) error {
	if who.Approver {
		return nil
	}
	before, err := s.effectivePolicy(ctx, q, m.pk, m.Name)
	if err != nil {
		return err
	}
	after, err := s.effectivePolicy(ctx, q, m.pk, newName)
	if err != nil {
		return err
	}
	a, b := slices.Sorted(slices.Values(before.Aliases)), slices.Sorted(slices.Values(after.Aliases))
	if !slices.Equal(a, b) {
		return errs.E(errs.PermissionDenied, "renaming %s to %s would change its guarded aliases from %v to %v; only an admin may do that", m.Name, newName, a, b)
	}
	return nil
}

// Policy returns the effective approval policy of a model.
func (s *Service) Policy(ctx context.Context, name string) (Policy, error) {
	m, err := s.loadModel(ctx, s.db.Read, name)
	if err != nil {
		return Policy{}, err
	}
	return s.effectivePolicy(ctx, s.db.Read, m.pk, name)
}

// SetPolicy sets the approval policy of a model through the API; only an
// approver may, and not for a model the configuration file names. An
// empty list guards nothing (and overrides the file's "*" default).
func (s *Service) SetPolicy(ctx context.Context, who Caller, name string, aliases []string) (Policy, error) {
	if !who.Approver {
		return Policy{}, errs.E(errs.PermissionDenied, "only an admin may change approval policies")
	}
	if err := validatePolicy(name, aliases); err != nil {
		return Policy{}, errs.E(errs.Invalid, "%s", err.Error())
	}
	aliases = slices.Compact(slices.Sorted(slices.Values(nonNil(aliases))))
	var out Policy
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		m, before, err := s.policyForChange(ctx, tx, name)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(aliases)
		if _, err := tx.ExecContext(ctx, `INSERT INTO approval_policies (model_pk, aliases, updated_time, updated_by) VALUES (?, ?, ?, ?)
			ON CONFLICT (model_pk) DO UPDATE SET aliases = excluded.aliases, updated_time = excluded.updated_time, updated_by = excluded.updated_by`,
			m.pk, string(raw), s.nowMillis(), actorName(who)); err != nil {
			return err
		}
		if out, err = s.effectivePolicy(ctx, tx, m.pk, name); err != nil {
			return err
		}
		return s.record(ctx, tx, who, "registry.policy.set", policyResource(name), before, out, "")
	})
	return out, err
}

// DeletePolicy removes a model's API policy, so the configuration's
// default applies again.
func (s *Service) DeletePolicy(ctx context.Context, who Caller, name string) (Policy, error) {
	if !who.Approver {
		return Policy{}, errs.E(errs.PermissionDenied, "only an admin may change approval policies")
	}
	var out Policy
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		m, before, err := s.policyForChange(ctx, tx, name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM approval_policies WHERE model_pk = ?`, m.pk); err != nil {
			return err
		}
		if out, err = s.effectivePolicy(ctx, tx, m.pk, name); err != nil {
			return err
		}
		return s.record(ctx, tx, who, "registry.policy.delete", policyResource(name), before, out, "")
	})
	return out, err
}

// policyForChange loads the model and its current policy, refusing models
// whose policy the configuration file sets.
func (s *Service) policyForChange(ctx context.Context, tx *sql.Tx, name string) (modelRow, Policy, error) {
	m, err := s.loadModel(ctx, tx, name)
	if err != nil {
		return modelRow{}, Policy{}, err
	}
	before, err := s.effectivePolicy(ctx, tx, m.pk, name)
	if err != nil {
		return modelRow{}, Policy{}, err
	}
	if before.Source == PolicyConfig {
		return modelRow{}, Policy{}, errs.E(errs.Conflict, "the approval policy of %s is set in the configuration file (registry.approvals); change it there", name)
	}
	return m, before, nil
}
