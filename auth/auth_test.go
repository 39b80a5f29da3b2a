package auth

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/sqldb"
)

func newService(t *testing.T) (*Service, *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "a.db"), sqldb.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return NewService(db, nil), db
}

func TestCreateAuthenticateRevoke(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	secret, tok, err := s.Create(ctx, "ci", Editor, "token:root")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "pdk_") || len(secret) < 40 {
		t.Fatalf("secret %q", secret)
	}
	var stored int
	if err := db.Read.QueryRow(`SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?`, secret).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("secret stored in clear (%d, %v)", stored, err)
	}
	p, err := s.Authenticate(ctx, secret)
	if err != nil || p.Role != Editor || p.TokenID != tok.ID || p.Actor() != "token:ci" {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	if _, err := s.Authenticate(ctx, secret+"x"); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("wrong token: %v", err)
	}
	if err := s.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("revoked token still works: %v", err)
	}
	if err := s.Revoke(ctx, tok.ID); !errs.Is(err, errs.NotFound) {
		t.Fatalf("second revoke: %v", err)
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 1 || list[0].RevokedAt == nil || list[0].LastUsedAt == nil {
		t.Fatalf("list: %+v %v", list, err)
	}
}

func TestRevocationReachesOtherNodesWithinTTL(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	other := NewService(db, func() time.Time { return now })
	secret, tok, _ := s.Create(ctx, "x", Viewer, "")
	if _, err := other.Authenticate(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	now = now.Add(cacheTTL + time.Second)
	if _, err := other.Authenticate(ctx, secret); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("revoked token accepted after TTL: %v", err)
	}
}

func TestBootstrap(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	first, err := s.Bootstrap(ctx, "")
	if err != nil || first == "" {
		t.Fatalf("first start: %q %v", first, err)
	}
	again, err := s.Bootstrap(ctx, "")
	if err != nil || again != "" {
		t.Fatalf("second start printed a token again: %q %v", again, err)
	}
	if p, err := s.Authenticate(ctx, first); err != nil || p.Role != Admin {
		t.Fatalf("bootstrap token: %+v %v", p, err)
	}
	env := "an-operator-chosen-secret"
	if _, err := s.Bootstrap(ctx, env); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bootstrap(ctx, env); err != nil { // idempotent
		t.Fatal(err)
	}
	if p, err := s.Authenticate(ctx, env); err != nil || p.Role != Admin {
		t.Fatalf("env token: %+v %v", p, err)
	}
	if _, err := s.Bootstrap(ctx, "short"); !errs.Is(err, errs.Invalid) {
		t.Fatalf("short env token: %v", err)
	}
}

func TestParseRoleAndOrder(t *testing.T) {
	for _, r := range []Role{Viewer, Editor, Admin} {
		got, err := ParseRole(r.String())
		if err != nil || got != r {
			t.Fatalf("%v → %v %v", r, got, err)
		}
	}
	if _, err := ParseRole("root"); !errs.Is(err, errs.Invalid) {
		t.Fatal("unknown role accepted")
	}
	if !(Principal{Role: Admin}).Allows(Editor) || (Principal{Role: Viewer}).Allows(Editor) {
		t.Fatal("role order broken")
	}
}
