package scheduler

import (
	"context"
	"fmt"
	"strconv"
)

// Aliases a passing version may be moved to.
const (
	aliasAlpha      = "alpha"
	aliasProduction = "production"
)

// judge runs the gate on a run whose command succeeded, tags the run with
// the verdict, then registers and promotes per the job's policy.
func (s *Scheduler) judge(ctx context.Context, e *execution, o *outcome) {
	j := e.job
	runID := e.trackingIDs[len(e.trackingIDs)-1]
	v := s.verdict(ctx, e, runID)
	o.gate = &v
	e.tail.Line("gate %s: %s", verdictWord(v.Pass), v.Reason)
	s.tagRun(ctx, runID, gateTags(v))
	if !v.Pass {
		e.events = append(e.events, event{name: EventGateFailed})
		if j.cfg.OnFail == "skip_registration" {
			return
		}
	}
	version, err := s.reg.RegisterFromRun(ctx, s.registration(e, runID, v))
	if err != nil {
		o.status, o.reason = StatusFailed, "registration failed: "+err.Error()
		e.tail.Line("%s", o.reason)
		return
	}
	o.version = &version
	e.tail.Line("registered %s version %d", j.cfg.Model, version)
	s.tagRun(ctx, runID, map[string]string{"paddock.model_version": strconv.FormatInt(version, 10)})
	if v.Pass {
		s.promote(ctx, e, o, version)
	}
}

func verdictWord(pass bool) string {
	if pass {
		return "pass"
	}
	return "fail"
}

// verdict evaluates the gate. A baseline that could not be read fails a
// gate that compares, rather than compare with nothing.
func (s *Scheduler) verdict(ctx context.Context, e *execution, runID string) GateVerdict {
	g := e.job.gate
	fail := func(reason string) GateVerdict {
		return GateVerdict{Reason: reason, BaselineAlias: g.compare.Against, Checks: []GateCheck{}}
	}
	if e.baselineErr != nil && (g.compare.Metric != "" || len(g.perClass) > 0) {
		return fail(fmt.Sprintf("cannot read the %s version: %v", g.compare.Against, e.baselineErr))
	}
	metrics, err := s.tracker.RunMetrics(ctx, runID)
	if err != nil {
		return fail("cannot read the run's metrics: " + err.Error())
	}
	return evaluateGate(g, metrics, e.baseline)
}

func gateTags(v GateVerdict) map[string]string {
	base := "none"
	if v.BaselineVersion > 0 {
		base = fmt.Sprintf("%s v%d", v.BaselineAlias, v.BaselineVersion)
	}
	return map[string]string{"paddock.gate": verdictWord(v.Pass), "paddock.gate.reason": clip(v.Reason, 5000), "paddock.gate.baseline": base}
}

func (s *Scheduler) tagRun(ctx context.Context, runID string, tags map[string]string) {
	if err := s.tracker.SetRunTags(ctx, runID, tags); err != nil {
		s.log.Warn("training: cannot tag the run", "tracking_run", runID, "err", err)
	}
}

// registration is the version a judged run registers: lineage (the run,
// the baseline as parent, the data digest) and the verdict as tags.
func (s *Scheduler) registration(e *execution, runID string, v GateVerdict) Registration {
	gate := "pass"
	if !v.Pass {
		gate = "rejected"
	}
	tags := map[string]string{
		"paddock.gate": gate, "paddock.gate.reason": clip(v.Reason, 4000), "paddock.job": e.job.name,
		"paddock.training_run": strconv.FormatInt(e.id, 10), "paddock.fired_by": e.info.FiredBy,
	}
	if e.info.FiredBy == FiredByNewData {
		tags["paddock.data.digest"] = e.info.FireDetail
	}
	r := Registration{Model: e.job.cfg.Model, RunID: runID, ArtifactPath: "model", Tags: tags,
		Description: fmt.Sprintf("Trained by job %s (training run %d, fired by %s); gate: %s", e.job.name, e.id, e.info.FiredBy, gate)}
	if e.baseline != nil {
		parent := e.baseline.Version
		r.Parent = &parent
	}
	return r
}

// promote moves alpha to a passing version, or asks for production,
// per the job's on_pass; a guarded alias gives an approval request.
func (s *Scheduler) promote(ctx context.Context, e *execution, o *outcome, version int64) {
	var alias string
	switch e.job.cfg.OnPass {
	case "alpha":
		alias = aliasAlpha
	case "request_production":
		alias = aliasProduction
	default:
		return
	}
	why := clip(fmt.Sprintf("training job %s, run %d passed its gate: %s", e.job.name, e.id, o.gate.Reason), 3900)
	res, err := s.reg.SetAlias(ctx, e.job.cfg.Model, alias, version, why)
	switch {
	case err != nil:
		o.promotion = fmt.Sprintf("%s -> v%d failed: %v", alias, version, err)
	case res.Applied:
		o.promotion = fmt.Sprintf("%s -> v%d", alias, version)
		e.events = append(e.events, event{name: EventPromotionDone})
	default:
		o.promotion = fmt.Sprintf("%s -> v%d: approval request %d", alias, version, res.ApprovalID)
		e.events = append(e.events, event{name: EventPromotionRequested, approvalID: res.ApprovalID})
	}
	e.tail.Line("%s", o.promotion)
}
