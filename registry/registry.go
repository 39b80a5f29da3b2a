// Package registry is Paddock's model registry, the system of record
// between training and serving: registered models and their numbered
// versions, where each version came from (its run, its data, its parent),
// which version each alias ("production", "alpha", ...) points to, and who
// decided. Its data model follows MLflow's model registry so that the
// MLflow REST API (package server) maps onto it, with Paddock's additions:
//
//   - A version's files are copied into the artifact store at
//     registration (mlartifacts/models/<model id>/<version>/...) with a
//     manifest of their digests, so a version stays what it was even if
//     its run's artifacts change, and every download is checked against
//     the manifest.
//   - Aliases can be guarded by an approval policy: moving a guarded
//     alias needs an approver (an admin); anyone else's move becomes a
//     pending approval request.
//   - Every alias move is appended to a numbered change feed that serving
//     follows (Subscribe), and every mutation writes an audit event in
//     the same transaction (package audit).
//   - Lineage links a version to its run's params, metrics, source commit
//     and dataset digests, and back from a run or dataset to its versions.
package registry

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/registry/naming"
	"github.com/paddockml/paddock/sqldb"
)

// Version statuses, as MLflow names them.
const (
	StatusPending = "PENDING_REGISTRATION"
	StatusReady   = "READY"
	StatusFailed  = "FAILED_REGISTRATION"
)

// The flavors a version can declare: the model formats Paddock serves.
const (
	FlavorXGBoost = "xgboost"
	FlavorSklearn = "sklearn"
	FlavorONNX    = "onnx"
	FlavorPython  = "python"
)

// Tag is a key-value pair on a model or a version.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Limits on tags, MLflow's.
const (
	MaxTagKey   = 250
	MaxTagValue = 5000
)

// RunSource is what the registry reads from experiment tracking: a run
// with its params, metrics, tags and inputs. *experiments.Service
// satisfies it.
type RunSource interface {
	GetRun(ctx context.Context, runID string) (experiments.Run, error)
}

// Caller is who asks for a change. Approver callers (admins) may move
// guarded aliases directly and decide approval requests.
type Caller struct {
	// Actor names the caller in the audit log, e.g. "token:ci".
	Actor string
	// Approver is true for admins.
	Approver bool
	// RequestID ties audit events to the HTTP request.
	RequestID string
}

// Options configures New.
type Options struct {
	DB        *sqldb.DB
	Artifacts artifact.Store
	// Runs resolves runs:/ sources and lineage; nil refuses runs:/
	// sources and leaves lineage without run details.
	Runs  RunSource
	Audit *audit.Log
	// Policies are the approval policies of the configuration file: model
	// name, or "*" for every model without its own entry, to the aliases
	// whose moves need approval ("*" in the list guards every alias).
	Policies map[string][]string
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Service is the model registry.
type Service struct {
	db       *sqldb.DB
	store    artifact.Store
	runs     RunSource
	audit    *audit.Log
	policies map[string][]string
	now      func() time.Time
	log      *slog.Logger
	feed     *notifier
}

// New returns the registry. It fails when a configured policy names an
// invalid model or alias.
func New(o Options) (*Service, error) {
	if o.DB == nil || o.Artifacts == nil || o.Audit == nil {
		return nil, fmt.Errorf("registry: DB, Artifacts and Audit are required")
	}
	for model, aliases := range o.Policies {
		if err := validatePolicy(model, aliases); err != nil {
			return nil, fmt.Errorf("registry: approval policy for %q: %w", model, err)
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		db: o.DB, store: o.Artifacts, runs: o.Runs, audit: o.Audit, policies: o.Policies,
		now: o.Now, log: o.Logger, feed: newNotifier(),
	}, nil
}

func validatePolicy(model string, aliases []string) error {
	if model != "*" {
		if err := naming.ValidateModelName(model); err != nil {
			return err
		}
	}
	for _, a := range aliases {
		if a == "*" {
			continue
		}
		if err := naming.ValidateAlias(a); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) nowMillis() int64 { return s.now().UnixMilli() }

// querier is a transaction or a pool: reads inside a write transaction
// must see its own changes.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// record appends an audit event for who inside tx.
func (s *Service) record(ctx context.Context, tx *sql.Tx, who Caller, action string, res audit.Resource, before, after any, reason string) error {
	return s.audit.Record(ctx, tx, audit.Event{
		At: s.now(), Actor: actorName(who), Action: action, Resource: res,
		Before: audit.Snapshot(before), After: audit.Snapshot(after), Reason: reason, RequestID: who.RequestID,
	})
}

func actorName(who Caller) string {
	if who.Actor == "" {
		return "system"
	}
	return who.Actor
}
