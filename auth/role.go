// Package auth holds Paddock's API tokens and roles. Tokens are random
// bearer strings stored only as SHA-256 hashes; each carries one role, and
// every route declares the least role it needs.
package auth

import (
	"fmt"

	"github.com/paddockml/paddock/errs"
)

// Role is what a caller may do. Roles are ordered: an admin may do all an
// editor may, an editor all a viewer may.
type Role int

// The roles, least to most.
const (
	None   Role = iota // anonymous with reads closed
	Viewer             // read everything
	Editor             // also write: log runs, register models, move unguarded aliases
	Admin              // also approve, manage tokens and settings
)

// String returns the role's name.
func (r Role) String() string {
	switch r {
	case Viewer:
		return "viewer"
	case Editor:
		return "editor"
	case Admin:
		return "admin"
	}
	return "none"
}

// ParseRole parses viewer, editor or admin.
func ParseRole(s string) (Role, error) {
	switch s {
	case "viewer":
		return Viewer, nil
	case "editor":
		return Editor, nil
	case "admin":
		return Admin, nil
	}
	return None, errs.E(errs.Invalid, "unknown role %q (want viewer, editor or admin)", s)
}

// Principal is who is calling.
type Principal struct {
	TokenID string
	Name    string
	Role    Role
}

// Anonymous reports whether the caller presented no token.
func (p Principal) Anonymous() bool { return p.TokenID == "" }

// Actor names the caller in audit records: "token:<name>" or "anonymous".
func (p Principal) Actor() string {
	if p.Anonymous() {
		return "anonymous"
	}
	return fmt.Sprintf("token:%s", p.Name)
}

// Allows reports whether the principal holds at least role need.
func (p Principal) Allows(need Role) bool { return p.Role >= need }
