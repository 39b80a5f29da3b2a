package server

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/registry"
)

// MLflow's model registry REST API. Legacy stages map onto the aliases
// "staging" and "production" (see registry/stage.go). Where an approval
// policy guards an alias, an editor's move (alias set or delete,
// transition-stage) answers 202 with {"approval_request": {...}} instead
// of moving it; MLflow clients report that as an error naming the
// request, which is the truth: nothing moved yet.
func (s *Server) registerMLflowRegistry() {
	s.mlflowRoute(fiber.MethodPost, "/registered-models/create", auth.Editor, s.mlCreateModel)
	s.mlflowRoute(fiber.MethodGet, "/registered-models/get", auth.Viewer, s.mlGetModel)
	s.mlflowRoute(fiber.MethodPost, "/registered-models/rename", auth.Editor, s.mlRenameModel)
	s.mlflowRoute(fiber.MethodPatch, "/registered-models/update", auth.Editor, s.mlUpdateModel)
	s.mlflowRoute(fiber.MethodDelete, "/registered-models/delete", auth.Editor, s.mlDeleteModel)
	s.mlflowRoute(fiber.MethodGet, "/registered-models/search", auth.Viewer, s.mlSearchModels)
	// get-latest-versions only reads; MLflow's client sends it as POST.
	s.mlflowRoute(fiber.MethodPost, "/registered-models/get-latest-versions", auth.Viewer, s.mlLatestVersions)
	s.mlflowRoute(fiber.MethodGet, "/registered-models/get-latest-versions", auth.Viewer, s.mlLatestVersions)
	s.mlflowRoute(fiber.MethodPost, "/registered-models/set-tag", auth.Editor, s.mlSetModelTag)
	s.mlflowRoute(fiber.MethodDelete, "/registered-models/delete-tag", auth.Editor, s.mlDeleteModelTag)
	s.mlflowRoute(fiber.MethodPost, "/registered-models/alias", auth.Editor, s.mlSetAlias)
	s.mlflowRoute(fiber.MethodDelete, "/registered-models/alias", auth.Editor, s.mlDeleteAlias)
	s.mlflowRoute(fiber.MethodGet, "/registered-models/alias", auth.Viewer, s.mlGetByAlias)
	s.registerMLflowVersions()
}

type mlNameRequest struct {
	Name string `json:"name"`
}

func (r mlNameRequest) name() (string, error) { return r.Name, required("name", r.Name != "") }

func registeredModelJSON(c *fiber.Ctx, m registry.Model) error {
	return c.JSON(fiber.Map{"registered_model": toWireModel(m)})
}

