package serving

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/serving/codec"
	"github.com/paddockml/paddock/serving/filters"
	"github.com/paddockml/paddock/serving/predlog"
)

// Request is one prediction request.
type Request struct {
	Model string
	// Alias names the version to answer with; "" is the default alias.
	// Ignored when Version is set.
	Alias string
	// Version addresses a version by number; 0 for none.
	Version int64
	Input   codec.Input
	// RequestID ties the prediction to its log entry and feedback.
	RequestID string
	// Header reads a request header, for an experiment's sticky key;
	// nil when there are none.
	Header func(name string) string
}

// Result is a prediction and its provenance.
type Result struct {
	Model   string
	Version int64
	// Alias is the alias that answered, "" when addressed by version.
	Alias string
	// Outputs are every output of the model, in its signature's order.
	// They are shared with the response cache: never modify them.
	Outputs []flavor.Tensor
	// Answer are the outputs the model's predict_fn answers with (MLflow's
	// pyfunc semantics): a subset of Outputs.
	Answer []flavor.Tensor
	// Signature is the answering version's signature (classes, task).
	Signature *flavor.Signature
	// Rows is the number of input rows.
	Rows int
	// CacheHit marks an answer from the response cache.
	CacheHit bool
	// Rule names the rule filter that answered every row, and RuleOutputs
	// are its answers, one per row; the model was not called.
	Rule        string
	RuleOutputs []json.RawMessage
	// Latency is the time from resolving the model to the answer.
	Latency time.Duration
	// BatchRows is the rows of the model call that answered, when the
	// adaptive batcher joined this request with others.
	BatchRows int
	// Experiment and Arm say which live experiment routed the request
	// and which arm answered; empty outside an experiment.
	Experiment, Arm string
}

// logAs says how a prediction goes into the log: with its experiment
// and arm, and always (an experiment's comparisons need every request
// it routed) or by the sampling rate.
type logAs struct {
	experiment, arm string
	always          bool
}

// Predict answers one request. Errors carry an errs code: Invalid for an
// input that does not fit the signature (naming the column), NotFound
// for an unknown model, alias or version, Unavailable when the version
// cannot be loaded, Internal when the model fails.
func (s *Service) Predict(ctx context.Context, req Request) (*Result, error) {
	if !s.cfg.Enabled {
		return nil, errs.Wrap(errs.NotFound, errNotServed, "serving is turned off (serving.enabled)")
	}
	ep, err := s.endpointOf(ctx, req.Model)
	if err != nil {
		return nil, err
	}
	if req.Version == 0 && req.Alias == "" {
		// Only requests for the model itself take part in its experiment;
		// one addressing an alias or a version asked for exactly that.
		if exp := ep.exp.Load(); exp != nil {
			return ep.predictExperiment(ctx, exp, &req)
		}
	}
	h, alias, err := ep.acquireTarget(ctx, s.target(req.Alias, req.Version))
	if err != nil {
		ep.seriesFor(0, "").errors.Inc()
		return nil, err
	}
	defer h.release()
	return ep.predictOn(ctx, h, alias, &req, logAs{})
}

// endpointOf returns the endpoint of a registered model, checking with
// the registry the first time a name is asked for, so unknown names do
// not accumulate endpoints.
func (s *Service) endpointOf(ctx context.Context, name string) (*endpoint, error) {
	if ep := s.existing(name); ep != nil {
		return ep, nil
	}
	if _, err := s.reg.GetModel(ctx, name); err != nil {
		return nil, err
	}
	return s.endpointFor(name), nil
}

