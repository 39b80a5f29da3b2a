package server

import (
	"bufio"
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
)

// registerTraining adds the training job routes (docs/training.md).
func (s *Server) registerTraining() {
	s.route(fiber.MethodGet, "/api/training/jobs", auth.Viewer, s.trainingJobs)
	s.route(fiber.MethodGet, "/api/training/jobs/:name", auth.Viewer, s.trainingJob)
	s.route(fiber.MethodPost, "/api/training/jobs/:name/run", auth.Editor, s.trainingRunNow)
	s.route(fiber.MethodGet, "/api/training/runs", auth.Viewer, s.trainingRuns)
	s.route(fiber.MethodGet, "/api/training/runs/:id", auth.Viewer, s.trainingRun)
	s.route(fiber.MethodGet, "/api/training/runs/:id/log", auth.Viewer, s.trainingLog)
	s.route(fiber.MethodPost, "/api/training/runs/:id/cancel", auth.Editor, s.trainingCancel)
}

func (s *Server) trainingJobs(c *fiber.Ctx) error {
	jobs, err := s.deps.Training.Jobs(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"jobs": jobs, "leader": s.deps.Training.Leader()})
}

func (s *Server) trainingJob(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	j, err := s.deps.Training.Job(c.UserContext(), name)
	if err != nil {
		return err
	}
	return c.JSON(j)
}

// trainingRunNow is POST /api/training/jobs/{name}/run: 202 with the
// run's id; 409 when the job is busy and its policy is skip.
func (s *Server) trainingRunNow(c *fiber.Ctx) error {
	name, err := param(c, "name")
	if err != nil {
		return err
	}
	id, err := s.deps.Training.RunNow(c.UserContext(), name, principalOf(c).Actor())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"run_id": id})
}

func (s *Server) trainingRuns(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", 50)
	if err != nil {
		return err
	}
	runs, err := s.deps.Training.Runs(c.UserContext(), c.Query("job"), int(min(limit, 1000)))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"runs": runs})
}

func runIDParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, errs.E(errs.Invalid, "run id must be a positive integer, got %q", c.Params("id"))
	}
	return id, nil
}

func (s *Server) trainingRun(c *fiber.Ctx) error {
	id, err := runIDParam(c)
	if err != nil {
		return err
	}
	r, err := s.deps.Training.Run(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) trainingCancel(c *fiber.Ctx) error {
	id, err := runIDParam(c)
	if err != nil {
		return err
	}
	if err := s.deps.Training.Cancel(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// trainingLog is GET /api/training/runs/{id}/log: the run's output as
// server-sent events, one "data:" line per output line, ending with an
// "end" event when the run finishes. The dashboard tails it live.
func (s *Server) trainingLog(c *fiber.Ctx) error {
	id, err := runIDParam(c)
	if err != nil {
		return err
	}
	// The stream outlives the handler: it is cancelled when the server
	// shuts down or the run ends.
	ctx, cancel := context.WithCancel(context.Background())
	lines, err := s.deps.Training.Tail(ctx, id)
	if err != nil {
		cancel()
		return err
	}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer cancel()
		for line := range lines {
			for _, part := range strings.Split(line, "\n") {
				w.WriteString("data: ")
				w.WriteString(part)
				w.WriteString("\n")
			}
			w.WriteString("\n")
			if err := w.Flush(); err != nil {
				return // the client went away
			}
		}
		w.WriteString("event: end\ndata: \n\n")
		w.Flush()
	})
	return nil
}