func (s *Server) mlCreateModel(c *fiber.Ctx) error {
	var req struct {
		mlNameRequest
		Tags        []wireKV `json:"tags"`
		Description string   `json:"description"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, err := req.name()
	if err != nil {
		return err
	}
	m, err := s.deps.Registry.CreateModel(c.UserContext(), callerOf(c), name, req.Description, fromWireTags(req.Tags))
	if err != nil {
		return err
	}
	return registeredModelJSON(c, m)
}

func (s *Server) mlGetModel(c *fiber.Ctx) error {
	var req mlNameRequest
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, err := req.name()
	if err != nil {
		return err
	}
	m, err := s.deps.Registry.GetModel(c.UserContext(), name)
	if err != nil {
		return err
	}
	return registeredModelJSON(c, m)
}

func (s *Server) mlRenameModel(c *fiber.Ctx) error {
	var req struct {
		mlNameRequest
		NewName string `json:"new_name"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, err := req.name()
	if err != nil {
		return err
	}
	if err := required("new_name", req.NewName != ""); err != nil {
		return err
	}
	m, err := s.deps.Registry.RenameModel(c.UserContext(), callerOf(c), name, req.NewName)
	if err != nil {
		return err
	}
	return registeredModelJSON(c, m)
}

func (s *Server) mlUpdateModel(c *fiber.Ctx) error {
	var req struct {
		mlNameRequest
		Description string `json:"description"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, err := req.name()
	if err != nil {
		return err
	}
	m, err := s.deps.Registry.UpdateModel(c.UserContext(), callerOf(c), name, req.Description)
	if err != nil {
		return err
	}
	return registeredModelJSON(c, m)
}

func (s *Server) mlDeleteModel(c *fiber.Ctx) error {
	var req mlNameRequest
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, err := req.name()
	if err != nil {
		return err
	}
	if err := s.deps.Registry.DeleteModel(c.UserContext(), callerOf(c), name); err != nil {
		return err
	}
	return emptyJSON(c)
}

// mlSearchRequest is the query of both registry searches.
type mlSearchRequest struct {
	Filter     string      `json:"filter"`
	MaxResults flexInt     `json:"max_results"`
	OrderBy    flexStrings `json:"order_by"`
	PageToken  string      `json:"page_token"`
}

func (r mlSearchRequest) search() registry.Search {
	return registry.Search{Filter: r.Filter, MaxResults: int(r.MaxResults.V), OrderBy: r.OrderBy, PageToken: r.PageToken}
}

func (s *Server) mlSearchModels(c *fiber.Ctx) error {
	var req mlSearchRequest
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	page, err := s.deps.Registry.SearchModels(c.UserContext(), req.search())
	if err != nil {
		return err
	}
	out := struct {
		RegisteredModels []wireRegisteredModel `json:"registered_models,omitempty"`
		NextPageToken    string                `json:"next_page_token,omitempty"`
	}{NextPageToken: page.NextPageToken}
	for _, m := range page.Models {
		out.RegisteredModels = append(out.RegisteredModels, toWireModel(m))
	}
	return c.JSON(out)
}

func (s *Server) mlLatestVersions(c *fiber.Ctx) error {
	var req struct {
		mlNameRequest
		Stages flexStrings `json:"stages"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, err := req.name()
	if err != nil {
		return err
	}
	versions, err := s.deps.Registry.LatestVersions(c.UserContext(), name, req.Stages)
	if err != nil {
		return err
	}
	return modelVersionsJSON(c, versions, "")
}

// modelVersionsJSON writes {"model_versions": [...], "next_page_token"},
// both omitted when empty.
func modelVersionsJSON(c *fiber.Ctx, versions []registry.Version, next string) error {
	out := struct {
		ModelVersions []wireModelVersion `json:"model_versions,omitempty"`
		NextPageToken string             `json:"next_page_token,omitempty"`
	}{NextPageToken: next}
	for _, v := range versions {
		out.ModelVersions = append(out.ModelVersions, toWireVersion(v))
	}
	return c.JSON(out)
}

func (s *Server) mlSetModelTag(c *fiber.Ctx) error {
	var req struct {
		mlNameRequest
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, err := req.name()
	if err != nil {
		return err
	}
	if err := required("key", req.Key != ""); err != nil {
		return err
	}
	if err := s.deps.Registry.SetModelTag(c.UserContext(), callerOf(c), name, registry.Tag{Key: req.Key, Value: req.Value}); err != nil {
		return err
	}
	return emptyJSON(c)
}

func (s *Server) mlDeleteModelTag(c *fiber.Ctx) error {
	var req struct {
		mlNameRequest
		Key string `json:"key"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, err := req.name()
	if err != nil {
		return err
	}
	if err := required("key", req.Key != ""); err != nil {
		return err
	}
	if err := s.deps.Registry.DeleteModelTag(c.UserContext(), callerOf(c), name, req.Key); err != nil {
		return err
	}
	return emptyJSON(c)
}

type mlAliasRequest struct {
	mlNameRequest
	Alias   string     `json:"alias"`
	Version flexString `json:"version"`
}

func (r mlAliasRequest) names() (string, string, error) {
	name, err := r.name()
	if err != nil {
		return "", "", err
	}
	return name, r.Alias, required("alias", r.Alias != "")
}

func (s *Server) mlSetAlias(c *fiber.Ctx) error {
	var req mlAliasRequest
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, alias, err := req.names()
	if err != nil {
		return err
	}
	if err := required("version", req.Version != ""); err != nil {
		return err
	}
	v, err := registry.ParseVersion(string(req.Version))
	if err != nil {
		return err
	}
	res, err := s.deps.Registry.SetAlias(c.UserContext(), callerOf(c), name, alias, v, registry.Justification{})
	if err != nil {
		return err
	}
	return aliasResultJSON(c, res)
}

func (s *Server) mlDeleteAlias(c *fiber.Ctx) error {
	var req mlAliasRequest
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, alias, err := req.names()
	if err != nil {
		return err
	}
	res, err := s.deps.Registry.DeleteAlias(c.UserContext(), callerOf(c), name, alias, registry.Justification{})
	if err != nil {
		return err
	}
	return aliasResultJSON(c, res)
}

// aliasResultJSON answers {} for a move and 202 with the approval request
// when the move waits for one.
func aliasResultJSON(c *fiber.Ctx, res registry.AliasResult) error {
	if res.Request != nil {
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"approval_request": res.Request})
	}
	return emptyJSON(c)
}

func (s *Server) mlGetByAlias(c *fiber.Ctx) error {
	var req mlAliasRequest
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, alias, err := req.names()
	if err != nil {
		return err
	}
	v, err := s.deps.Registry.VersionByAlias(c.UserContext(), name, alias)
	if errors.Is(err, registry.ErrAliasNotFound) {
		// MLflow's stores answer an unset alias with INVALID_PARAMETER_VALUE
		// (400), and clients match on it.
		return errs.E(errs.Invalid, "Registered model alias %s not found.", alias)
	}
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"model_version": toWireVersion(v)})
}
