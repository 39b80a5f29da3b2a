package server

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/ui"
)

// statusPage renders the landing page with live readiness checks.
func (s *Server) statusPage(c *fiber.Ctx) error {
	cfg := s.deps.Config
	view := ui.StatusView{
		Version:   s.deps.Version,
		Uptime:    time.Since(s.deps.Started).Round(time.Second),
		Database:  cfg.Database.Driver + " (" + cfg.Database.Path + ")",
		Artifacts: cfg.Artifacts.Backend,
	}
	if cfg.Artifacts.Backend == "s3" {
		view.Artifacts += " (" + cfg.Artifacts.S3.Endpoint + "/" + cfg.Artifacts.S3.Bucket + ")"
	} else {
		view.Artifacts += " (" + cfg.Artifacts.Local.Root + ")"
	}
	for _, chk := range []struct {
		name string
		fn   func(context.Context) error
	}{{"database", s.deps.DB.Ping}, {"artifacts", s.deps.Artifacts.Ping}} {
		ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
		err := chk.fn(ctx)
		cancel()
		row := ui.Check{Name: chk.name, OK: err == nil}
		if err != nil {
			row.Note = err.Error()
		}
		view.Checks = append(view.Checks, row)
	}
	c.Type("html", "utf-8")
	return ui.StatusPage(view).Render(c.UserContext(), c.Response().BodyWriter())
}
