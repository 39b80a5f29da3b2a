package live

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/serving/live/compare"
)

// Decision is what a promotion or rollback did.
type Decision struct {
	Experiment string `json:"experiment"`
	State      string `json:"state"`
	Reason     string `json:"reason"`
	// Model, Alias and Version say where production points now (after a
	// promotion or a rollback that restored it).
	Model   string `json:"model"`
	Alias   string `json:"alias,omitempty"`
	Version int64  `json:"version,omitempty"`
	// Approval is the request filed when the alias needs an admin.
	Approval *registry.ApprovalRequest `json:"approval_request,omitempty"`
	// Stats are the figures the decision was taken on.
	Stats compare.Report `json:"stats"`
}

// Promote moves production to alpha's version through the registry (an
// approval request when the alias is guarded) and ends the experiment.
func (m *Manager) Promote(ctx context.Context, who registry.Caller, name, reason string) (Decision, error) {
	stats, _ := m.Stats(ctx, name, 0)
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.get(name)
	if err != nil {
		return Decision{}, err
	}
	if e.st.State != StateRunning && e.st.State != StatePaused {
		return Decision{}, errs.E(errs.FailedPrecondition, "experiment %q is %s: only a running or paused experiment can be promoted", name, e.st.State)
	}
	prodAlias := e.spec.Production
	if _, fixed := config.ArmVersion(prodAlias); fixed {
		return Decision{}, errs.E(errs.FailedPrecondition, "experiment %q names production as a fixed version (%s): promotion moves an alias", name, prodAlias)
	}
	alphaV, err := m.resolve(ctx, e.spec.Model, e.spec.Alpha)
	if err != nil {
		return Decision{}, err
	}
	prevV, err := m.resolve(ctx, e.spec.Model, prodAlias)
	if err != nil {
		return Decision{}, err
	}
	if reason == "" {
		reason = "promoted from live experiment " + name
	}
	why := registry.Justification{Reason: reason + ": " + summary(stats)}
	res, err := m.reg.SetAlias(ctx, who, e.spec.Model, prodAlias, alphaV, why)
	if err != nil {
		return Decision{}, err
	}
	d := Decision{Experiment: name, Reason: reason, Model: e.spec.Model, Alias: prodAlias, Stats: stats, Approval: res.Request}
	e.st.PreviousVersion, e.st.PromotedVersion, e.st.EndedAlpha = prevV, alphaV, alphaV
	if res.Applied {
		e.st.State, d.Version = StatePromoted, alphaV
	} else {
		e.st.State, d.Version = StateAwaitingApproval, prevV
	}
	e.st.Reason = reason
	d.State = e.st.State
	return d, m.decideLocked(ctx, who, e, "live.experiment.promote", d)
}

// Rollback takes alpha off traffic. After a promotion it also moves
// production back to the version the promotion replaced.
func (m *Manager) Rollback(ctx context.Context, who registry.Caller, name, reason string) (Decision, error) {
	stats, _ := m.Stats(ctx, name, 0)
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.get(name)
	if err != nil {
		return Decision{}, err
	}
	if reason == "" {
		reason = "rolled back"
	}
	d := Decision{Experiment: name, Reason: reason, Model: e.spec.Model, Stats: stats}
	if e.st.State == StatePromoted && e.st.PreviousVersion > 0 {
		alias := e.spec.Production
		why := registry.Justification{Reason: fmt.Sprintf("rollback of live experiment %s: %s", name, reason)}
		res, err := m.reg.SetAlias(ctx, who, e.spec.Model, alias, e.st.PreviousVersion, why)
		if err != nil {
			return Decision{}, err
		}
		d.Alias, d.Version, d.Approval = alias, e.st.PreviousVersion, res.Request
	}
	if v, err := m.resolve(ctx, e.spec.Model, e.spec.Alpha); err == nil {
		e.st.EndedAlpha = v // the version this round turned down
	}
	e.st.State, e.st.Reason = StateRolledBack, reason
	d.State = e.st.State
	return d, m.decideLocked(ctx, who, e, "live.experiment.rollback", d)
}

