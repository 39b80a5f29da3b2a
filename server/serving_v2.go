package server

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/serving"
	"github.com/paddockml/paddock/serving/codec"
)

// The Open Inference Protocol (KServe V2) over REST. A model is addressed
// as {name} (the default alias), {name}@{alias}, or {name} with
// /versions/{n}. Errors are {"error": "..."} as the protocol says.
func (s *Server) registerV2() {
	s.public(fiber.MethodGet, "/v2/health/live", s.v2Live)
	s.public(fiber.MethodGet, "/v2/health/ready", s.v2Ready)
	s.route(fiber.MethodGet, "/v2", auth.Viewer, s.v2Server)
	for _, p := range []string{"/v2/models/:name", "/v2/models/:name/versions/:version"} {
		s.route(fiber.MethodGet, p, auth.Viewer, s.v2Metadata)
		s.route(fiber.MethodGet, p+"/ready", auth.Viewer, s.v2ModelReady)
		s.route(fiber.MethodPost, p+"/infer", auth.Viewer, s.v2Infer)
	}
}

func isV2Path(p string) bool { return p == "/v2" || strings.HasPrefix(p, "/v2/") }

func (s *Server) writeV2Error(c *fiber.Ctx, status int, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": msg})
}

func (s *Server) v2Live(c *fiber.Ctx) error { return c.JSON(fiber.Map{"live": true}) }

// v2Ready is ready when the stores answer and every model the
// configuration names can answer with its default alias.
func (s *Server) v2Ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
	defer cancel()
	ready := s.deps.DB.Ping(ctx) == nil
	for name := range s.deps.Config.Serving.Models {
		if !ready {
			break
		}
		_, err := s.deps.Serving.Describe(ctx, name, "", 0)
		ready = err == nil
	}
	status := fiber.StatusOK
	if !ready {
		status = fiber.StatusServiceUnavailable
	}
	return c.Status(status).JSON(fiber.Map{"ready": ready})
}

func (s *Server) v2Server(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"name": "paddock", "version": s.deps.Version, "extensions": []string{}})
}

// v2Target reads the model reference of a /v2/models path.
func v2Target(c *fiber.Ctx) (name, alias string, version int64, err error) {
	if name, alias, err = modelRef(c); err != nil {
		return "", "", 0, err
	}
	version, err = servedVersion(c)
	return name, alias, version, err
}

func (s *Server) v2Metadata(c *fiber.Ctx) error {
	name, alias, version, err := v2Target(c)
	if err != nil {
		return err
	}
	d, err := s.deps.Serving.Describe(c.UserContext(), name, alias, version)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{
		"name": c.Params("name"), "versions": []string{strconv.FormatInt(d.Version, 10)},
		"platform": "paddock_" + d.Flavor, "inputs": v2Specs(d.Signature.Inputs), "outputs": v2Specs(d.Signature.Outputs),
	})
}

type v2Spec struct {
	Name     string `json:"name"`
	Datatype string `json:"datatype"`
	Shape    []int  `json:"shape"`
}

func v2Specs(ts []flavor.TensorSpec) []v2Spec {
	out := make([]v2Spec, len(ts))
	for i, t := range ts {
		shape := t.Shape
		if shape == nil {
			shape = []int{-1}
		}
		out[i] = v2Spec{Name: t.Name, Datatype: codec.V2Datatype(t.DType), Shape: shape}
	}
	return out
}

// v2ModelReady answers 200 {"name", "ready": true} once the model can
// answer (loading it if needed); a model that cannot load is 503.
func (s *Server) v2ModelReady(c *fiber.Ctx) error {
	name, alias, version, err := v2Target(c)
	if err != nil {
		return err
	}
	_, err = s.deps.Serving.Describe(c.UserContext(), name, alias, version)
	if errs.Is(err, errs.Unavailable) {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"name": c.Params("name"), "ready": false})
	}
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"name": c.Params("name"), "ready": true})
}

func (s *Server) v2Infer(c *fiber.Ctx) error {
	name, alias, version, err := v2Target(c)
	if err != nil {
		return err
	}
	req, err := codec.DecodeV2(c.Body())
	if err != nil {
		return errs.Wrap(errs.Invalid, err, "%s", err.Error())
	}
	res, err := s.deps.Serving.Predict(c.UserContext(), serving.Request{
		Model: name, Alias: alias, Version: version, Input: req.Input, RequestID: requestIDOf(c), Header: headerOf(c)})
	if err != nil {
		return err
	}
	outs, err := v2Outputs(res, req.Outputs)
	if err != nil {
		return err
	}
	setProvenance(c, res)
	buf := getBuf()
	defer putBuf(buf)
	*buf = codec.AppendV2(*buf, &codec.V2Response{
		ModelName: c.Params("name"), ModelVersion: strconv.FormatInt(res.Version, 10), ID: req.ID,
		Parameters: v2Parameters(res, requestIDOf(c)), Outputs: outs,
	})
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Response().SetBody(*buf) // copies: buf goes back to the pool
	return nil
}

// v2Outputs picks the outputs asked for (all by default). A rule's
// answers go out as one BYTES output "rule_output" of JSON strings.
func v2Outputs(res *serving.Result, want []string) ([]flavor.Tensor, error) {
	if res.Rule != "" {
		t := flavor.Tensor{Name: "rule_output", DType: flavor.String, Shape: []int{len(res.RuleOutputs)}}
		for _, o := range res.RuleOutputs {
			t.Str = append(t.Str, string(o))
		}
		return []flavor.Tensor{t}, nil
	}
	if len(want) == 0 {
		return res.Outputs, nil
	}
	out := make([]flavor.Tensor, 0, len(want))
	for _, w := range want {
		t := findOutput(res.Outputs, w)
		if t == nil {
			return nil, errs.E(errs.Invalid, "unknown output %q (the model has %s)", w, outputNames(res.Outputs))
		}
		out = append(out, *t)
	}
	return out, nil
}

func outputNames(ts []flavor.Tensor) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = strconv.Quote(t.Name)
	}
	return strings.Join(names, ", ")
}

// v2Parameters carries Paddock's provenance in the response's
// parameters, where the protocol allows extra information.
func v2Parameters(r *serving.Result, requestID string) []byte {
	b := append(make([]byte, 0, 160), `{"request_id":`...)
	b = strconv.AppendQuote(b, requestID)
	if r.Alias != "" {
		b = append(b, `,"alias":`...)
		b = strconv.AppendQuote(b, r.Alias)
	}
	b = append(b, `,"cache_hit":`...)
	b = strconv.AppendBool(b, r.CacheHit)
	if r.Rule != "" {
		b = append(b, `,"rule":`...)
		b = strconv.AppendQuote(b, r.Rule)
	}
	b = append(b, `,"latency_ms":`...)
	b = strconv.AppendFloat(b, float64(r.Latency.Microseconds())/1000, 'f', 3, 64)
	return append(b, '}')
}
