package server

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/serving/predlog"
)

// predictionView is a logged prediction as the API shows it.
type predictionView struct {
	ID           int64           `json:"id"`
	RequestID    string          `json:"request_id"`
	Time         time.Time       `json:"time"`
	Model        string          `json:"model"`
	Version      int64           `json:"version"`
	Alias        string          `json:"alias,omitempty"`
	Arm          string          `json:"arm,omitempty"`
	ExperimentID string          `json:"experiment_id,omitempty"`
	InputDigest  string          `json:"input_digest,omitempty"`
	Inputs       json.RawMessage `json:"inputs,omitempty"`
	Outputs      json.RawMessage `json:"outputs,omitempty"`
	LatencyMS    float64         `json:"latency_ms"`
	CacheHit     bool            `json:"cache_hit"`
	Rule         string          `json:"rule,omitempty"`
	Error        string          `json:"error,omitempty"`
}

// predictionFilter reads the query of the prediction log routes:
// model, version, arm, experiment_id, request_id, since and until
// (RFC 3339), limit and page_token.
func predictionFilter(c *fiber.Ctx) (predlog.Filter, error) {
	f := predlog.Filter{Model: c.Query("model"), Arm: c.Query("arm"), ExperimentID: c.Query("experiment_id"),
		RequestID: c.Query("request_id"), After: predlog.Cursor(c.Query("page_token"))}
	v, err := queryInt(c, "version", 0)
	if err != nil {
		return f, err
	}
	f.Version = v
	limit, err := queryInt(c, "limit", 0)
	if err != nil {
		return f, err
	}
	f.Limit = int(min(limit, 1<<20))
	for key, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if s := c.Query(key); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return f, errs.E(errs.Invalid, "%s must be an RFC 3339 time, got %q", key, s)
			}
			*dst = t
		}
	}
	return f, nil
}

// apiPredictions is GET /api/predictions: the prediction log, newest
// last, a page at a time.
func (s *Server) apiPredictions(c *fiber.Ctx) error {
	f, err := predictionFilter(c)
	if err != nil {
		return err
	}
	entries, next, err := predlog.NewReader(s.deps.DB).Query(c.UserContext(), f)
	if err != nil {
		return err
	}
	out := make([]predictionView, len(entries))
	for i, e := range entries {
		out[i] = predictionView{ID: e.ID, RequestID: e.RequestID, Time: e.Time.UTC(), Model: e.Model, Version: e.Version,
			Alias: e.Alias, Arm: e.Arm, ExperimentID: e.ExperimentID, InputDigest: e.InputDigest, Inputs: e.Inputs,
			Outputs: e.Outputs, LatencyMS: float64(e.Latency.Microseconds()) / 1000, CacheHit: e.CacheHit, Rule: e.Rule, Error: e.Error}
	}
	body := fiber.Map{"predictions": out}
	if next != "" {
		body["next_page_token"] = string(next)
	}
	return c.JSON(body)
}
