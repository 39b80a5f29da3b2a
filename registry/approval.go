package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/errs"
)

// Approval request statuses.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
)

// ApprovalRequest is a proposed move of a guarded alias, waiting for an
// approver's decision.
type ApprovalRequest struct {
	ID    int64  `json:"id"`
	Model string `json:"model"`
	Alias string `json:"alias"`
	// Version is the proposed target; nil proposes removing the alias.
	Version *int64 `json:"version"`
	// FromVersion is where the alias pointed when the request was filed.
	FromVersion *int64   `json:"from_version"`
	Status      string   `json:"status"`
	RequestedBy string   `json:"requested_by"`
	Reason      string   `json:"reason,omitempty"`
	Evidence    []string `json:"evidence"`
	CreatedTime int64    `json:"created_timestamp"`
	DecidedBy   string   `json:"decided_by,omitempty"`
	Comment     string   `json:"comment,omitempty"`
	DecidedTime *int64   `json:"decided_timestamp,omitempty"`

	modelPK int64
}

func approvalResource(id int64) audit.Resource {
	return audit.Resource{Kind: "approval", ID: strconv.FormatInt(id, 10)}
}

// requestApproval files a pending request to move alias to *to (remove it
// when nil). An identical pending request is returned instead of a copy.
func (s *Service) requestApproval(ctx context.Context, tx *sql.Tx, who Caller, m modelRow, alias string, to *int64, why Justification) (ApprovalRequest, error) {
	var existing int64
	err := tx.QueryRowContext(ctx, `SELECT request_id FROM approval_requests
		WHERE model_pk = ? AND alias = ? AND status = 'pending' AND version IS ?`, m.pk, alias, nullable(to)).Scan(&existing)
	if err == nil {
		return loadApproval(ctx, tx, existing)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return ApprovalRequest{}, err
	}
	from, err := aliasVersion(ctx, tx, m.pk, alias)
	if err != nil {
		return ApprovalRequest{}, err
	}
	evidence, _ := json.Marshal(nonNil(why.Evidence))
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO approval_requests
		(model_pk, alias, version, from_version, status, requested_by, reason, evidence, created_time)
		VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?) RETURNING request_id`,
		m.pk, alias, nullable(to), nullable(from), actorName(who), why.Reason, string(evidence), s.nowMillis()).Scan(&id)
	if err != nil {
		return ApprovalRequest{}, err
	}
	req, err := loadApproval(ctx, tx, id)
	if err != nil {
		return ApprovalRequest{}, err
	}
	reason := fmt.Sprintf("%s@%s → %s: %s", m.Name, alias, describeTarget(to), why.Reason)
	return req, s.record(ctx, tx, who, "registry.approval.request", approvalResource(id), nil, req, reason)
}

func nullable(v *int64) any {
	if v == nil {
		return nil
	}
	return *v
}

const approvalColumns = `r.request_id, r.model_pk, m.name, r.alias, r.version, r.from_version, r.status, r.requested_by,
	r.reason, r.evidence, r.created_time, r.decided_by, r.decision_comment, r.decided_time`

const approvalFrom = ` FROM approval_requests r JOIN registered_models m ON m.model_pk = r.model_pk`

func scanApproval(row interface{ Scan(...any) error }) (ApprovalRequest, error) {
	var r ApprovalRequest
	var version, from, decided sql.NullInt64
	var evidence string
	err := row.Scan(&r.ID, &r.modelPK, &r.Model, &r.Alias, &version, &from, &r.Status, &r.RequestedBy,
		&r.Reason, &evidence, &r.CreatedTime, &r.DecidedBy, &r.Comment, &decided)
	if err != nil {
		return ApprovalRequest{}, err
	}
	r.Version, r.FromVersion, r.DecidedTime = ptr(version), ptr(from), ptr(decided)
	if err := json.Unmarshal([]byte(evidence), &r.Evidence); err != nil {
		return ApprovalRequest{}, fmt.Errorf("evidence of approval request %d: %w", r.ID, err)
	}
	return r, nil
}

func ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func loadApproval(ctx context.Context, q querier, id int64) (ApprovalRequest, error) {
	r, err := scanApproval(q.QueryRowContext(ctx, `SELECT `+approvalColumns+approvalFrom+` WHERE r.request_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ApprovalRequest{}, errs.E(errs.NotFound, "approval request %d not found", id)
	}
	return r, err
}

