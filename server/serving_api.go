package server

import (
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/serving"
	"github.com/paddockml/paddock/serving/codec"
)

// registerServing adds the prediction endpoints of the three protocols
// and the serving status routes. Predicting needs the viewer role: it
// reads a model and changes nothing but the prediction log.
func (s *Server) registerServing() {
	s.route(fiber.MethodPost, "/api/models/:name/predict", auth.Viewer, s.apiPredict)
	s.route(fiber.MethodPost, "/api/models/:name/versions/:version/predict", auth.Viewer, s.apiPredict)
	s.route(fiber.MethodGet, "/api/serving/models", auth.Viewer, s.apiServingStatus)
	s.route(fiber.MethodGet, "/api/serving/events", auth.Viewer, s.apiServingEvents)
	s.route(fiber.MethodGet, "/api/predictions", auth.Viewer, s.apiPredictions)
	s.registerInvocations()
	s.registerV2()
}

// modelRef reads the :name path parameter, "name" or "name@alias", as
// the prediction paths write it.
func modelRef(c *fiber.Ctx) (name, alias string, err error) {
	ref, err := param(c, "name")
	if err != nil {
		return "", "", err
	}
	name, alias, _ = strings.Cut(ref, "@")
	return name, alias, nil
}

// servedVersion reads the optional :version path parameter of the
// prediction routes (0 when absent) with the registry's own rule.
func servedVersion(c *fiber.Ctx) (int64, error) {
	p := c.Params("version")
	if p == "" {
		return 0, nil
	}
	return registry.ParseVersion(p)
}

// apiPredict is POST /api/models/{name}[@alias]/predict and
// /api/models/{name}/versions/{n}/predict.
func (s *Server) apiPredict(c *fiber.Ctx) error {
	name, alias, err := modelRef(c)
	if err != nil {
		return err
	}
	version, err := servedVersion(c)
	if err != nil {
		return err
	}
	in, err := codec.DecodeNative(c.Body())
	if err != nil {
		return errs.Wrap(errs.Invalid, err, "%s", err.Error())
	}
	res, err := s.deps.Serving.Predict(c.UserContext(), serving.Request{
		Model: name, Alias: alias, Version: version, Input: in, RequestID: requestIDOf(c), Header: headerOf(c)})
	if err != nil {
		return err
	}
	// The native body carries the provenance itself: no headers needed.
	buf := getBuf()
	defer putBuf(buf)
	*buf = appendNativeResult(*buf, res, requestIDOf(c))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Response().SetBody(*buf) // copies: buf goes back to the pool
	return nil
}

// setProvenance adds headers saying who answered, so that the MLflow and
// KServe bodies can stay exactly as their clients expect.
func setProvenance(c *fiber.Ctx, r *serving.Result) {
	c.Set("X-Paddock-Model", r.Model)
	c.Set("X-Paddock-Version", strconv.FormatInt(r.Version, 10))
	if r.Alias != "" {
		c.Set("X-Paddock-Alias", r.Alias)
	}
	switch {
	case r.Rule != "":
		c.Set("X-Paddock-Answered-By", "rule:"+r.Rule)
	case r.CacheHit:
		c.Set("X-Paddock-Answered-By", "cache")
	default:
		c.Set("X-Paddock-Answered-By", "model")
	}
	c.Set("X-Paddock-Latency-Ms", strconv.FormatFloat(float64(r.Latency.Microseconds())/1000, 'f', 3, 64))
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func getBuf() *[]byte { b := bufPool.Get().(*[]byte); *b = (*b)[:0]; return b }

func putBuf(b *[]byte) {
	if cap(*b) <= 1<<20 { // keep the pool from pinning huge responses
		bufPool.Put(b)
	}
}

// apiServingStatus is GET /api/serving/models: what is loaded, and which
// alias answers with which version.
func (s *Server) apiServingStatus(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"default_alias": s.deps.Config.Serving.DefaultAlias, "models": s.deps.Serving.Status()})
}

// apiServingEvents is GET /api/serving/events?model=&after=: loads,
// swaps, failed swaps and unloads, oldest first.
func (s *Server) apiServingEvents(c *fiber.Ctx) error {
	after, err := queryInt(c, "after", 0)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"events": s.deps.Serving.Events(c.Query("model"), after)})
}

// queryInt reads an optional non-negative integer query parameter,
// def when absent.
func queryInt(c *fiber.Ctx, key string, def int64) (int64, error) {
	if c.Query(key) == "" {
		return def, nil
	}
	n, err := queryInt64(c, key)
	if err != nil || n < 0 {
		return 0, errs.E(errs.Invalid, "%s must be a non-negative integer, got %q", key, c.Query(key))
	}
	return n, nil
}

// headerOf reads the request's headers for an experiment's sticky key,
// during the call only (fiber reuses the buffers afterwards).
func headerOf(c *fiber.Ctx) func(string) string {
	return func(name string) string { return c.Get(name) }
}
