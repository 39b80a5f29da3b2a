package server

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/registry"
)

func (s *Server) registerAliasAPI() {
	const a = "/api/models/:name/aliases/:alias"
	s.route(fiber.MethodGet, "/api/models/:name/aliases", auth.Viewer, s.apiListAliases)
	s.route(fiber.MethodGet, a, auth.Viewer, s.apiGetAlias)
	s.route(fiber.MethodPut, a, auth.Editor, s.apiSetAlias)
	s.route(fiber.MethodDelete, a, auth.Editor, s.apiDeleteAlias)

	s.route(fiber.MethodGet, "/api/models/:name/approval-policy", auth.Viewer, s.apiGetPolicy)
	s.route(fiber.MethodPut, "/api/models/:name/approval-policy", auth.Admin, s.apiSetPolicy)
	s.route(fiber.MethodDelete, "/api/models/:name/approval-policy", auth.Admin, s.apiDeletePolicy)

	s.route(fiber.MethodGet, "/api/approvals", auth.Viewer, s.apiListApprovals)
	s.route(fiber.MethodGet, "/api/approvals/:id", auth.Viewer, s.apiGetApproval)
	s.route(fiber.MethodPost, "/api/approvals/:id/approve", auth.Admin, s.apiApprove)
	s.route(fiber.MethodPost, "/api/approvals/:id/reject", auth.Admin, s.apiReject)
}

func (s *Server) apiListAliases(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	m, err := s.deps.Registry.GetModel(c.UserContext(), name)
	if err != nil {
		return err
	}
	aliases := m.Aliases
	if aliases == nil {
		aliases = []registry.AliasTarget{}
	}
	return c.JSON(fiber.Map{"aliases": aliases})
}

func (s *Server) apiGetAlias(c *fiber.Ctx) error {
	p, err := params(c, "name", "alias")
	if err != nil {
		return err
	}
	v, err := s.deps.Registry.VersionByAlias(c.UserContext(), p[0], p[1])
	if err != nil {
		return err
	}
	return c.JSON(toAPIVersion(v))
}

// apiSetAlias points an alias at a version: 200 with the version, or 202
// with the approval request filed when a policy guards the alias.
func (s *Server) apiSetAlias(c *fiber.Ctx) error {
	p, err := params(c, "name", "alias")
	if err != nil {
		return err
	}
	var req struct {
		Version *int64 `json:"version"`
		justification
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Version == nil {
		return errs.E(errs.Invalid, `missing "version"`)
	}
	ctx := c.UserContext()
	res, err := s.deps.Registry.SetAlias(ctx, callerOf(c), p[0], p[1], *req.Version, req.domain())
	if err != nil {
		return err
	}
	if res.Request != nil {
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"approval_request": res.Request})
	}
	v, err := s.deps.Registry.VersionByAlias(ctx, p[0], p[1])
	if err != nil {
		return err
	}
	return c.JSON(toAPIVersion(v))
}

// apiDeleteAlias removes an alias: 204, or 202 with the approval request.
// A reason may come as ?reason=.
func (s *Server) apiDeleteAlias(c *fiber.Ctx) error {
	p, err := params(c, "name", "alias")
	if err != nil {
		return err
	}
	res, err := s.deps.Registry.DeleteAlias(c.UserContext(), callerOf(c), p[0], p[1], registry.Justification{Reason: c.Query("reason")})
	if err != nil {
		return err
	}
	if res.Request != nil {
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"approval_request": res.Request})
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiGetPolicy(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	p, err := s.deps.Registry.Policy(c.UserContext(), name)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) apiSetPolicy(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	var req struct {
		Aliases []string `json:"aliases"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := s.deps.Registry.SetPolicy(c.UserContext(), callerOf(c), name, req.Aliases)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) apiDeletePolicy(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	p, err := s.deps.Registry.DeletePolicy(c.UserContext(), callerOf(c), name)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) apiListApprovals(c *fiber.Ctx) error {
	list, err := s.deps.Registry.ListApprovals(c.UserContext(), registry.ApprovalQuery{
		Status: c.Query("status"), Model: c.Query("model"), Limit: c.QueryInt("limit"),
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"approval_requests": list})
}

func approvalID(c *fiber.Ctx) (int64, error) {
	raw, err := param(c, "id")
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 1 {
		return 0, errs.E(errs.Invalid, "invalid approval request id %q", raw)
	}
	return id, nil
}

func (s *Server) apiGetApproval(c *fiber.Ctx) error {
	id, err := approvalID(c)
	if err != nil {
		return err
	}
	r, err := s.deps.Registry.GetApproval(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) apiApprove(c *fiber.Ctx) error { return s.decideApproval(c, s.deps.Registry.Approve) }
func (s *Server) apiReject(c *fiber.Ctx) error  { return s.decideApproval(c, s.deps.Registry.Reject) }

// decideApproval reads {"comment": "..."} (optional; the body may be
// empty) and applies the decision.
func (s *Server) decideApproval(c *fiber.Ctx, decide func(ctxT, registry.Caller, int64, string) (registry.ApprovalRequest, error)) error {
	id, err := approvalID(c)
	if err != nil {
		return err
	}
	var req struct {
		Comment string `json:"comment"`
	}
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	r, err := decide(c.UserContext(), callerOf(c), id, req.Comment)
	if err != nil {
		return err
	}
	return c.JSON(r)
}
