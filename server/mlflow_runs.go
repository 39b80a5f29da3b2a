package server

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
)

type ctxT = context.Context

func (s *Server) registerMLflowRuns() {
	s.mlflowRoute(fiber.MethodPost, "/runs/create", auth.Editor, s.mlCreateRun)
	s.mlflowRoute(fiber.MethodGet, "/runs/get", auth.Viewer, s.mlGetRun)
	s.mlflowRoute(fiber.MethodPost, "/runs/update", auth.Editor, s.mlUpdateRun)
	s.mlflowRoute(fiber.MethodPost, "/runs/delete", auth.Editor, s.mlDeleteRun)
	s.mlflowRoute(fiber.MethodPost, "/runs/restore", auth.Editor, s.mlRestoreRun)
	s.mlflowRoute(fiber.MethodPost, "/runs/search", auth.Viewer, s.mlSearchRuns)
	s.mlflowRoute(fiber.MethodPost, "/runs/log-metric", auth.Editor, s.mlLogMetric)
	s.mlflowRoute(fiber.MethodPost, "/runs/log-parameter", auth.Editor, s.mlLogParam)
	s.mlflowRoute(fiber.MethodPost, "/runs/log-batch", auth.Editor, s.mlLogBatch)
	s.mlflowRoute(fiber.MethodPost, "/runs/set-tag", auth.Editor, s.mlSetTag)
	s.mlflowRoute(fiber.MethodPost, "/runs/delete-tag", auth.Editor, s.mlDeleteTag)
	s.mlflowRoute(fiber.MethodPost, "/runs/log-inputs", auth.Editor, s.mlLogInputs)
	s.mlflowRoute(fiber.MethodGet, "/metrics/get-history", auth.Viewer, s.mlMetricHistory)
	s.mlflowRoute(fiber.MethodGet, "/metrics/get-history-bulk", auth.Viewer, s.mlMetricHistoryBulk)
}

// runIDRequest accepts run_id and the deprecated run_uuid, as MLflow does.
type runIDRequest struct {
	RunID   string `json:"run_id"`
	RunUUID string `json:"run_uuid"`
}

func (r runIDRequest) id() (string, error) {
	id := r.RunID
	if id == "" {
		id = r.RunUUID
	}
	return id, required("run_id", id != "")
}

func itoa64(v int64) string { return strconv.FormatInt(v, 10) }