// predictOn runs the pipeline on a resolved version.
func (ep *endpoint) predictOn(ctx context.Context, h *handle, alias string, req *Request, as logAs) (*Result, error) {
	started := time.Now()
	ser := ep.seriesOf(h, alias)
	ser.requests.Inc()
	res := &Result{Model: ep.name, Version: h.version, Alias: alias, Signature: &h.sig, Rows: req.Input.Rows()}
	defer ser.timeline.record(started, res) // the dashboard's full-rate series, whichever way this returns
	entry := predlog.Entry{RequestID: req.RequestID, Model: ep.name, Version: h.version, Alias: alias,
		Arm: as.arm, ExperimentID: as.experiment}
	logged := ep.svc.opts.Log != nil && (as.always || predlog.Sample(ep.sampleRate(), req.RequestID))

	if ok := ep.answerByRule(req, res); ok {
		res.Latency = time.Since(started)
		if as.experiment != "" {
			// A rule answers for every arm alike: it is no comparison, and
			// it is logged as any request outside an experiment would be.
			entry.ExperimentID, entry.Arm = "", ""
			logged = ep.svc.opts.Log != nil && predlog.Sample(ep.sampleRate(), req.RequestID)
		}
		if logged {
			entry.Rule, entry.Outputs = res.Rule, res.AppendRuleOutputs(nil)
			ep.logEntry(&entry, req, res.Latency)
		}
		return res, nil
	}
	inputs, err := codec.Bind(req.Input, h.sig)
	if err != nil {
		ser.errors.Inc()
		if logged && as.experiment != "" { // an arm that cannot read the input counts against it
			entry.Error = inputMessage(err)
			ep.logEntry(&entry, req, time.Since(started))
		}
		return nil, errs.Wrap(errs.Invalid, err, "%s", inputMessage(err))
	}
	var digest [32]byte
	if ep.cache != nil || logged {
		digest = codec.Digest(inputs)
	}
	key := filters.Key{Model: ep.name, Version: h.version, Input: filters.Digest(digest)}
	if ep.cache != nil {
		if outs, hit := ep.cache.Get(key); hit {
			ser.cacheHits.Inc()
			res.CacheHit, res.Outputs, res.Answer = true, outs, h.answer(outs)
			res.Latency = time.Since(started)
			if logged {
				entry.CacheHit, entry.InputDigest = true, hex.EncodeToString(digest[:])
				entry.Outputs = encodeOutputs(res.Outputs)
				ep.logEntry(&entry, req, res.Latency)
			}
			return res, nil
		}
		ser.cacheMisses.Inc()
	}
	pctx, cancel := ctx, context.CancelFunc(nil)
	if h.interruptible() {
		pctx, cancel = context.WithTimeout(ctx, ep.svc.cfg.PredictTimeout.Std())
	}
	outs, batchRows, err := h.predict(pctx, inputs, res.Rows)
	if cancel != nil {
		cancel()
	}
	res.Latency = time.Since(started)
	if logged {
		entry.InputDigest = hex.EncodeToString(digest[:])
	}
	if err != nil {
		ser.errors.Inc()
		if logged {
			entry.Error = err.Error()
			ep.logEntry(&entry, req, res.Latency)
		}
		return nil, predictError(err, ep.name, h.version)
	}
	ser.latency.Observe(res.Latency.Seconds())
	res.Outputs, res.Answer = outs, h.answer(outs)
	if batchRows > res.Rows {
		res.BatchRows = batchRows
	}
	if ep.cache != nil {
		ep.cache.Put(key, outs, tensorBytes(outs))
	}
	if logged {
		entry.Outputs = encodeOutputs(res.Outputs)
		ep.logEntry(&entry, req, res.Latency)
	}
	return res, nil
}

