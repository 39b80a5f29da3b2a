package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/gofiber/fiber/v2"
)

// floorBody is the floor server's constant answer, shaped like a
// one-row prediction.
const floorBody = `{"predictions":[0.5]}`

// serveFloor is the child process: a bare fiber app answering every POST
// /predict with floorBody until SIGTERM or SIGINT.
func serveFloor(addr string) error {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Post("/predict", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.SendString(floorBody)
	})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- app.Listen(addr) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return app.Shutdown()
	}
}

// startFloor runs the floor in a child process (this program again, with
// -floor-child), so that it is isolated from the benchmark's own
// goroutines and memory exactly as the other servers are.
func startFloor(ctx context.Context) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s, err := startServer("floor", addr, exec.CommandContext(ctx, self, "-floor-child", addr))
	if err != nil {
		return nil, err
	}
	if _, err := call(ctx, "POST", s.url("/predict"), nil, []byte("{}")); err != nil {
		s.stop()
		return nil, fmt.Errorf("floor check: %w", err)
	}
	return s, nil
}