// GetApproval returns one approval request.
func (s *Service) GetApproval(ctx context.Context, id int64) (ApprovalRequest, error) {
	return loadApproval(ctx, s.db.Read, id)
}

// ApprovalQuery selects approval requests; zero fields match all.
type ApprovalQuery struct {
	Status string
	Model  string
	// Limit caps the answer (default and maximum 1000), newest first.
	Limit int
}

// ListApprovals returns approval requests, newest first.
func (s *Service) ListApprovals(ctx context.Context, q ApprovalQuery) ([]ApprovalRequest, error) {
	switch q.Status {
	case "", ApprovalPending, ApprovalApproved, ApprovalRejected:
	default:
		return nil, errs.E(errs.Invalid, "unknown approval status %q (want pending, approved or rejected)", q.Status)
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 1000
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+approvalColumns+approvalFrom+`
		WHERE (? = '' OR r.status = ?) AND (? = '' OR m.name = ?) ORDER BY r.request_id DESC LIMIT ?`,
		q.Status, q.Status, q.Model, q.Model, q.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ApprovalRequest{}
	for rows.Next() {
		r, err := scanApproval(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Approve decides a pending request in its favour: the alias moves (or is
// removed) in the same transaction, audited as the approver's move.
func (s *Service) Approve(ctx context.Context, who Caller, id int64, comment string) (ApprovalRequest, error) {
	return s.decide(ctx, who, id, ApprovalApproved, comment)
}

// Reject decides a pending request against it; nothing moves.
func (s *Service) Reject(ctx context.Context, who Caller, id int64, comment string) (ApprovalRequest, error) {
	return s.decide(ctx, who, id, ApprovalRejected, comment)
}

func (s *Service) decide(ctx context.Context, who Caller, id int64, status, comment string) (ApprovalRequest, error) {
	if !who.Approver {
		return ApprovalRequest{}, errs.E(errs.PermissionDenied, "only an admin may approve or reject requests")
	}
	if len(comment) > maxReason {
		return ApprovalRequest{}, errs.E(errs.Invalid, "comment is longer than %d bytes", maxReason)
	}
	var out ApprovalRequest
	moved := false
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		before, err := loadApproval(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.Status != ApprovalPending {
			return errs.E(errs.Conflict, "approval request %d is already %s", id, before.Status)
		}
		if status == ApprovalApproved {
			if moved, err = s.applyApproval(ctx, tx, who, before, comment); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE approval_requests SET status = ?, decided_by = ?, decision_comment = ?, decided_time = ?
			WHERE request_id = ?`, status, actorName(who), comment, s.nowMillis(), id); err != nil {
			return err
		}
		if out, err = loadApproval(ctx, tx, id); err != nil {
			return err
		}
		action := "registry.approval.approve"
		if status == ApprovalRejected {
			action = "registry.approval.reject"
		}
		return s.record(ctx, tx, who, action, approvalResource(id), before, out, comment)
	})
	if err != nil {
		return ApprovalRequest{}, err
	}
	if moved {
		s.feed.notify()
	}
	return out, nil
}

// applyApproval moves the alias as the request proposed.
func (s *Service) applyApproval(ctx context.Context, tx *sql.Tx, who Caller, r ApprovalRequest, comment string) (bool, error) {
	var m modelRow
	if err := tx.QueryRowContext(ctx, `SELECT name FROM registered_models WHERE model_pk = ?`, r.modelPK).Scan(&m.Name); err != nil {
		return false, err
	}
	m.pk = r.modelPK
	if r.Version != nil {
		if err := s.checkAliasTarget(ctx, tx, m, *r.Version); err != nil {
			return false, errs.Wrap(errs.Conflict, err, "cannot approve request %d: %v", r.ID, err)
		}
	}
	reason := fmt.Sprintf("approval request %d by %s: %s", r.ID, r.RequestedBy, r.Reason)
	if comment != "" {
		reason += " (approved: " + comment + ")"
	}
	return s.moveAlias(ctx, tx, who, m, r.Alias, r.Version, reason)
}