// predictExperiment answers a request routed by a live experiment: the
// arm the experiment picks answers; in shadow mode production answers
// and alpha's prediction is queued for the shadow workers.
func (ep *endpoint) predictExperiment(ctx context.Context, exp *Experiment, req *Request) (*Result, error) {
	arm, target, shadow := exp.route(req)
	h, alias, err := ep.acquireTarget(ctx, target)
	if err != nil && arm == predlog.ArmAlpha {
		// An alpha that cannot be loaded never takes traffic down: its
		// share goes to production, and the failure is in the events.
		arm, target = predlog.ArmProduction, exp.Production
		h, alias, err = ep.acquireTarget(ctx, target)
	}
	if err != nil {
		return nil, err
	}
	defer h.release()
	as := logAs{experiment: exp.ID, arm: arm, always: true}
	if exp.Mode != ModeSplit && !shadow {
		// A request shadow sampling left out is not part of the
		// comparison: it is logged as any other request would be.
		as = logAs{}
	}
	res, err := ep.predictOn(ctx, h, alias, req, as)
	if arm == predlog.ArmAlpha {
		exp.Counters.Alpha.Add(1)
	} else {
		exp.Counters.Production.Add(1)
	}
	if err != nil {
		return nil, err
	}
	if exp.Mode == ModeSplit {
		res.Experiment, res.Arm = exp.ID, arm
	}
	if shadow && res.Rule == "" { // alpha is not asked what a rule answered
		ep.svc.shadow.submit(&shadowJob{ep: ep, exp: exp, req: Request{Model: req.Model, RequestID: req.RequestID}, input: req.Input})
	}
	return res, nil
}

// sampleRate is the model's prediction log rate.
func (ep *endpoint) sampleRate() float64 {
	if ep.cfg.SampleRate >= 0 {
		return ep.cfg.SampleRate
	}
	return ep.svc.cfg.PredictionLog.SampleRate
}

// answerByRule answers a tabular request whose every row a rule matches.
func (ep *endpoint) answerByRule(req *Request, res *Result) bool {
	t := req.Input.Table
	if ep.rules.Len() == 0 || t == nil || t.Rows == 0 {
		return false
	}
	outs := make([]json.RawMessage, t.Rows)
	name := ""
	for i := range t.Rows {
		m, ok := ep.rules.Match(t.Row(i))
		if !ok {
			return false
		}
		if name == "" {
			name = m.Name
		} else if name != m.Name {
			name = "multiple"
		}
		outs[i] = m.OutputJSON
	}
	if name != "multiple" {
		ep.svc.metrics.ruleAnswers.WithLabelValues(ep.name, name).Inc()
	}
	res.Rule, res.RuleOutputs = name, outs
	return true
}

// logEntry queues the prediction for the log; it never waits.
func (ep *endpoint) logEntry(e *predlog.Entry, req *Request, latency time.Duration) {
	e.Latency = latency
	if ep.svc.cfg.PredictionLog.KeepInputs {
		e.Inputs = encodeInput(&req.Input)
	}
	ep.svc.opts.Log.Log(*e)
}

// predictError classifies a model failure: an input the model refuses
// is the caller's fault (400), anything else the model's (500).
func predictError(err error, model string, version int64) error {
	switch {
	case errors.Is(err, flavor.ErrInput):
		return errs.Wrap(errs.Invalid, err, "%s", inputMessage(err))
	case errors.Is(err, context.DeadlineExceeded):
		return errs.Wrap(errs.Unavailable, err, "version %d of %s did not answer in time", version, model)
	case errors.Is(err, context.Canceled):
		return errs.Wrap(errs.Unavailable, err, "request cancelled")
	}
	return errs.Wrap(errs.Internal, err, "version %d of %s failed to predict: %v", version, model, err)
}

// inputMessage is an input error's text without the sentinel's prefix.
func inputMessage(err error) string {
	msg := err.Error()
	const prefix = "invalid model input: "
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		return msg[len(prefix):]
	}
	return msg
}

func tensorBytes(ts []flavor.Tensor) int64 {
	var n int64
	for i := range ts {
		t := &ts[i]
		n += int64(len(t.F32)*4 + len(t.F64)*8 + len(t.I64)*8 + len(t.Bool))
		for _, s := range t.Str {
			n += int64(len(s)) + 16
		}
	}
	return n
}
