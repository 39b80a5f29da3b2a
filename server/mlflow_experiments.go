package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/experiments"
)

func (s *Server) registerMLflowExperiments() {
	s.mlflowRoute(fiber.MethodPost, "/experiments/create", auth.Editor, s.mlCreateExperiment)
	s.mlflowRoute(fiber.MethodGet, "/experiments/get", auth.Viewer, s.mlGetExperiment)
	s.mlflowRoute(fiber.MethodGet, "/experiments/get-by-name", auth.Viewer, s.mlGetExperimentByName)
	s.mlflowRoute(fiber.MethodPost, "/experiments/search", auth.Viewer, s.mlSearchExperiments)
	s.mlflowRoute(fiber.MethodGet, "/experiments/search", auth.Viewer, s.mlSearchExperiments)
	s.mlflowRoute(fiber.MethodPost, "/experiments/update", auth.Editor, s.mlUpdateExperiment)
	s.mlflowRoute(fiber.MethodPost, "/experiments/delete", auth.Editor, s.mlDeleteExperiment)
	s.mlflowRoute(fiber.MethodPost, "/experiments/restore", auth.Editor, s.mlRestoreExperiment)
	s.mlflowRoute(fiber.MethodPost, "/experiments/set-experiment-tag", auth.Editor, s.mlSetExperimentTag)
}

type experimentIDRequest struct {
	ExperimentID flexString `json:"experiment_id"`
}

func (r experimentIDRequest) id() (int64, error) {
	if err := required("experiment_id", r.ExperimentID != ""); err != nil {
		return 0, err
	}
	return experiments.ParseExperimentID(string(r.ExperimentID))
}

func (s *Server) mlCreateExperiment(c *fiber.Ctx) error {
	var req struct {
		Name             string   `json:"name"`
		ArtifactLocation string   `json:"artifact_location"`
		Tags             []wireKV `json:"tags"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	if err := required("name", req.Name != ""); err != nil {
		return err
	}
	id, err := s.deps.Tracking.CreateExperiment(c.UserContext(), req.Name, req.ArtifactLocation, fromWireKVs(req.Tags))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"experiment_id": itoa(id)})
}

func (s *Server) mlGetExperiment(c *fiber.Ctx) error {
	var req experimentIDRequest
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	id, err := req.id()
	if err != nil {
		return err
	}
	e, err := s.deps.Tracking.GetExperiment(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"experiment": toWireExperiment(e)})
}

func (s *Server) mlGetExperimentByName(c *fiber.Ctx) error {
	var req struct {
		ExperimentName string `json:"experiment_name"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	if err := required("experiment_name", req.ExperimentName != ""); err != nil {
		return err
	}
	e, err := s.deps.Tracking.GetExperimentByName(c.UserContext(), req.ExperimentName)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"experiment": toWireExperiment(e)})
}

func (s *Server) mlSearchExperiments(c *fiber.Ctx) error {
	var req struct {
		MaxResults flexInt     `json:"max_results"`
		PageToken  string      `json:"page_token"`
		Filter     string      `json:"filter"`
		OrderBy    flexStrings `json:"order_by"`
		ViewType   string      `json:"view_type"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	page, err := s.deps.Tracking.SearchExperiments(c.UserContext(), experiments.ExperimentSearch{
		Filter: req.Filter, OrderBy: req.OrderBy, ViewType: req.ViewType,
		MaxResults: int(req.MaxResults.V), PageToken: req.PageToken,
	})
	if err != nil {
		return err
	}
	out := struct {
		Experiments   []wireExperiment `json:"experiments,omitempty"`
		NextPageToken string           `json:"next_page_token,omitempty"`
	}{NextPageToken: page.NextPageToken}
	for _, e := range page.Experiments {
		out.Experiments = append(out.Experiments, toWireExperiment(e))
	}
	return c.JSON(out)
}

func (s *Server) mlUpdateExperiment(c *fiber.Ctx) error {
	var req struct {
		experimentIDRequest
		NewName string `json:"new_name"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	id, err := req.id()
	if err != nil {
		return err
	}
	if err := required("new_name", req.NewName != ""); err != nil {
		return err
	}
	if err := s.deps.Tracking.RenameExperiment(c.UserContext(), id, req.NewName); err != nil {
		return err
	}
	return emptyJSON(c)
}

func (s *Server) mlDeleteExperiment(c *fiber.Ctx) error {
	return s.experimentAction(c, s.deps.Tracking.DeleteExperiment)
}

func (s *Server) mlRestoreExperiment(c *fiber.Ctx) error {
	return s.experimentAction(c, s.deps.Tracking.RestoreExperiment)
}

func (s *Server) experimentAction(c *fiber.Ctx, fn func(ctx ctxT, id int64) error) error {
	var req experimentIDRequest
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	id, err := req.id()
	if err != nil {
		return err
	}
	if err := fn(c.UserContext(), id); err != nil {
		return err
	}
	return emptyJSON(c)
}

func (s *Server) mlSetExperimentTag(c *fiber.Ctx) error {
	var req struct {
		experimentIDRequest
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	id, err := req.id()
	if err != nil {
		return err
	}
	if err := required("key", req.Key != ""); err != nil {
		return err
	}
	if err := s.deps.Tracking.SetExperimentTag(c.UserContext(), id, experiments.Tag{Key: req.Key, Value: req.Value}); err != nil {
		return err
	}
	return emptyJSON(c)
}
