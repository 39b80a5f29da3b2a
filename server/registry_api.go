package server

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/registry"
)

// registerRegistry adds the model registry: Paddock's native API under
// /api/models, /api/approvals, /api/audit and /api/registry, and MLflow's
// model registry REST API under /api/2.0/mlflow (see mlflow_registry.go).
// Reads need a viewer (the audit log included: it holds who changed
// what, never a secret); writes an editor; approving, rejecting and
// changing approval policies an admin.
func (s *Server) registerRegistry() {
	s.registerMLflowRegistry()

	s.route(fiber.MethodGet, "/api/models", auth.Viewer, s.apiSearchModels)
	s.route(fiber.MethodPost, "/api/models", auth.Editor, s.apiCreateModel)
	s.route(fiber.MethodGet, "/api/models/:name", auth.Viewer, s.apiGetModel)
	s.route(fiber.MethodPatch, "/api/models/:name", auth.Editor, s.apiUpdateModel)
	s.route(fiber.MethodDelete, "/api/models/:name", auth.Editor, s.apiDeleteModel)
	s.route(fiber.MethodPut, "/api/models/:name/tags/:key", auth.Editor, s.apiSetModelTag)
	s.route(fiber.MethodDelete, "/api/models/:name/tags/:key", auth.Editor, s.apiDeleteModelTag)
	s.registerVersionAPI()
	s.registerAliasAPI()
	s.registerAuditAPI()
}

// callerOf names the caller for the registry and its audit log.
func callerOf(c *fiber.Ctx) registry.Caller {
	p := principalOf(c)
	return registry.Caller{Actor: p.Actor(), Approver: p.Allows(auth.Admin), RequestID: requestIDOf(c)}
}

// toAPIModel is a registered model on the native API: MLflow's shape.
func toAPIModel(m registry.Model) wireRegisteredModel { return toWireModel(m) }

func (s *Server) apiSearchModels(c *fiber.Ctx) error {
	page, err := s.deps.Registry.SearchModels(c.UserContext(), registry.Search{
		Filter: c.Query("filter"), OrderBy: queryList(c, "order_by"), MaxResults: c.QueryInt("max_results"), PageToken: c.Query("page_token"),
	})
	if err != nil {
		return err
	}
	list := make([]wireRegisteredModel, len(page.Models))
	for i, m := range page.Models {
		list[i] = toAPIModel(m)
	}
	return c.JSON(fiber.Map{"models": list, "next_page_token": page.NextPageToken})
}

func (s *Server) apiCreateModel(c *fiber.Ctx) error {
	var req struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Tags        []wireKV `json:"tags"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m, err := s.deps.Registry.CreateModel(c.UserContext(), callerOf(c), req.Name, req.Description, fromWireTags(req.Tags))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toAPIModel(m))
}

func (s *Server) apiGetModel(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	m, err := s.deps.Registry.GetModel(c.UserContext(), name)
	if err != nil {
		return err
	}
	return c.JSON(toAPIModel(m))
}

// apiUpdateModel renames the model and/or replaces its description.
func (s *Server) apiUpdateModel(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	var req struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx, who := c.UserContext(), callerOf(c)
	// The rename goes first: when it is refused, nothing has changed.
	if req.Name != nil && *req.Name != name {
		if _, err := s.deps.Registry.RenameModel(ctx, who, name, *req.Name); err != nil {
			return err
		}
		name = *req.Name
	}
	if req.Description != nil {
		if _, err := s.deps.Registry.UpdateModel(ctx, who, name, *req.Description); err != nil {
			return err
		}
	}
	m, err := s.deps.Registry.GetModel(ctx, name)
	if err != nil {
		return err
	}
	return c.JSON(toAPIModel(m))
}

func (s *Server) apiDeleteModel(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	if err := s.deps.Registry.DeleteModel(c.UserContext(), callerOf(c), name); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiSetModelTag(c *fiber.Ctx) error {
	p, err := params(c, "name", "key")
	if err != nil {
		return err
	}
	value, err := tagValue(c)
	if err != nil {
		return err
	}
	if err := s.deps.Registry.SetModelTag(c.UserContext(), callerOf(c), p[0], registry.Tag{Key: p[1], Value: value}); err != nil {
		return err
	}
	return s.apiGetModel(c)
}

func (s *Server) apiDeleteModelTag(c *fiber.Ctx) error {
	p, err := params(c, "name", "key")
	if err != nil {
		return err
	}
	if err := s.deps.Registry.DeleteModelTag(c.UserContext(), callerOf(c), p[0], p[1]); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// tagValue reads {"value": "..."}, which is required.
func tagValue(c *fiber.Ctx) (string, error) {
	var body valueBody
	if err := decodeJSON(c, &body); err != nil {
		return "", err
	}
	if body.Value == nil {
		return "", errs.E(errs.Invalid, `missing "value"`)
	}
	return *body.Value, nil
}

// versionParam reads the :version path parameter.
func versionParam(c *fiber.Ctx) (string, int64, error) {
	p, err := params(c, "name", "version")
	if err != nil {
		return "", 0, err
	}
	v, err := registry.ParseVersion(p[1])
	return p[0], v, err
}

// justification is the optional reason and evidence of an alias change.
type justification struct {
	Reason   string   `json:"reason"`
	Evidence []string `json:"evidence"`
}

func (j justification) domain() registry.Justification {
	return registry.Justification{Reason: j.Reason, Evidence: j.Evidence}
}

// queryInt64 reads an optional integer query parameter.
func queryInt64(c *fiber.Ctx, key string) (int64, error) {
	raw := c.Query(key)
	if raw == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, errs.E(errs.Invalid, "%s must be an integer, got %q", key, raw)
	}
	return v, nil
}
