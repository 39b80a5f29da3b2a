package server

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/errs"
)

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

var statusOf = map[errs.Code]int{
	errs.Invalid:            fiber.StatusBadRequest,
	errs.Unauthenticated:    fiber.StatusUnauthorized,
	errs.PermissionDenied:   fiber.StatusForbidden,
	errs.NotFound:           fiber.StatusNotFound,
	errs.AlreadyExists:      fiber.StatusConflict,
	errs.Conflict:           fiber.StatusConflict,
	errs.FailedPrecondition: fiber.StatusPreconditionFailed,
	errs.TooLarge:           fiber.StatusRequestEntityTooLarge,
	errs.Unsupported:        fiber.StatusUnsupportedMediaType,
	errs.Unavailable:        fiber.StatusServiceUnavailable,
	errs.Internal:           fiber.StatusInternalServerError,
}

// classify maps any error to a status and a client-safe code and message.
// Unknown errors are 500s with a generic message; their text goes to the
// log only.
func classify(err error) (int, errs.Code, string) {
	var fe *fiber.Error
	var de *errs.Error
	switch {
	case errors.As(err, &de):
		return statusOf[de.Code], de.Code, de.Message
	case errors.As(err, &fe):
		return fe.Code, fiberCode(fe.Code), fe.Message
	case errors.Is(err, artifact.ErrInvalidKey):
		return fiber.StatusBadRequest, errs.Invalid, err.Error()
	case errors.Is(err, artifact.ErrNotFound):
		return fiber.StatusNotFound, errs.NotFound, err.Error()
	case errors.Is(err, artifact.ErrUnavailable):
		return fiber.StatusServiceUnavailable, errs.Unavailable, "artifact store unavailable: " + err.Error()
	case errors.Is(err, artifact.ErrDigestMismatch):
		return fiber.StatusInternalServerError, "data_corruption", err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return fiber.StatusServiceUnavailable, errs.Unavailable, "the operation timed out"
	}
	return fiber.StatusInternalServerError, errs.Internal, "internal error"
}

func fiberCode(status int) errs.Code {
	switch status {
	case fiber.StatusNotFound:
		return errs.NotFound
	case fiber.StatusRequestEntityTooLarge:
		return errs.TooLarge
	case fiber.StatusUnauthorized:
		return errs.Unauthenticated
	case fiber.StatusForbidden:
		return errs.PermissionDenied
	case fiber.StatusMethodNotAllowed:
		return "method_not_allowed"
	case fiber.StatusUnsupportedMediaType:
		return errs.Unsupported
	}
	if status >= 500 {
		return errs.Internal
	}
	return errs.Invalid
}

// handleError is the one place that writes error responses.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status, code, msg := classify(err)
	if n := c.Request().Header.ContentLength(); n < 0 || n > int(s.deps.Config.Server.BodyLimit) {
		// A streamed body may be left unread; fasthttp would parse its rest
		// as the next request on this connection, so close it instead.
		c.Context().SetConnectionClose()
	}
	if status >= 500 {
		s.log.Error("request failed", "request_id", requestIDOf(c), "path", c.Path(), "status", status, "err", err)
	}
	switch p := c.Path(); {
	case isMLflowPath(p):
		return s.writeMLflowError(c, status, code, msg)
	case isInvocationsPath(p):
		return s.writeScoringError(c, status, code, msg)
	case isV2Path(p):
		return s.writeV2Error(c, status, msg)
	}
	return c.Status(status).JSON(errorBody{Error: errorDetail{Code: string(code), Message: msg, RequestID: requestIDOf(c)}})
}

func (s *Server) notFound(c *fiber.Ctx) error {
	return errs.E(errs.NotFound, "no route for %s %s", c.Method(), c.Path())
}
