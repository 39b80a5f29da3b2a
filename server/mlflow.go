package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
)

// MLflow's REST API lives under two prefixes: /api/2.0/mlflow for clients
// and /ajax-api/2.0/mlflow for the MLflow web UI.
var mlflowPrefixes = []string{"/api/2.0/mlflow", "/ajax-api/2.0/mlflow"}

// isMLflowPath reports whether errors on this path use MLflow's format.
func isMLflowPath(p string) bool {
	return strings.HasPrefix(p, "/api/2.0/") || strings.HasPrefix(p, "/ajax-api/2.0/")
}

// mlflowError is MLflow's error body.
type mlflowError struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

// mlflowCodes maps Paddock's codes to MLflow's error codes and the HTTP
// status MLflow sends with each (mlflow/exceptions.py). Note that MLflow
// answers RESOURCE_ALREADY_EXISTS with 400, not 409.
var mlflowCodes = map[errs.Code]struct {
	code   string
	status int
}{
	errs.Invalid:            {"INVALID_PARAMETER_VALUE", 400},
	errs.NotFound:           {"RESOURCE_DOES_NOT_EXIST", 404},
	errs.AlreadyExists:      {"RESOURCE_ALREADY_EXISTS", 400},
	errs.Conflict:           {"RESOURCE_CONFLICT", 409},
	errs.FailedPrecondition: {"INVALID_STATE", 500},
	errs.Unauthenticated:    {"UNAUTHENTICATED", 401},
	errs.PermissionDenied:   {"PERMISSION_DENIED", 403},
	errs.TooLarge:           {"INVALID_PARAMETER_VALUE", 413},
	errs.Unsupported:        {"BAD_REQUEST", 415},
	errs.Unavailable:        {"TEMPORARILY_UNAVAILABLE", 503},
	errs.Internal:           {"INTERNAL_ERROR", 500},
}

// writeMLflowError renders err the way MLflow's server does.
func (s *Server) writeMLflowError(c *fiber.Ctx, status int, code errs.Code, msg string) error {
	m, ok := mlflowCodes[code]
	if !ok {
		m = mlflowCodes[errs.Internal]
	}
	if code == errs.NotFound && status == fiber.StatusNotFound && strings.HasPrefix(msg, "no route") {
		m.code = "ENDPOINT_NOT_FOUND"
	}
	if status == fiber.StatusMethodNotAllowed {
		m.code, m.status = "BAD_REQUEST", status
	}
	return c.Status(m.status).JSON(mlflowError{ErrorCode: m.code, Message: msg})
}

// mlflowRoute registers one MLflow endpoint under both prefixes.
func (s *Server) mlflowRoute(method, path string, need auth.Role, h fiber.Handler) {
	for _, p := range mlflowPrefixes {
		s.route(method, p+path, need, h)
	}
}

// mlflowRequest decodes an MLflow request into v: the JSON body for POST,
// PATCH and DELETE (MLflow's client sends registry deletions with a JSON
// body), the query string for GET and for a DELETE without a body (a
// repeated parameter becomes a list). Unknown fields are ignored, as
// protobuf's JSON parser does for MLflow clients of other versions.
func mlflowRequest(c *fiber.Ctx, v any) error {
	body := bytes.TrimSpace(c.Body())
	method := c.Method()
	if method == fiber.MethodGet || method == fiber.MethodDelete && len(body) == 0 {
		q := map[string]any{}
		c.Context().QueryArgs().VisitAll(func(k, val []byte) {
			key, value := string(k), string(val)
			switch prev := q[key].(type) {
			case nil:
				q[key] = value
			case string:
				q[key] = []string{prev, value}
			case []string:
				q[key] = append(prev, value)
			}
		})
		body, _ = json.Marshal(q)
	} else if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return errs.E(errs.Invalid, "Malformed JSON in request body: %s", describeJSONError(err))
		}
		return errs.E(errs.Invalid, "Invalid value in request: %s", describeJSONError(err))
	}
	return nil
}

// required fails with MLflow's message when a required field is missing.
func required(name string, present bool) error {
	if !present {
		return errs.E(errs.Invalid, "Missing value for required parameter '%s'. See the API docs for more information about request parameters.", name)
	}
	return nil
}

// emptyJSON is MLflow's answer to a successful call with nothing to say.
func emptyJSON(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.SendString("{}")
}
