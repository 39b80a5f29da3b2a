package live

import (
	"context"
	"fmt"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/serving"
)

// roundActor is who starts a new round in the audit log.
const roundActor = "paddock:live"

// nextRound starts a new round of a promoted or rolled-back experiment
// whose alpha alias has moved to a version that is neither the one the
// last round decided on nor production's: the retraining loop hands the
// next candidate to the alpha slot, and the comparison picks it up
// without anyone editing the experiment. Fixed-version arms never move.
func (m *Manager) nextRound(ctx context.Context, name string) error {
	m.mu.Lock()
	e, err := m.get(name)
	if err != nil || (e.st.State != StatePromoted && e.st.State != StateRolledBack) {
		m.mu.Unlock()
		return err
	}
	spec, ended := e.spec, e.st.EndedAlpha
	if ended == 0 {
		ended = e.st.PromotedVersion // decided before rounds were kept
	}
	m.mu.Unlock()
	if _, fixed := config.ArmVersion(spec.Alpha); fixed {
		return nil
	}
	alphaV, err := m.resolve(ctx, spec.Model, spec.Alpha)
	if err != nil {
		return nil // alpha unset: nothing to compare yet
	}
	prodV, err := m.resolve(ctx, spec.Model, spec.Production)
	if err != nil || alphaV == ended || alphaV == prodV || ended == 0 {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, err = m.get(name); err != nil || (e.st.State != StatePromoted && e.st.State != StateRolledBack) {
		return err // decided on or changed meanwhile
	}
	from := e.st.State
	e.st.State = StateRunning
	e.st.Reason = fmt.Sprintf("alpha moved to v%d: a new round compares it with production (v%d)", alphaV, prodV)
	e.st.Step, e.st.StepStarted, e.st.RoundStarted = 0, m.now(), m.now()
	e.st.PreviousVersion, e.st.PromotedVersion = 0, 0
	e.counters = &serving.ExperimentCounters{} // the routing installed next counts this round
	return m.decideLocked(ctx, registry.Caller{Actor: roundActor}, e, "live.experiment.round",
		map[string]any{"from": from, "alpha_version": alphaV, "production_version": prodV, "previous_alpha_version": ended})
}
