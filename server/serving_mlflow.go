package server

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/serving"
	"github.com/paddockml/paddock/serving/codec"
)

// MLflow's scoring protocol, one path per model instead of MLflow's one
// /invocations per server process: POST /models/{name}[@alias]/invocations
// and /models/{name}/versions/{n}/invocations, with MLflow's bodies, its
// {"predictions": ...} answers and its error bodies. /ping and /health
// answer as MLflow's server does, for load balancers pointed at Paddock.
func (s *Server) registerInvocations() {
	s.route(fiber.MethodPost, "/models/:name/invocations", auth.Viewer, s.invocations)
	s.route(fiber.MethodPost, "/models/:name/versions/:version/invocations", auth.Viewer, s.invocations)
	s.public(fiber.MethodGet, "/ping", s.ping)
	s.public(fiber.MethodGet, "/health", s.ping)
}

func isInvocationsPath(p string) bool {
	return strings.HasPrefix(p, "/models/")
}

// MLflow's scoring server answers /ping with a newline and 200.
func (s *Server) ping(c *fiber.Ctx) error { return c.SendString("\n") }

// scoringContentTypes is how MLflow's scoring server lists what it takes
// in its 415 message (a Python list's repr).
const scoringContentTypes = "['text/csv', 'application/json']"

func (s *Server) invocations(c *fiber.Ctx) error {
	name, alias, err := modelRef(c)
	if err != nil {
		return err
	}
	version, err := servedVersion(c)
	if err != nil {
		return err
	}
	ct := c.Get(fiber.HeaderContentType)
	in, err := codec.DecodeMLflow(ct, c.Body())
	if errors.Is(err, codec.ErrMediaType) {
		// MLflow answers a wrong content type in plain text.
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(fiber.StatusUnsupportedMediaType).SendString(mediaTypeMessage(ct, err))
	}
	if err != nil {
		return errs.Wrap(errs.Invalid, err, "%s", err.Error())
	}
	res, err := s.deps.Serving.Predict(c.UserContext(), serving.Request{
		Model: name, Alias: alias, Version: version, Input: in, RequestID: requestIDOf(c), Header: headerOf(c)})
	if err != nil {
		return err
	}
	setProvenance(c, res)
	buf := getBuf()
	defer putBuf(buf)
	if res.Rule != "" {
		*buf = append(res.AppendRuleOutputs(append(*buf, `{"predictions":`...)), '}')
	} else {
		*buf = codec.AppendMLflow(*buf, res.Answer)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Response().SetBody(*buf) // copies: buf goes back to the pool
	return nil
}

// mediaTypeMessage words a refused content type as MLflow does; the
// codec's own message covers charset and parameter problems.
func mediaTypeMessage(ct string, err error) string {
	mime, _, _ := strings.Cut(ct, ";")
	mime = strings.TrimSpace(mime)
	if mime == "application/json" || mime == "text/csv" {
		return strings.TrimPrefix(err.Error(), codec.ErrMediaType.Error()+": ")
	}
	return fmt.Sprintf("This predictor only supports the following content types: Types: %s. Got '%s'.", scoringContentTypes, ct)
}

// scoringCodes maps Paddock's codes to what MLflow's scoring server
// sends: input problems are BAD_REQUEST (400).
var scoringCodes = map[errs.Code]struct {
	code   string
	status int
}{
	errs.Invalid:          {"BAD_REQUEST", 400},
	errs.NotFound:         {"RESOURCE_DOES_NOT_EXIST", 404},
	errs.Unauthenticated:  {"UNAUTHENTICATED", 401},
	errs.PermissionDenied: {"PERMISSION_DENIED", 403},
	errs.TooLarge:         {"BAD_REQUEST", 413},
	errs.Unavailable:      {"TEMPORARILY_UNAVAILABLE", 503},
	errs.Internal:         {"INTERNAL_ERROR", 500},
}

func (s *Server) writeScoringError(c *fiber.Ctx, status int, code errs.Code, msg string) error {
	m, ok := scoringCodes[code]
	if !ok {
		m.code, m.status = "INTERNAL_ERROR", status
	}
	if status == fiber.StatusMethodNotAllowed || (code == errs.NotFound && strings.HasPrefix(msg, "no route")) {
		m.code, m.status = "ENDPOINT_NOT_FOUND", status
	}
	return c.Status(m.status).JSON(mlflowError{ErrorCode: m.code, Message: msg})
}