// SetState pauses, resumes or stops an experiment.
func (m *Manager) SetState(ctx context.Context, who registry.Caller, name, to, reason string) (View, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.get(name)
	if err != nil {
		return View{}, err
	}
	from := e.st.State
	switch {
	case to == StatePaused && from == StateRunning, to == StateRunning && from == StatePaused,
		to == StateStopped && (from == StateRunning || from == StatePaused || from == StateAwaitingApproval):
	case to == StateRunning && (from == StateStopped || from == StateRolledBack) && e.source == SourceAPI:
		// An API experiment may be restarted from its first step.
		e.st.Step, e.st.StepStarted = 0, m.now()
	default:
		return View{}, errs.E(errs.FailedPrecondition, "experiment %q is %s; it cannot become %s", name, from, to)
	}
	e.st.State, e.st.Reason = to, reason
	if err := m.decideLocked(ctx, who, e, "live.experiment."+to, map[string]string{"from": from, "to": to, "reason": reason}); err != nil {
		return View{}, err
	}
	return m.viewLocked(e), nil
}

// decideLocked stores the experiment's new state, reinstalls its routing
// and records the decision in the audit log.
func (m *Manager) decideLocked(ctx context.Context, who registry.Caller, e *experiment, action string, after any) error {
	m.installLocked(e)
	if err := m.saveLocked(ctx, e); err != nil {
		return err
	}
	m.log.Info("live experiment decision", "experiment", e.name, "action", action, "state", e.st.State, "reason", e.st.Reason)
	if m.audit == nil {
		return nil
	}
	b, _ := json.Marshal(after)
	return m.audit.Append(ctx, audit.Event{Actor: who.Actor, Action: action, RequestID: who.RequestID,
		Resource: audit.Resource{Kind: "live_experiment", ID: e.name}, After: b, Reason: e.st.Reason})
}

// summary is a one-line account of the statistics, for the alias move's
// justification.
func summary(r compare.Report) string {
	var parts []string
	for _, name := range []string{"requests", "agreement_rate", "accuracy_delta", "latency_ratio", "error_rate"} {
		if v, ok := r.Metric(name); ok {
			parts = append(parts, fmt.Sprintf("%s=%.4g", name, v))
		}
	}
	if len(parts) == 0 {
		return "no statistics yet"
	}
	return strings.Join(parts, ", ")
}

// Create adds an experiment through the API. A name the configuration
// file holds is refused: the file is the source of truth for it.
func (m *Manager) Create(ctx context.Context, who registry.Caller, name string, body []byte) (View, error) {
	spec, err := config.ParseLiveExperiment(name, body)
	if err != nil {
		return View{}, errs.Wrap(errs.Invalid, err, "%v", err)
	}
	if err := m.check(ctx, "experiments."+name, spec); err != nil {
		return View{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, exists := m.exps[name]; exists {
		return View{}, errs.E(errs.AlreadyExists, "live experiment %q exists", name)
	}
	for other, o := range m.exps {
		if o.spec.Model == spec.Model && o.st.State == StateRunning {
			return View{}, errs.E(errs.Conflict, "model %q already has running experiment %q", spec.Model, other)
		}
	}
	e := newExperiment(name, spec, SourceAPI, state{StepStarted: m.now()})
	m.exps[name] = e
	if err := m.decideLocked(ctx, who, e, "live.experiment.create", spec); err != nil {
		delete(m.exps, name)
		m.srv.SetExperiment(spec.Model, nil)
		return View{}, err
	}
	return m.viewLocked(e), nil
}

// Delete removes an experiment the API created.
func (m *Manager) Delete(ctx context.Context, who registry.Caller, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.get(name)
	if err != nil {
		return err
	}
	if e.source != SourceAPI {
		return errs.E(errs.FailedPrecondition, "experiment %q is defined in the configuration file; remove it there", name)
	}
	m.srv.SetExperiment(e.spec.Model, nil)
	delete(m.exps, name)
	if err := m.deleteStored(ctx, name); err != nil {
		return err
	}
	if m.audit != nil {
		return m.audit.Append(ctx, audit.Event{Actor: who.Actor, Action: "live.experiment.delete", RequestID: who.RequestID,
			Resource: audit.Resource{Kind: "live_experiment", ID: name}})
	}
	return nil
}
