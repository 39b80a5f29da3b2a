package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/registry"
)

func (s *Server) registerMLflowVersions() {
	s.mlflowRoute(fiber.MethodPost, "/model-versions/create", auth.Editor, s.mlCreateVersion)
	s.mlflowRoute(fiber.MethodGet, "/model-versions/get", auth.Viewer, s.mlGetVersion)
	s.mlflowRoute(fiber.MethodPatch, "/model-versions/update", auth.Editor, s.mlUpdateVersion)
	s.mlflowRoute(fiber.MethodDelete, "/model-versions/delete", auth.Editor, s.mlDeleteVersion)
	s.mlflowRoute(fiber.MethodGet, "/model-versions/search", auth.Viewer, s.mlSearchVersions)
	s.mlflowRoute(fiber.MethodPost, "/model-versions/set-tag", auth.Editor, s.mlSetVersionTag)
	s.mlflowRoute(fiber.MethodDelete, "/model-versions/delete-tag", auth.Editor, s.mlDeleteVersionTag)
	s.mlflowRoute(fiber.MethodGet, "/model-versions/get-download-uri", auth.Viewer, s.mlDownloadURI)
	s.mlflowRoute(fiber.MethodPost, "/model-versions/transition-stage", auth.Editor, s.mlTransitionStage)
}

// mlVersionRequest names a model version: name and version, both
// required.
type mlVersionRequest struct {
	mlNameRequest
	Version flexString `json:"version"`
}

func (r mlVersionRequest) ids() (string, int64, error) {
	name, err := r.name()
	if err != nil {
		return "", 0, err
	}
	if err := required("version", r.Version != ""); err != nil {
		return "", 0, err
	}
	v, err := registry.ParseVersion(string(r.Version))
	return name, v, err
}

func modelVersionJSON(c *fiber.Ctx, v registry.Version) error {
	return c.JSON(fiber.Map{"model_version": toWireVersion(v)})
}

func (s *Server) mlCreateVersion(c *fiber.Ctx) error {
	var req struct {
		mlNameRequest
		Source      string   `json:"source"`
		RunID       string   `json:"run_id"`
		Tags        []wireKV `json:"tags"`
		RunLink     string   `json:"run_link"`
		Description string   `json:"description"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, err := req.name()
	if err != nil {
		return err
	}
	if err := required("source", req.Source != ""); err != nil {
		return err
	}
	v, err := s.deps.Registry.CreateVersion(c.UserContext(), callerOf(c), registry.CreateVersionRequest{
		Model: name, Source: req.Source, RunID: req.RunID, RunLink: req.RunLink, Description: req.Description, Tags: fromWireTags(req.Tags),
	})
	if err != nil {
		return err
	}
	return modelVersionJSON(c, v)
}

func (s *Server) mlGetVersion(c *fiber.Ctx) error {
	var req mlVersionRequest
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, n, err := req.ids()
	if err != nil {
		return err
	}
	v, err := s.deps.Registry.GetVersion(c.UserContext(), name, n)
	if err != nil {
		return err
	}
	return modelVersionJSON(c, v)
}

func (s *Server) mlUpdateVersion(c *fiber.Ctx) error {
	var req struct {
		mlVersionRequest
		Description *string `json:"description"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, n, err := req.ids()
	if err != nil {
		return err
	}
	v, err := s.deps.Registry.UpdateVersion(c.UserContext(), callerOf(c), name, n, registry.VersionUpdate{Description: req.Description})
	if err != nil {
		return err
	}
	return modelVersionJSON(c, v)
}

func (s *Server) mlDeleteVersion(c *fiber.Ctx) error {
	var req mlVersionRequest
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, n, err := req.ids()
	if err != nil {
		return err
	}
	if err := s.deps.Registry.DeleteVersion(c.UserContext(), callerOf(c), name, n); err != nil {
		return err
	}
	return emptyJSON(c)
}

func (s *Server) mlSearchVersions(c *fiber.Ctx) error {
	var req mlSearchRequest
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	page, err := s.deps.Registry.SearchVersions(c.UserContext(), req.search())
	if err != nil {
		return err
	}
	return modelVersionsJSON(c, page.Versions, page.NextPageToken)
}

func (s *Server) mlSetVersionTag(c *fiber.Ctx) error {
	var req struct {
		mlVersionRequest
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, n, err := req.ids()
	if err != nil {
		return err
	}
	if err := required("key", req.Key != ""); err != nil {
		return err
	}
	if err := s.deps.Registry.SetVersionTag(c.UserContext(), callerOf(c), name, n, registry.Tag{Key: req.Key, Value: req.Value}); err != nil {
		return err
	}
	return emptyJSON(c)
}

func (s *Server) mlDeleteVersionTag(c *fiber.Ctx) error {
	var req struct {
		mlVersionRequest
		Key string `json:"key"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, n, err := req.ids()
	if err != nil {
		return err
	}
	if err := required("key", req.Key != ""); err != nil {
		return err
	}
	if err := s.deps.Registry.DeleteVersionTag(c.UserContext(), callerOf(c), name, n, req.Key); err != nil {
		return err
	}
	return emptyJSON(c)
}

// mlDownloadURI answers where MLflow clients fetch a version's files:
// mlflow-artifacts:/models/..., which they download through the proxied
// artifact API, or the source of a version Paddock only references.
func (s *Server) mlDownloadURI(c *fiber.Ctx) error {
	var req mlVersionRequest
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, n, err := req.ids()
	if err != nil {
		return err
	}
	v, err := s.deps.Registry.GetVersion(c.UserContext(), name, n)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"artifact_uri": v.ArtifactURI})
}

func (s *Server) mlTransitionStage(c *fiber.Ctx) error {
	var req struct {
		mlVersionRequest
		Stage                   string `json:"stage"`
		ArchiveExistingVersions bool   `json:"archive_existing_versions"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	name, n, err := req.ids()
	if err != nil {
		return err
	}
	if err := required("stage", req.Stage != ""); err != nil {
		return err
	}
	v, pending, err := s.deps.Registry.TransitionStage(c.UserContext(), callerOf(c), name, n, req.Stage, req.ArchiveExistingVersions, registry.Justification{})
	if err != nil {
		return err
	}
	if pending != nil {
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"approval_request": pending})
	}
	return modelVersionJSON(c, v)
}
