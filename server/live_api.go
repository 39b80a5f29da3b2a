package server

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/serving/live"
)

// registerLive adds the live experiment (dark mode) and feedback routes.
// Experiments live under /api/live/experiments; the shorter
// /api/experiments/reload, /api/experiments/{name}/promote and
// .../rollback reach the same handlers (live experiment names are never
// all digits, so they cannot be taken for a tracking experiment's id).
func (s *Server) registerLive() {
	const base = "/api/live/experiments"
	s.route(fiber.MethodGet, base, auth.Viewer, s.liveList)
	s.route(fiber.MethodPut, base+"/:name", auth.Editor, s.liveCreate)
	s.route(fiber.MethodGet, base+"/:name", auth.Viewer, s.liveGet)
	s.route(fiber.MethodDelete, base+"/:name", auth.Editor, s.liveDelete)
	s.route(fiber.MethodGet, base+"/:name/stats", auth.Viewer, s.liveStats)
	s.route(fiber.MethodPost, base+"/:name/evaluate", auth.Editor, s.liveEvaluate)
	for _, st := range []struct{ verb, state string }{{"pause", live.StatePaused}, {"resume", live.StateRunning}, {"stop", live.StateStopped}} {
		s.route(fiber.MethodPost, base+"/:name/"+st.verb, auth.Editor, s.liveSetState(st.state))
	}
	s.route(fiber.MethodPost, "/api/live/reload", auth.Editor, s.liveReload)
	s.route(fiber.MethodPost, "/api/experiments/reload", auth.Editor, s.liveReload)
	for _, prefix := range []string{base, "/api/experiments"} {
		s.route(fiber.MethodPost, prefix+"/:name/promote", auth.Editor, s.livePromote)
		s.route(fiber.MethodPost, prefix+"/:name/rollback", auth.Editor, s.liveRollback)
	}
	s.route(fiber.MethodPost, "/api/feedback", auth.Editor, s.postFeedback)
	s.route(fiber.MethodGet, "/api/feedback/export", auth.Viewer, s.exportFeedback)
}

func (s *Server) liveList(c *fiber.Ctx) error {
	exps, reloadErr := s.deps.Live.List()
	body := fiber.Map{"experiments": exps}
	if reloadErr != "" {
		body["reload_error"] = reloadErr
	}
	return c.JSON(body)
}

func (s *Server) liveGet(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	v, err := s.deps.Live.Get(name)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// liveCreate is PUT /api/live/experiments/{name} with the experiment as
// JSON (the keys of the configuration file).
func (s *Server) liveCreate(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	v, err := s.deps.Live.Create(c.UserContext(), callerOf(c), name, c.Body())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (s *Server) liveDelete(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	if err := s.deps.Live.Delete(c.UserContext(), callerOf(c), name); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// liveStats is GET .../stats?window=30m: the comparison of the arms.
func (s *Server) liveStats(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	var window time.Duration
	if w := c.Query("window"); w != "" {
		if window, err = time.ParseDuration(w); err != nil || window <= 0 {
			return errs.E(errs.Invalid, "window must be a positive duration such as 30m, got %q", w)
		}
	}
	r, err := s.deps.Live.Stats(c.UserContext(), name, window)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) liveEvaluate(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	v, err := s.deps.Live.Evaluate(c.UserContext(), name)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// reasonBody is the optional {"reason": "..."} of an action.
func reasonBody(c *fiber.Ctx) (string, error) {
	var b struct {
		Reason string `json:"reason"`
	}
	if len(c.Body()) > 0 {
		if err := json.Unmarshal(c.Body(), &b); err != nil {
			return "", errs.E(errs.Invalid, "body must be {\"reason\": \"...\"}: %v", err)
		}
	}
	if len(b.Reason) > 2000 {
		return "", errs.E(errs.Invalid, "reason is longer than 2000 characters")
	}
	return b.Reason, nil
}

func (s *Server) liveSetState(to string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		name, err := param(c, "name")
		if err != nil {
			return err
		}
		reason, err := reasonBody(c)
		if err != nil {
			return err
		}
		v, err := s.deps.Live.SetState(c.UserContext(), callerOf(c), name, to, reason)
		if err != nil {
			return err
		}
		return c.JSON(v)
	}
}

// livePromote answers 200 when production moved and 202 when the move
// waits for an admin's approval.
func (s *Server) livePromote(c *fiber.Ctx) error {
	return s.liveDecide(c, s.deps.Live.Promote)
}

func (s *Server) liveRollback(c *fiber.Ctx) error {
	return s.liveDecide(c, s.deps.Live.Rollback)
}

func (s *Server) liveDecide(c *fiber.Ctx, act func(context.Context, registry.Caller, string, string) (live.Decision, error)) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	reason, err := reasonBody(c)
	if err != nil {
		return err
	}
	d, err := act(c.UserContext(), callerOf(c), name, reason)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if d.Approval != nil && d.State == live.StateAwaitingApproval {
		status = fiber.StatusAccepted
	}
	return c.Status(status).JSON(d)
}

func (s *Server) liveReload(c *fiber.Ctx) error {
	exps, err := s.deps.Live.Reload(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"experiments": exps})
}
