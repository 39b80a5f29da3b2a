package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

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
	secret, tok, err := s.deps.Auth.Create(c.UserContext(), req.Name, role, principalOf(c).Actor())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": secret, "info": tok})
}

func (s *Server) revokeToken(c *fiber.Ctx) error {
	if err := s.deps.Auth.Revoke(c.UserContext(), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
