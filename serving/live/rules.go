package live

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/serving/live/compare"
)

// system is the caller of decisions the rules take on their own.
var system = registry.Caller{Actor: "system:live-experiments"}

// Verdict is what an experiment's rules say about its statistics now.
type Verdict struct {
	Experiment string `json:"experiment"`
	// Decidable is false until MinRequests requests were compared.
	Decidable bool `json:"decidable"`
	// Rollback lists the rollback conditions that hold.
	Rollback []string `json:"rollback"`
	// Promote is true when every promotion condition holds; Pending lists
	// those that do not (or cannot be computed yet).
	Promote bool     `json:"promote"`
	Pending []string `json:"pending"`
	// Action is what evaluation did: "", "rolled_back", "promoted",
	// "canary_step", "awaiting_approval".
	Action string         `json:"action,omitempty"`
	Stats  compare.Report `json:"stats"`
}

// judge applies rules to a report.
func judge(name string, r config.LiveRules, stats compare.Report) Verdict {
	v := Verdict{Experiment: name, Stats: stats, Rollback: []string{}, Pending: []string{}}
	v.Decidable = stats.Requests >= r.MinRequests
	for _, s := range r.Rollback {
		c, _ := config.ParseCondition(s) // validated at load
		if x, ok := stats.Metric(c.Metric); ok && c.Holds(x) {
			v.Rollback = append(v.Rollback, fmt.Sprintf("%s (is %.4g)", c, x))
		}
	}
	v.Promote = len(r.Promote) > 0
	for _, s := range r.Promote {
		c, _ := config.ParseCondition(s)
		if x, ok := stats.Metric(c.Metric); !ok || !c.Holds(x) {
			v.Promote = false
			v.Pending = append(v.Pending, c.String())
		}
	}
	return v
}

// Evaluate applies an experiment's rules now: rolls back when a rollback
// condition holds (with auto_rollback), advances a canary whose step has
// been held long enough, and promotes when every promotion condition
// holds (with auto_promote). The API calls it to check at once.
func (m *Manager) Evaluate(ctx context.Context, name string) (Verdict, error) {
	stats, err := m.Stats(ctx, name, 0)
	if err != nil {
		return Verdict{}, err
	}
	m.mu.Lock()
	e, err := m.get(name)
	if err != nil {
		m.mu.Unlock()
		return Verdict{}, err
	}
	v := judge(name, e.spec.Rules, stats)
	state, auto := e.st.State, e.spec.Rules
	m.mu.Unlock()
	switch {
	case state == StateAwaitingApproval:
		v.Action = m.checkApproval(ctx, name)
	case state != StateRunning || e.spec.Paused || !v.Decidable:
	case len(v.Rollback) > 0 && auto.AutoRollback:
		if _, err := m.Rollback(ctx, system, name, "rollback rule: "+strings.Join(v.Rollback, "; ")); err != nil {
			return v, err
		}
		v.Action = StateRolledBack
	case m.advanceCanary(ctx, name):
		v.Action = "canary_step"
	case v.Promote && auto.AutoPromote && m.canaryDone(name):
		d, err := m.Promote(ctx, system, name, "promotion rules hold: "+strings.Join(e.spec.Rules.Promote, "; "))
		if err != nil {
			return v, err
		}
		v.Action = d.State
	}
	return v, nil
}

// advanceCanary moves a canary to its next step once the current one has
// been held long enough (Evaluate checked no rollback rule holds).
func (m *Manager) advanceCanary(ctx context.Context, name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.get(name)
	if err != nil || e.spec.Mode != "canary" || e.st.Step >= len(e.spec.Canary.Steps)-1 {
		return false
	}
	if e.st.StepStarted.IsZero() {
		e.st.StepStarted = m.now()
	}
	if m.now().Sub(e.st.StepStarted) < e.spec.Canary.Steps[e.st.Step].Hold.Std() {
		return false
	}
	e.st.Step++
	e.st.StepStarted = m.now()
	e.st.Reason = fmt.Sprintf("canary step %d: %g%% of traffic", e.st.Step, e.spec.Canary.Steps[e.st.Step].Percent)
	if err := m.decideLocked(ctx, system, e, "live.experiment.canary_step", map[string]any{"step": e.st.Step,
		"percent": e.spec.Canary.Steps[e.st.Step].Percent}); err != nil {
		m.log.Error("canary step not saved", "experiment", name, "err", err)
	}
	return true
}

// canaryDone reports whether a canary has held its last step (always
// true for other modes).
func (m *Manager) canaryDone(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.get(name)
	if err != nil {
		return false
	}
	if e.spec.Mode != "canary" {
		return true
	}
	last := len(e.spec.Canary.Steps) - 1
	return e.st.Step == last && m.now().Sub(e.st.StepStarted) >= e.spec.Canary.Steps[last].Hold.Std()
}

// checkApproval marks a promotion done once production points to the
// promoted version (an admin approved the request).
func (m *Manager) checkApproval(ctx context.Context, name string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.get(name)
	if err != nil {
		return ""
	}
	v, err := m.resolve(ctx, e.spec.Model, e.spec.Production)
	if err != nil || v != e.st.PromotedVersion {
		return ""
	}
	e.st.State, e.st.Reason = StatePromoted, "promotion approved"
	if err := m.decideLocked(ctx, system, e, "live.experiment.promoted", map[string]any{"version": v}); err != nil {
		m.log.Error("promotion state not saved", "experiment", name, "err", err)
	}
	return StatePromoted
}

// evaluateLoop evaluates every experiment on a timer.
// decides reports whether evaluating the experiment can change anything:
// statistics read the prediction log over the rules' window, which on a
// busy node is a burst of work the loop spares experiments that only
// collect comparisons.
func (e *experiment) decides() bool {
	r := e.spec.Rules
	return e.st.State == StateAwaitingApproval || e.spec.Mode == "canary" ||
		(r.AutoRollback && len(r.Rollback) > 0) || (r.AutoPromote && len(r.Promote) > 0)
}

func (m *Manager) evaluateLoop() {
	defer m.wg.Done()
	t := time.NewTicker(m.opts.Config.Evaluate.Std())
	defer t.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-t.C:
		}
		m.mu.Lock()
		var names, decided []string
		for name, e := range m.exps {
			switch e.st.State {
			case StateRunning, StateAwaitingApproval:
				if e.decides() {
					names = append(names, name)
				}
			case StatePromoted, StateRolledBack:
				decided = append(decided, name)
			}
		}
		m.mu.Unlock()
		for _, name := range decided {
			if err := m.nextRound(m.ctx, name); err != nil && m.ctx.Err() == nil {
				m.log.Warn("live experiment round check failed", "experiment", name, "err", err)
			}
		}
		for _, name := range names {
			if _, err := m.Evaluate(m.ctx, name); err != nil && m.ctx.Err() == nil {
				m.log.Warn("live experiment evaluation failed", "experiment", name, "err", err)
			}
		}
	}
}
