package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/sqldb"
)

// tokenPrefix marks Paddock tokens, so a leaked one is recognisable.
const tokenPrefix = "pdk_"

// cacheTTL bounds how long a verified token is trusted without a database
// look-up; a revoked token stops working on this node within it (at once
// on the node that revoked it).
const cacheTTL = 10 * time.Second

// Token is a stored token's public record; the secret is never kept.
type Token struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  string     `json:"created_by"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Service creates, verifies and revokes tokens.
type Service struct {
	db  *sqldb.DB
	now func() time.Time

	// cache holds verified tokens by their text, so a request with a
	// known token costs one lock-free map read and no hashing: every API
	// call pays it. Only valid tokens enter it, so junk cannot grow it.
	cache sync.Map // token → cached
	// cached counts entries (bounded by clearing); gen moves on every
	// revocation, and a look-up that started before one does not store.
	cached atomic.Int64
	gen    atomic.Uint64
}

type cached struct {
	p       Principal
	expires time.Time
}

// cacheLimit bounds the token cache; past it the cache starts over.
const cacheLimit = 10000

// NewService returns a token service on db; now is the clock (time.Now).
func NewService(db *sqldb.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on Linux
	return base64.RawURLEncoding.EncodeToString(b)
}

// Create makes a new token and returns its secret, shown only this once.
func (s *Service) Create(ctx context.Context, name string, role Role, createdBy string) (string, Token, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", Token{}, errs.E(errs.Invalid, "token name must be 1 to 100 characters")
	}
	if role < Viewer || role > Admin {
		return "", Token{}, errs.E(errs.Invalid, "invalid role")
	}
	secret := tokenPrefix + randomString(32)
	t, err := s.insert(ctx, name, role, hashToken(secret), createdBy)
	return secret, t, err
}

func (s *Service) insert(ctx context.Context, name string, role Role, hash, createdBy string) (Token, error) {
	now := s.now()
	t := Token{ID: "tok_" + randomString(9), Name: name, Role: role.String(), CreatedAt: now.UTC(), CreatedBy: createdBy}
	_, err := s.db.Write.ExecContext(ctx, s.db.Rebind(`INSERT INTO api_tokens
		(id, name, role, token_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`),
		t.ID, t.Name, t.Role, hash, now.UnixMilli(), createdBy)
	if err != nil {
		return Token{}, errs.Wrap(errs.Internal, err, "store token")
	}
	return t, nil
}

// Authenticate returns the principal a bearer token stands for. An empty,
// unknown or revoked token is an Unauthenticated error.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > 512 {
		return Principal{}, errs.E(errs.Unauthenticated, "missing or malformed token")
	}
	now := s.now()
	if c, ok := s.cache.Load(token); ok && now.Before(c.(cached).expires) {
		return c.(cached).p, nil
	}
	gen := s.gen.Load()
	h := hashToken(token)
	var p Principal
	var role string
	err := s.db.Read.QueryRowContext(ctx, s.db.Rebind(
		`SELECT id, name, role FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`), h).
		Scan(&p.TokenID, &p.Name, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, errs.E(errs.Unauthenticated, "invalid or revoked token")
	}
	if err != nil {
		return Principal{}, errs.Wrap(errs.Unavailable, err, "verify token")
	}
	p.Role, _ = ParseRole(role)
	if s.cached.Add(1) > cacheLimit {
		s.forget() // bounded: a flood of distinct valid tokens cannot grow it
	}
	if s.gen.Load() == gen {
		s.cache.Store(strings.Clone(token), cached{p: p, expires: now.Add(cacheTTL)})
	}
	// Recording use on a cache miss only keeps writes to one per token per TTL.
	_, _ = s.db.Write.ExecContext(ctx, s.db.Rebind(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), now.UnixMilli(), p.TokenID)
	return p, nil
}

// List returns every token, newest first, revoked ones included.
func (s *Service) List(ctx context.Context) ([]Token, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, name, role, created_at, created_by, last_used_at, revoked_at
		FROM api_tokens ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "list tokens")
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var created int64
		var used, revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.Name, &t.Role, &created, &t.CreatedBy, &used, &revoked); err != nil {
			return nil, errs.Wrap(errs.Internal, err, "list tokens")
		}
		t.CreatedAt = time.UnixMilli(created).UTC()
		t.LastUsedAt, t.RevokedAt = optTime(used), optTime(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

func optTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}

// Revoke disables a token for good.
func (s *Service) Revoke(ctx context.Context, id string) error {
	res, err := s.db.Write.ExecContext(ctx, s.db.Rebind(
		`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), s.now().UnixMilli(), id)
	if err != nil {
		return errs.Wrap(errs.Internal, err, "revoke token")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "token %q not found or already revoked", id)
	}
	s.gen.Add(1)
	s.forget()
	return nil
}

// forget empties the token cache.
func (s *Service) forget() {
	s.cache.Clear()
	s.cached.Store(0)
}
