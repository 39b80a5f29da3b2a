package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/serving/live"
)

// postFeedback is POST /api/feedback: one label {"request_id", "label",
// "source"}, or many as {"feedback": [...]}. Answers {"accepted": n}.
func (s *Server) postFeedback(c *fiber.Ctx) error {
	body := bytes.TrimSpace(c.Body())
	// The form is told by the top-level key, so that a label that happens
	// to be the word "feedback" is never taken for the bulk form.
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(body, &keys); err != nil {
		return errs.E(errs.Invalid, "body must be a JSON object: %v", err)
	}
	var many struct {
		Feedback []live.Feedback `json:"feedback"`
	}
	var fb []live.Feedback
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if _, bulk := keys["feedback"]; bulk {
		if err := dec.Decode(&many); err != nil {
			return errs.E(errs.Invalid, "body must be {\"feedback\": [{\"request_id\", \"label\"}, ...]}: %v", err)
		}
		fb = many.Feedback
	} else {
		var one live.Feedback
		if err := dec.Decode(&one); err != nil {
			return errs.E(errs.Invalid, "body must be {\"request_id\": ..., \"label\": ...}: %v", err)
		}
		fb = []live.Feedback{one}
	}
	n, err := s.deps.Live.AddFeedback(c.UserContext(), fb)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"accepted": n})
}

// exportFeedback is GET /api/feedback/export?model=&since=: the model's
// labelled predictions as JSON lines, a dataset for retraining.
func (s *Server) exportFeedback(c *fiber.Ctx) error {
	model := c.Query("model")
	if model == "" {
		return errs.E(errs.Invalid, "model is required")
	}
	since := time.Now().Add(-30 * 24 * time.Hour)
	if v := c.Query("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return errs.E(errs.Invalid, "since must be an RFC 3339 time, got %q", v)
		}
		since = t
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	enc := json.NewEncoder(w)
	err := s.deps.Live.ExportFeedback(c.UserContext(), model, since, func(e live.Example) error { return enc.Encode(e) })
	if err != nil {
		return err
	}
	w.Flush()
	c.Set(fiber.HeaderContentType, "application/x-ndjson")
	return c.Send(buf.Bytes())
}
