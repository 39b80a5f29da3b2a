package server

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
)

const (
	localRequestID = "paddock.request_id"
	localPrincipal = "paddock.principal"
	headerRequest  = "X-Request-Id"
)

// Request ids are a per-process random prefix and a counter: unique,
// sortable within a process and cheap (no syscall per request).
var (
	idPrefix  = newIDPrefix()
	idCounter atomic.Uint64
)

func newIDPrefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b) + "-"
}

// front is the first middleware of every request: it names the request,
// runs the rest with panics recovered into 500s, then records metrics
// and the access log line (so a panic is counted like any other 500).
func (s *Server) front(c *fiber.Ctx) error {
	s.requestID(c)
	return s.observe(c, s.recovered)
}

// recovered runs the rest of the chain, turning a panic into an error.
func (s *Server) recovered(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.logPanic(c, r)
			err = fiber.ErrInternalServerError
		}
	}()
	return c.Next()
}

// requestID takes a sane X-Request-Id from the caller or makes one, and
// echoes it on the response.
func (s *Server) requestID(c *fiber.Ctx) {
	id := c.Get(headerRequest)
	if !validRequestID(id) {
		id = idPrefix + strconv.FormatUint(idCounter.Add(1), 36)
	} else {
		id = strings.Clone(id) // fiber reuses the header buffer
	}
	c.Locals(localRequestID, id)
	c.Set(headerRequest, id)
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		ch := id[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || ch == '.' || ch == ':') {
			return false
		}
	}
	return true
}

func requestIDOf(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// observe runs next, then records metrics and writes the access log
// line of the request.
func (s *Server) observe(c *fiber.Ctx, next func(*fiber.Ctx) error) error {
	start := time.Now()
	err := next(c)
	if err != nil {
		// Run the error handler now so the status we record is the real one.
		if herr := s.handleError(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	elapsed := time.Since(start)
	status := c.Response().StatusCode()
	r := c.Route()
	route := r.Path
	unmatched := route == "/" && c.Path() != "/"
	if unmatched {
		route = "unmatched" // the catch-all; never label metrics by raw path
	}
	s.http.observe(seriesKey{route: r, method: c.Method(), status: status, unmatched: unmatched}, route, elapsed)
	if s.deps.Config.Log.Access && !quietRoute(route) {
		s.log.Info("request",
			"request_id", requestIDOf(c), "method", c.Method(), "path", c.Path(), "route", route,
			"status", status, "duration_ms", float64(elapsed.Microseconds())/1000, "actor", principalOf(c).Actor())
	}
	return nil
}

func quietRoute(route string) bool {
	return route == "/healthz" || route == "/readyz" || route == "/metrics"
}

// limitBody refuses a body larger than the configured limit. Fiber reads
// bodies up to the limit itself; anything bigger (or chunked) arrives as a
// stream, which is read here up to the limit and no further.
func (s *Server) limitBody(c *fiber.Ctx) error {
	limit := int64(s.deps.Config.Server.BodyLimit)
	req := c.Request()
	n := int64(req.Header.ContentLength())
	if n > limit {
		return errs.E(errs.TooLarge, "request body of %d bytes exceeds the limit of %d bytes", n, limit)
	}
	if stream := c.Context().RequestBodyStream(); n < 0 && stream != nil {
		body, err := io.ReadAll(io.LimitReader(stream, limit+1))
		if err != nil {
			return errs.Wrap(errs.Invalid, err, "read request body")
		}
		if int64(len(body)) > limit {
			return errs.E(errs.TooLarge, "request body exceeds the limit of %d bytes", limit)
		}
		req.SetBodyRaw(body)
	}
	return c.Next()
}

// authenticate resolves the bearer token (or the anonymous role) and
// refuses callers below need: 401 without valid credentials, 403 with
// credentials that do not reach the role.
func (s *Server) authenticate(need auth.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := s.principal(c)
		if err != nil {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="paddock"`)
			return err
		}
		c.Locals(localPrincipal, p)
		if !p.Allows(need) {
			if p.Anonymous() {
				c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="paddock"`)
				return errs.E(errs.Unauthenticated, "this endpoint needs a token with role %s (Authorization: Bearer <token>)", need)
			}
			return errs.E(errs.PermissionDenied, "role %s may not do this; it needs %s", p.Role, need)
		}
		return c.Next()
	}
}

func (s *Server) principal(c *fiber.Ctx) (auth.Principal, error) {
	h := c.Get(fiber.HeaderAuthorization)
	if h == "" {
		role, _ := auth.ParseRole(s.deps.Config.Auth.AnonymousRole)
		return auth.Principal{Role: role}, nil
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return auth.Principal{}, errs.E(errs.Unauthenticated, "Authorization header must be \"Bearer <token>\"")
	}
	return s.deps.Auth.Authenticate(c.UserContext(), strings.TrimSpace(token))
}

func principalOf(c *fiber.Ctx) auth.Principal {
	p, _ := c.Locals(localPrincipal).(auth.Principal)
	return p
}
