package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
)

func (s *Server) apiCreateRun(c *fiber.Ctx) error {
	var req struct {
		ExperimentID flexString `json:"experiment_id"`
		RunName      string     `json:"run_name"`
		UserID       string     `json:"user_id"`
		StartTime    *int64     `json:"start_time"`
		Tags         []wireKV   `json:"tags"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	expID := int64(0)
	if req.ExperimentID != "" {
		var err error
		if expID, err = experiments.ParseExperimentID(string(req.ExperimentID)); err != nil {
			return err
		}
	}
	run, err := s.deps.Tracking.CreateRun(c.UserContext(), experiments.CreateRunRequest{
		ExperimentID: expID, UserID: req.UserID, RunName: req.RunName, StartTime: req.StartTime, Tags: fromWireKVs(req.Tags),
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toWireRun(run))
}

func (s *Server) apiGetRun(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	run, err := s.deps.Tracking.GetRun(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toWireRun(run))
}

func (s *Server) apiUpdateRun(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		Status  *string `json:"status"`
		EndTime *int64  `json:"end_time"`
		RunName *string `json:"run_name"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if _, err := s.deps.Tracking.UpdateRun(c.UserContext(), experiments.UpdateRunRequest{
		RunID: id, Status: req.Status, EndTime: req.EndTime, RunName: req.RunName,
	}); err != nil {
		return err
	}
	return s.apiGetRun(c)
}

func (s *Server) apiDeleteRun(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Tracking.DeleteRun(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiRestoreRun(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Tracking.RestoreRun(c.UserContext(), id); err != nil {
		return err
	}
	return s.apiGetRun(c)
}

// apiLogBatch takes the same body as MLflow's log-batch, without run_id.
func (s *Server) apiLogBatch(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	if n := len(c.Body()); n > experiments.MaxBatchRequestBytes {
		return errs.E(errs.TooLarge, "a batch may be at most %d bytes, got %d", experiments.MaxBatchRequestBytes, n)
	}
	req, err := parseLogBatch(c.Body())
	if err != nil {
		return err
	}
	if err := s.deps.Tracking.LogBatch(c.UserContext(), id, req.Batch); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiLogInputs(c *fiber.Ctx) error {
	id, err := param(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		Datasets []wireDatasetInput `json:"datasets"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	inputs := fromWireInputs(req.Datasets)
	if err := s.deps.Tracking.LogInputs(c.UserContext(), id, inputs); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiSetTag(c *fiber.Ctx) error {
	return s.taggedResource(c, func(ctx ctxT, id, key, value string) error {
		return s.deps.Tracking.SetTag(ctx, id, experiments.Tag{Key: key, Value: value})
	})
}

// taggedResource reads PUT .../{id}/tags/{key} with body {"value"} and
// applies fn.
func (s *Server) taggedResource(c *fiber.Ctx, fn func(ctx ctxT, id, key, value string) error) error {
	p, err := params(c, "id", "key")
	if err != nil {
		return err
	}
	var req valueBody
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Value == nil {
		return errs.E(errs.Invalid, "value is required")
	}
	if err := fn(c.UserContext(), p[0], p[1], *req.Value); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiDeleteTag(c *fiber.Ctx) error {
	p, err := params(c, "id", "key")
	if err != nil {
		return err
	}
	if err := s.deps.Tracking.DeleteTag(c.UserContext(), p[0], p[1]); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiMetricHistory(c *fiber.Ctx) error {
	p, err := params(c, "id", "key")
	if err != nil {
		return err
	}
	page, err := s.deps.Tracking.MetricHistory(c.UserContext(), p[0], p[1], c.QueryInt("max_results"), c.Query("page_token"))
	if err != nil {
		return err
	}
	out := make([]wireMetric, len(page.Metrics))
	for i, m := range page.Metrics {
		out[i] = wireMetric{Key: m.Key, Value: wireFloat(m.Value), Timestamp: m.Timestamp, Step: m.Step}
	}
	return c.JSON(fiber.Map{"metrics": out, "next_page_token": page.NextPageToken})
}

func (s *Server) apiSearchRuns(c *fiber.Ctx) error {
	var req struct {
		ExperimentIDs []flexString `json:"experiment_ids"`
		Filter        string       `json:"filter"`
		ViewType      string       `json:"view_type"`
		MaxResults    int          `json:"max_results"`
		OrderBy       []string     `json:"order_by"`
		PageToken     string       `json:"page_token"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ids := make([]string, len(req.ExperimentIDs))
	for i, id := range req.ExperimentIDs {
		ids[i] = string(id)
	}
	page, err := s.deps.Tracking.SearchRuns(c.UserContext(), experiments.RunSearch{
		ExperimentIDs: ids, Filter: req.Filter, ViewType: req.ViewType, MaxResults: req.MaxResults,
		OrderBy: req.OrderBy, PageToken: req.PageToken,
	})
	if err != nil {
		return err
	}
	b := make([]byte, 0, 1024*len(page.Runs)+64)
	b = append(b, `{"runs":[`...)
	for i, r := range page.Runs {
		if i > 0 {
			b = append(b, ',')
		}
		w := toWireRun(r)
		b = appendRun(b, &w)
	}
	b = append(b, `],"next_page_token":`...)
	b = appendString(b, page.NextPageToken)
	b = append(b, '}')
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}
