package server

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
)

// Paddock's native tracking API: resource-shaped routes under /api/ with
// Paddock's error format and status codes (409 for a duplicate, 204 for a
// deletion). Objects have the same JSON shape as on the MLflow routes, so
// a script can move between the two without relearning them.
func (s *Server) registerTrackingAPI() {
	s.route(fiber.MethodGet, "/api/experiments", auth.Viewer, s.apiSearchExperiments)
	s.route(fiber.MethodPost, "/api/experiments", auth.Editor, s.apiCreateExperiment)
	s.route(fiber.MethodGet, "/api/experiments/:id", auth.Viewer, s.apiGetExperiment)
	s.route(fiber.MethodPatch, "/api/experiments/:id", auth.Editor, s.apiRenameExperiment)
	s.route(fiber.MethodDelete, "/api/experiments/:id", auth.Editor, s.apiDeleteExperiment)
	s.route(fiber.MethodPost, "/api/experiments/:id/restore", auth.Editor, s.apiRestoreExperiment)
	s.route(fiber.MethodPut, "/api/experiments/:id/tags/:key", auth.Editor, s.apiSetExperimentTag)

	s.route(fiber.MethodPost, "/api/runs", auth.Editor, s.apiCreateRun)
	s.route(fiber.MethodPost, "/api/runs/search", auth.Viewer, s.apiSearchRuns)
	s.route(fiber.MethodGet, "/api/runs/:id", auth.Viewer, s.apiGetRun)
	s.route(fiber.MethodPatch, "/api/runs/:id", auth.Editor, s.apiUpdateRun)
	s.route(fiber.MethodDelete, "/api/runs/:id", auth.Editor, s.apiDeleteRun)
	s.route(fiber.MethodPost, "/api/runs/:id/restore", auth.Editor, s.apiRestoreRun)
	s.route(fiber.MethodPost, "/api/runs/:id/batch", auth.Editor, s.apiLogBatch)
	s.route(fiber.MethodPost, "/api/runs/:id/inputs", auth.Editor, s.apiLogInputs)
	s.route(fiber.MethodPut, "/api/runs/:id/tags/:key", auth.Editor, s.apiSetTag)
	s.route(fiber.MethodDelete, "/api/runs/:id/tags/:key", auth.Editor, s.apiDeleteTag)
	s.route(fiber.MethodGet, "/api/runs/:id/metrics/:key", auth.Viewer, s.apiMetricHistory)
}

// param returns a path parameter, percent-decoded and copied out of
// fiber's reused buffer.
func param(c *fiber.Ctx, name string) (string, error) {
	v, err := url.PathUnescape(c.Params(name))
	if err != nil {
		return "", errs.E(errs.Invalid, "invalid %s in the path", name)
	}
	return strings.Clone(v), nil
}

// params returns several path parameters at once.
func params(c *fiber.Ctx, names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		v, err := param(c, n)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func experimentParam(c *fiber.Ctx) (int64, error) {
	raw, err := param(c, "id")
	if err != nil {
		return 0, err
	}
	return experiments.ParseExperimentID(raw)
}

func (s *Server) apiSearchExperiments(c *fiber.Ctx) error {
	page, err := s.deps.Tracking.SearchExperiments(c.UserContext(), experiments.ExperimentSearch{
		Filter: c.Query("filter"), OrderBy: queryList(c, "order_by"), ViewType: c.Query("view_type"),
		MaxResults: c.QueryInt("max_results"), PageToken: c.Query("page_token"),
	})
	if err != nil {
		return err
	}
	out := fiber.Map{"experiments": []wireExperiment{}, "next_page_token": page.NextPageToken}
	list := make([]wireExperiment, len(page.Experiments))
	for i, e := range page.Experiments {
		list[i] = toWireExperiment(e)
	}
	out["experiments"] = list
	return c.JSON(out)
}

func queryList(c *fiber.Ctx, key string) []string {
	var out []string
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if string(k) == key {
			out = append(out, string(v))
		}
	})
	return out
}

func (s *Server) apiCreateExperiment(c *fiber.Ctx) error {
	var req struct {
		Name             string   `json:"name"`
		ArtifactLocation string   `json:"artifact_location"`
		Tags             []wireKV `json:"tags"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	id, err := s.deps.Tracking.CreateExperiment(c.UserContext(), req.Name, req.ArtifactLocation, fromWireKVs(req.Tags))
	if err != nil {
		return err
	}
	e, err := s.deps.Tracking.GetExperiment(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toWireExperiment(e))
}

func (s *Server) apiGetExperiment(c *fiber.Ctx) error {
	id, err := experimentParam(c)
	if err != nil {
		return err
	}
	e, err := s.deps.Tracking.GetExperiment(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toWireExperiment(e))
}

func (s *Server) apiRenameExperiment(c *fiber.Ctx) error {
	id, err := experimentParam(c)
	if err != nil {
		return err
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.deps.Tracking.RenameExperiment(c.UserContext(), id, req.Name); err != nil {
		return err
	}
	return s.apiGetExperiment(c)
}

func (s *Server) apiDeleteExperiment(c *fiber.Ctx) error {
	id, err := experimentParam(c)
	if err != nil {
		return err
	}
	if err := s.deps.Tracking.DeleteExperiment(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiRestoreExperiment(c *fiber.Ctx) error {
	id, err := experimentParam(c)
	if err != nil {
		return err
	}
	if err := s.deps.Tracking.RestoreExperiment(c.UserContext(), id); err != nil {
		return err
	}
	return s.apiGetExperiment(c)
}

type valueBody struct {
	Value *string `json:"value"`
}

func (s *Server) apiSetExperimentTag(c *fiber.Ctx) error {
	return s.taggedResource(c, func(ctx ctxT, rawID, key, value string) error {
		id, err := experiments.ParseExperimentID(rawID)
		if err != nil {
			return err
		}
		return s.deps.Tracking.SetExperimentTag(ctx, id, experiments.Tag{Key: key, Value: value})
	})
}
