package server

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/auth"
)

func (s *Server) whoami(c *fiber.Ctx) error {
	p := principalOf(c)
	return c.JSON(fiber.Map{"token_id": p.TokenID, "name": p.Name, "role": p.Role.String(), "anonymous": p.Anonymous()})
}

func (s *Server) listTokens(c *fiber.Ctx) error {
	list, err := s.deps.Auth.List(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"tokens": list})
}

type createTokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

func (s *Server) createToken(c *fiber.Ctx) error {
	var req createTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		return err
	}
	secret, tok, err := s.createTokenAudited(c, req.Name, role)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": secret, "info": tok})
}

func (s *Server) revokeToken(c *fiber.Ctx) error {
	if err := s.revokeTokenAudited(c, strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// createTokenAudited creates a token and records who did (never the
// secret) in the audit log; the API and the dashboard both come here.
func (s *Server) createTokenAudited(c *fiber.Ctx, name string, role auth.Role) (string, auth.Token, error) {
	secret, tok, err := s.deps.Auth.Create(c.UserContext(), name, role, principalOf(c).Actor())
	if err != nil {
		return "", tok, err
	}
	after, _ := json.Marshal(tok)
	s.auditToken(c, "auth.token.create", tok.ID, nil, after)
	return secret, tok, nil
}

// revokeTokenAudited revokes a token and records it in the audit log.
func (s *Server) revokeTokenAudited(c *fiber.Ctx, id string) error {
	if err := s.deps.Auth.Revoke(c.UserContext(), id); err != nil {
		return err
	}
	s.auditToken(c, "auth.token.revoke", id, nil, nil)
	return nil
}

// auditToken appends a token event. The change has happened by now; a
// failure to record it is logged rather than undoing it.
func (s *Server) auditToken(c *fiber.Ctx, action, id string, before, after json.RawMessage) {
	if s.deps.Audit == nil {
		return
	}
	err := s.deps.Audit.Append(c.UserContext(), audit.Event{Actor: principalOf(c).Actor(), Action: action,
		Resource: audit.Resource{Kind: "token", ID: id}, Before: before, After: after, RequestID: requestIDOf(c)})
	if err != nil {
		s.log.Error("audit token change", "action", action, "token_id", id, "err", err)
	}
}