func (s *Server) mlCreateRun(c *fiber.Ctx) error {
	var req struct {
		ExperimentID flexString `json:"experiment_id"`
		UserID       string     `json:"user_id"`
		RunName      string     `json:"run_name"`
		StartTime    flexInt    `json:"start_time"`
		Tags         []wireKV   `json:"tags"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	expID := int64(0) // MLflow's default experiment when none is given
	if req.ExperimentID != "" {
		var err error
		if expID, err = experiments.ParseExperimentID(string(req.ExperimentID)); err != nil {
			return err
		}
	}
	run, err := s.deps.Tracking.CreateRun(c.UserContext(), experiments.CreateRunRequest{
		ExperimentID: expID, UserID: req.UserID, RunName: req.RunName, StartTime: req.StartTime.Ptr(), Tags: fromWireKVs(req.Tags),
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"run": toWireRun(run)})
}

func (s *Server) mlGetRun(c *fiber.Ctx) error {
	var req runIDRequest
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	id, err := req.id()
	if err != nil {
		return err
	}
	run, err := s.deps.Tracking.GetRun(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"run": toWireRun(run)})
}

func (s *Server) mlUpdateRun(c *fiber.Ctx) error {
	var req struct {
		runIDRequest
		Status  *string `json:"status"`
		EndTime flexInt `json:"end_time"`
		RunName *string `json:"run_name"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	id, err := req.id()
	if err != nil {
		return err
	}
	info, err := s.deps.Tracking.UpdateRun(c.UserContext(), experiments.UpdateRunRequest{
		RunID: id, Status: req.Status, EndTime: req.EndTime.Ptr(), RunName: req.RunName,
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"run_info": toWireRunInfo(info)})
}

func (s *Server) mlDeleteRun(c *fiber.Ctx) error  { return s.runAction(c, s.deps.Tracking.DeleteRun) }
func (s *Server) mlRestoreRun(c *fiber.Ctx) error { return s.runAction(c, s.deps.Tracking.RestoreRun) }

func (s *Server) runAction(c *fiber.Ctx, fn func(ctx ctxT, id string) error) error {
	var req runIDRequest
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

type wireMetricIn struct {
	Key       string    `json:"key"`
	Value     flexFloat `json:"value"`
	Timestamp flexInt   `json:"timestamp"`
	Step      flexInt   `json:"step"`
}

func (m wireMetricIn) metric() (experiments.Metric, error) {
	if err := required("key", m.Key != ""); err != nil {
		return experiments.Metric{}, err
	}
	if err := required("value", m.Value.Set); err != nil {
		return experiments.Metric{}, err
	}
	if err := required("timestamp", m.Timestamp.Set); err != nil {
		return experiments.Metric{}, err
	}
	return experiments.Metric{Key: m.Key, Value: m.Value.V, Timestamp: m.Timestamp.V, Step: m.Step.V}, nil
}

func (s *Server) mlLogMetric(c *fiber.Ctx) error {
	var req struct {
		runIDRequest
		wireMetricIn
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	id, err := req.id()
	if err != nil {
		return err
	}
	m, err := req.metric()
	if err != nil {
		return err
	}
	if err := s.deps.Tracking.LogMetric(c.UserContext(), id, m); err != nil {
		return err
	}
	return emptyJSON(c)
}

type wireKVIn struct {
	Key   string  `json:"key"`
	Value *string `json:"value"`
}

func (s *Server) mlLogParam(c *fiber.Ctx) error {
	return s.runKeyValue(c, func(ctx ctxT, id, k, v string) error {
		return s.deps.Tracking.LogParam(ctx, id, experiments.Param{Key: k, Value: v})
	})
}

// runKeyValue decodes {run_id, key, value}, all required, and applies fn.
func (s *Server) runKeyValue(c *fiber.Ctx, fn func(ctx ctxT, runID, key, value string) error) error {
	var req struct {
		runIDRequest
		wireKVIn
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
	if err := required("value", req.Value != nil); err != nil {
		return err
	}
	if err := fn(c.UserContext(), id, req.Key, *req.Value); err != nil {
		return err
	}
	return emptyJSON(c)
}

func (s *Server) mlLogBatch(c *fiber.Ctx) error {
	if n := len(c.Body()); n > experiments.MaxBatchRequestBytes {
		return errs.E(errs.Invalid, "Batched logging API requests must be at most %d bytes, got a request of size %d.", experiments.MaxBatchRequestBytes, n)
	}
	req, err := parseLogBatch(c.Body())
	if err != nil {
		return err
	}
	if err := required("run_id", req.RunID != ""); err != nil {
		return err
	}
	if err := s.deps.Tracking.LogBatch(c.UserContext(), req.RunID, req.Batch); err != nil {
		return err
	}
	return emptyJSON(c)
}

func (s *Server) mlSetTag(c *fiber.Ctx) error {
	return s.runKeyValue(c, func(ctx ctxT, id, k, v string) error {
		return s.deps.Tracking.SetTag(ctx, id, experiments.Tag{Key: k, Value: v})
	})
}

func (s *Server) mlDeleteTag(c *fiber.Ctx) error {
	var req struct {
		RunID string `json:"run_id"`
		Key   string `json:"key"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	if err := required("run_id", req.RunID != ""); err != nil {
		return err
	}
	if err := required("key", req.Key != ""); err != nil {
		return err
	}
	if err := s.deps.Tracking.DeleteTag(c.UserContext(), req.RunID, req.Key); err != nil {
		return err
	}
	return emptyJSON(c)
}

func (s *Server) mlLogInputs(c *fiber.Ctx) error {
	var req struct {
		RunID    string             `json:"run_id"`
		Datasets []wireDatasetInput `json:"datasets"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	if err := required("run_id", req.RunID != ""); err != nil {
		return err
	}
	inputs := fromWireInputs(req.Datasets)
	if err := s.deps.Tracking.LogInputs(c.UserContext(), req.RunID, inputs); err != nil {
		return err
	}
	return emptyJSON(c)
}

func (s *Server) mlMetricHistory(c *fiber.Ctx) error {
	var req struct {
		runIDRequest
		MetricKey  string  `json:"metric_key"`
		PageToken  string  `json:"page_token"`
		MaxResults flexInt `json:"max_results"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	id, err := req.id()
	if err != nil {
		return err
	}
	if err := required("metric_key", req.MetricKey != ""); err != nil {
		return err
	}
	page, err := s.deps.Tracking.MetricHistory(c.UserContext(), id, req.MetricKey, int(req.MaxResults.V), req.PageToken)
	if err != nil {
		return err
	}
	out := struct {
		Metrics       []wireMetric `json:"metrics,omitempty"`
		NextPageToken string       `json:"next_page_token,omitempty"`
	}{NextPageToken: page.NextPageToken}
	for _, m := range page.Metrics {
		out.Metrics = append(out.Metrics, wireMetric{Key: m.Key, Value: wireFloat(m.Value), Timestamp: m.Timestamp, Step: m.Step})
	}
	return c.JSON(out)
}

func (s *Server) mlMetricHistoryBulk(c *fiber.Ctx) error {
	var req struct {
		RunID      flexStrings `json:"run_id"`
		MetricKey  string      `json:"metric_key"`
		MaxResults flexInt     `json:"max_results"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	points, err := s.deps.Tracking.BulkMetricHistory(c.UserContext(), req.RunID, req.MetricKey, int(req.MaxResults.V))
	if err != nil {
		return err
	}
	out := struct {
		Metrics []wireMetric `json:"metrics"`
	}{Metrics: make([]wireMetric, len(points))}
	for i, m := range points {
		out.Metrics[i] = wireMetric{Key: m.Key, Value: wireFloat(m.Value), Timestamp: m.Timestamp, Step: m.Step, RunID: m.RunID}
	}
	return c.JSON(out)
}

func (s *Server) mlSearchRuns(c *fiber.Ctx) error {
	var req struct {
		ExperimentIDs flexStrings `json:"experiment_ids"`
		Filter        string      `json:"filter"`
		RunViewType   string      `json:"run_view_type"`
		MaxResults    flexInt     `json:"max_results"`
		OrderBy       flexStrings `json:"order_by"`
		PageToken     string      `json:"page_token"`
	}
	if err := mlflowRequest(c, &req); err != nil {
		return err
	}
	page, err := s.deps.Tracking.SearchRuns(c.UserContext(), experiments.RunSearch{
		ExperimentIDs: req.ExperimentIDs, Filter: req.Filter, ViewType: req.RunViewType,
		MaxResults: int(req.MaxResults.V), OrderBy: req.OrderBy, PageToken: req.PageToken,
	})
	if err != nil {
		return err
	}
	// Written by hand: see mlflow_encode.go.
	b := make([]byte, 0, 1024*len(page.Runs)+64)
	b = append(b, '{')
	if len(page.Runs) > 0 {
		b = append(b, `"runs":[`...)
		for i, r := range page.Runs {
			if i > 0 {
				b = append(b, ',')
			}
			w := toWireRun(r)
			b = appendRun(b, &w)
		}
		b = append(b, ']')
	}
	if page.NextPageToken != "" {
		if len(page.Runs) > 0 {
			b = append(b, ',')
		}
		b = append(b, `"next_page_token":`...)
		b = appendString(b, page.NextPageToken)
	}
	b = append(b, '}')
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}
