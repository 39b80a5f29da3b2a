package auth

import (
	"context"
	"database/sql"
	"errors"

	"github.com/paddockml/paddock/errs"
)

// Bootstrap makes sure an administrator can get in. With envToken (from
// PADDOCK_ADMIN_TOKEN) that exact string becomes a valid admin token.
// Without it, when no live admin token exists, a new one is generated and
// returned so the caller can print it once; otherwise it returns "".
func (s *Service) Bootstrap(ctx context.Context, envToken string) (string, error) {
	if envToken != "" {
		return "", s.ensureEnvToken(ctx, envToken)
	}
	var n int
	err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL`).Scan(&n)
	if err != nil {
		return "", errs.Wrap(errs.Internal, err, "count admin tokens")
	}
	if n > 0 {
		return "", nil
	}
	secret, _, err := s.Create(ctx, "bootstrap-admin", Admin, "paddock")
	return secret, err
}

func (s *Service) ensureEnvToken(ctx context.Context, tok string) error {
	if len(tok) < 16 {
		return errs.E(errs.Invalid, "PADDOCK_ADMIN_TOKEN must be at least 16 characters")
	}
	h := hashToken(tok)
	var role string
	var revoked sql.NullInt64
	err := s.db.Read.QueryRowContext(ctx, s.db.Rebind(`SELECT role, revoked_at FROM api_tokens WHERE token_hash = ?`), h).Scan(&role, &revoked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = s.insert(ctx, "admin (PADDOCK_ADMIN_TOKEN)", Admin, h, "environment")
		return err
	case err != nil:
		return errs.Wrap(errs.Internal, err, "look up admin token")
	case role != "admin" || revoked.Valid:
		// The environment is the operator's word: restore the token as admin.
		_, err = s.db.Write.ExecContext(ctx, s.db.Rebind(`UPDATE api_tokens SET role = 'admin', revoked_at = NULL WHERE token_hash = ?`), h)
		return err
	}
	return nil
}
