package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
)

// registerRoutes is the one place where endpoints are listed, each with
// the role it needs.
func (s *Server) registerRoutes() {
	s.public(fiber.MethodGet, "/healthz", s.healthz)
	s.public(fiber.MethodGet, "/readyz", s.readyz)
	s.public(fiber.MethodGet, "/metrics", s.metrics)
	s.public(fiber.MethodGet, "/api/version", s.version)
	s.public(fiber.MethodGet, "/", s.statusPage)

	// The prediction routes first: fiber tries a method's routes in the
	// order they were registered, and these are the ones called thousands
	// of times a second. None of them shadows another group's path.
	if s.deps.Serving != nil {
		s.registerServing()
	}

	s.route(fiber.MethodGet, "/api/whoami", auth.Viewer, s.whoami)

	s.route(fiber.MethodGet, "/api/tokens", auth.Admin, s.listTokens)
	s.route(fiber.MethodPost, "/api/tokens", auth.Admin, s.createToken)
	s.route(fiber.MethodDelete, "/api/tokens/:id", auth.Admin, s.revokeToken)

	s.route(fiber.MethodGet, "/api/artifacts", auth.Viewer, s.listArtifacts)
	s.route(fiber.MethodGet, "/api/artifacts/*", auth.Viewer, s.getArtifact)
	s.route(fiber.MethodHead, "/api/artifacts/*", auth.Viewer, s.statArtifact)
	s.upload(fiber.MethodPut, "/api/artifacts/*", auth.Editor, s.putArtifact)
	s.route(fiber.MethodDelete, "/api/artifacts/*", auth.Editor, s.deleteArtifact)

	if s.deps.Live != nil {
		// Before tracking: /api/experiments/reload must not be taken for
		// a tracking experiment's id.
		s.registerLive()
	}
	if s.deps.Tracking != nil {
		s.registerMLflowExperiments()
		s.registerMLflowRuns()
		s.registerMLflowArtifacts()
		s.registerTrackingAPI()
	}
	if s.deps.Registry != nil {
		s.registerRegistry()
	}
	if s.deps.Training != nil {
		s.registerTraining()
	}

	s.registerUI()
	s.app.Use(s.notFound)
}

// route registers an authenticated endpoint whose body must fit the
// configured body limit.
func (s *Server) route(method, path string, need auth.Role, h fiber.Handler) {
	s.routes = append(s.routes, Route{Method: method, Path: path, Role: need})
	s.app.Add(method, path, s.limitBody, s.authenticate(need), h)
}

// upload registers an authenticated endpoint that streams its body, up
// to the configured upload limit.
func (s *Server) upload(method, path string, need auth.Role, h fiber.Handler) {
	s.routes = append(s.routes, Route{Method: method, Path: path, Role: need})
	s.app.Add(method, path, s.authenticate(need), h)
}

// public registers an endpoint open to everyone.
func (s *Server) public(method, path string, h fiber.Handler) {
	s.routes = append(s.routes, Route{Method: method, Path: path, Public: true})
	s.app.Add(method, path, s.limitBody, h)
}
