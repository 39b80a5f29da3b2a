package serving

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/paddockml/paddock/serving/codec"
	"github.com/paddockml/paddock/serving/predlog"
)

// The modes of a live experiment.
const (
	ModeShadow = "shadow" // alpha answers a sample of requests too; only production's answer is returned
	ModeSplit  = "split"  // a share of requests is answered by alpha
)

// Target names one arm's version: an alias, or a version number.
type Target struct {
	Alias   string
	Version int64
}

func (t Target) String() string {
	if t.Version > 0 {
		return "v" + strconv.FormatInt(t.Version, 10)
	}
	return t.Alias
}

// Experiment routes a model's traffic between production and alpha
// (package serving/live builds it from the configuration and changes it
// as canary steps advance). It is immutable once installed.
type Experiment struct {
	ID                string
	Mode              string
	Production, Alpha Target
	// SampleRate is the share of requests shadowed (shadow mode).
	SampleRate float64
	// AlphaPercent is the share of requests alpha answers (split mode).
	AlphaPercent float64
	// Salt makes the bucketing of two experiments independent.
	Salt string
	// StickyHeader or StickyField name the request key that assigns an
	// arm; the request id when both are empty.
	StickyHeader, StickyField string
	// Counters is where the experiment's routing is counted; shared by
	// successive versions of one experiment (canary steps).
	Counters *ExperimentCounters
}

// ExperimentCounters count an experiment's traffic in this process.
type ExperimentCounters struct {
	Production, Alpha atomic.Int64 // requests answered by each arm
	Shadowed          atomic.Int64 // shadow predictions run
	ShadowDropped     atomic.Int64 // shadow predictions dropped: queue full
	ShadowFailed      atomic.Int64 // shadow predictions that failed or timed out
}

// SetExperiment installs (or, with nil, removes) the experiment of a
// model. Requests already resolved keep the routing they started with.
func (s *Service) SetExperiment(model string, e *Experiment) {
	if e != nil && e.Counters == nil {
		e.Counters = &ExperimentCounters{}
	}
	ep := s.endpointFor(model)
	ep.exp.Store(e)
	if e != nil {
		s.warmArms(ep, e)
	}
}

// warmArms loads both arms of a newly installed experiment in the
// background, so alpha's first shadow jobs do not spend their timeout
// on a model load (from a slow object store, say). A failure is left to
// the request path, which reports it and falls back to production.
func (s *Service) warmArms(ep *endpoint, e *Experiment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return // closing
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for _, t := range []Target{e.Production, e.Alpha} {
			ctx, cancel := context.WithTimeout(s.ctx, warmTimeout)
			if h, _, err := ep.acquireTarget(ctx, t); err == nil {
				h.release()
			}
			cancel()
		}
	}()
}

// warmTimeout bounds a background load of an experiment's arm.
const warmTimeout = 2 * time.Minute

// ExperimentOf returns the installed experiment of a model, or nil.
func (s *Service) ExperimentOf(model string) *Experiment {
	if ep := s.existing(model); ep != nil {
		return ep.exp.Load()
	}
	return nil
}

// route picks the arm that answers a request and whether alpha also
// runs in the shadow.
func (e *Experiment) route(req *Request) (arm string, target Target, shadow bool) {
	switch e.Mode {
	case ModeSplit:
		// The same salted hash as the shadow sampling: a key lands in the
		// same bucket every time, and two salts bucket keys independently.
		if predlog.Sample(e.AlphaPercent/100, e.Salt+"\x00"+e.key(req)) {
			return predlog.ArmAlpha, e.Alpha, false
		}
		return predlog.ArmProduction, e.Production, false
	default:
		sampled := e.SampleRate >= 1 || (e.SampleRate > 0 && predlog.Sample(e.SampleRate, e.Salt+"\x00"+req.RequestID))
		return predlog.ArmProduction, e.Production, sampled
	}
}

// key is the request key sticky assignment hashes.
func (e *Experiment) key(req *Request) string {
	switch {
	case e.StickyHeader != "" && req.Header != nil:
		if v := req.Header(e.StickyHeader); v != "" {
			return v
		}
	case e.StickyField != "":
		if t := req.Input.Table; t != nil && t.Rows > 0 {
			if v, ok := t.Row(0)[e.StickyField]; ok && v != nil {
				return fmt.Sprint(v)
			}
		}
	}
	return req.RequestID
}

// target is what a request addresses: a version by number, else an
// alias, the default alias when it names none.
func (s *Service) target(alias string, version int64) Target {
	if version > 0 {
		return Target{Version: version}
	}
	if alias == "" {
		alias = s.cfg.DefaultAlias
	}
	return Target{Alias: alias}
}

// acquireTarget resolves a target's version, with a reference the caller
// releases, and the alias it answers as ("" for a version by number).
func (ep *endpoint) acquireTarget(ctx context.Context, t Target) (*handle, string, error) {
	if t.Version > 0 {
		h, err := ep.acquireVersion(ctx, t.Version)
		return h, "", err
	}
	h, err := ep.acquireAlias(ctx, t.Alias)
	return h, t.Alias, err
}

// shadowJob is alpha's prediction of a request production answered.
type shadowJob struct {
	ep    *endpoint
	exp   *Experiment
	req   Request
	input codec.Input
}
