package server

import (
	"context"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// readyTimeout bounds each readiness check so that a hung dependency makes
// /readyz answer 503 quickly instead of hanging the probe.
const readyTimeout = 2 * time.Second

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz reports whether the database and the artifact store answer.
func (s *Server) readyz(c *fiber.Ctx) error {
	checks := map[string]func(context.Context) error{
		"database":  s.deps.DB.Ping,
		"artifacts": s.deps.Artifacts.Ping,
	}
	results := make(map[string]string, len(checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, check := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
			defer cancel()
			res := "ok"
			if err := check(ctx); err != nil {
				res = err.Error()
			}
			mu.Lock()
			results[name] = res
			mu.Unlock()
		}()
	}
	wg.Wait()
	status, code := "ready", fiber.StatusOK
	for _, r := range results {
		if r != "ok" {
			status, code = "not ready", fiber.StatusServiceUnavailable
		}
	}
	return c.Status(code).JSON(fiber.Map{"status": status, "checks": results})
}

func (s *Server) version(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"version": s.deps.Version})
}
