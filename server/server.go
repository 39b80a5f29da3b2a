// Package server is Paddock's HTTP transport on fiber: the JSON API under
// /api/, health and readiness probes, Prometheus metrics, request ids,
// structured access logs, body limits, authentication and the single
// error handler that turns domain errors into status codes. Handlers parse,
// call a domain service and encode; they hold no business logic.
package server

import (
	"context"
	"log/slog"
	"net"
	"runtime/debug"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/scheduler"
	"github.com/paddockml/paddock/serving"
	"github.com/paddockml/paddock/serving/live"
	"github.com/paddockml/paddock/sqldb"
)

// Deps is what the server needs from the rest of Paddock.
type Deps struct {
	Config    *config.Config
	DB        *sqldb.DB
	Artifacts artifact.Store
	Auth      *auth.Service
	Tracking  *experiments.Service
	Registry  *registry.Service
	Audit     *audit.Log
	// Serving answers predictions; nil turns the prediction routes off.
	Serving *serving.Service
	// Live runs live experiments and takes feedback; nil turns them off.
	Live *live.Manager
	// Training runs training jobs; nil turns their routes off.
	Training *scheduler.Scheduler
	Logger   *slog.Logger
	// Metrics is the registry /metrics exposes; the server adds its own
	// HTTP collectors to it.
	Metrics *prometheus.Registry
	Version string
	// Started is when the process started, shown on the status page.
	Started time.Time
}

// Server is Paddock's HTTP server.
type Server struct {
	app  *fiber.App
	deps Deps
	log  *slog.Logger
	http *httpMetrics
	// routes records every route with the role it needs, for tests and
	// for the settings page.
	routes []Route
}

// Route is one registered endpoint and the least role it requires.
type Route struct {
	Method string
	Path   string
	Role   auth.Role
	Public bool // no authentication at all (probes, version, static)
}

// New builds the server and registers every route.
func New(d Deps) *Server {
	s := &Server{deps: d, log: d.Logger, http: newHTTPMetrics(d.Metrics)}
	cfg := d.Config.Server
	s.app = fiber.New(fiber.Config{
		AppName:               "paddock",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		// Bodies up to BodyLimit are read before the handler runs; bigger
		// ones arrive as a stream, which only upload routes accept
		// (limitBody refuses them elsewhere with 413).
		BodyLimit:         int(min(int64(cfg.BodyLimit), 1<<31-1)),
		StreamRequestBody: true,
		ReadTimeout:       cfg.ReadTimeout.Std(),
		WriteTimeout:      cfg.WriteTimeout.Std(),
		IdleTimeout:       cfg.IdleTimeout.Std(),
		ReadBufferSize:    16 << 10,
	})
	// One front middleware names the request, recovers from panics and
	// observes the outcome: every middleware layer costs a dispatch on
	// each request, which the prediction routes feel.
	s.app.Use(s.front)
	s.registerRoutes()
	return s
}

// Routes returns every registered route with its required role.
func (s *Server) Routes() []Route { return s.routes }

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting connections and waits for in-flight requests
// to finish, at most until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

func (s *Server) logPanic(c *fiber.Ctx, e any) {
	s.log.Error("panic in handler", "request_id", requestIDOf(c), "path", c.Path(), "panic", e,
		"stack", string(debug.Stack()))
}
