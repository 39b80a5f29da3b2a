package live

import (
	"context"
	"time"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/serving"
)

// The states of an experiment.
const (
	StateRunning          = "running"           // routing traffic as its mode says
	StatePaused           = "paused"            // everything to production, resumable
	StateStopped          = "stopped"           // over, without a decision
	StatePromoted         = "promoted"          // production moved to alpha's version
	StateRolledBack       = "rolled_back"       // alpha taken off traffic (and production restored if it had moved)
	StateAwaitingApproval = "awaiting_approval" // a promotion waits for an admin's approval
)

// state is what the database keeps of an experiment.
type state struct {
	State           string
	Reason          string
	Step            int
	StepStarted     time.Time
	PreviousVersion int64 // production's version before a promotion
	PromotedVersion int64
	// RoundStarted is when the current round began (zero: with the
	// experiment); statistics read no further back.
	RoundStarted time.Time
	// EndedAlpha is the alpha version the last promotion or rollback
	// decided on: a new round starts when alpha moves past it.
	EndedAlpha int64
	Updated    time.Time
}

// experiment is one experiment the manager runs.
type experiment struct {
	name     string
	spec     config.LiveExperiment
	source   string
	st       state
	counters *serving.ExperimentCounters
}

func newExperiment(name string, spec config.LiveExperiment, source string, st state) *experiment {
	if st.State == "" {
		st.State = StateRunning
	}
	return &experiment{name: name, spec: spec, source: source, st: st, counters: &serving.ExperimentCounters{}}
}

// routes reports whether the experiment sends traffic anywhere but to
// production as usual.
func (e *experiment) routes() bool {
	return e.st.State == StateRunning && !e.spec.Paused
}

// target reads an arm's "alias" or "v<N>".
func target(s string) serving.Target {
	if v, ok := config.ArmVersion(s); ok {
		return serving.Target{Version: v}
	}
	return serving.Target{Alias: s}
}

// routing is the serving.Experiment the experiment installs now.
func (e *experiment) routing() *serving.Experiment {
	sp := e.spec
	salt := sp.Salt
	if salt == "" {
		salt = e.name
	}
	x := &serving.Experiment{ID: e.name, Mode: serving.ModeShadow, Production: target(sp.Production), Alpha: target(sp.Alpha),
		SampleRate: sp.SampleRate, Salt: salt, StickyHeader: sp.Sticky.Header, StickyField: sp.Sticky.Field, Counters: e.counters}
	switch sp.Mode {
	case "split":
		x.Mode, x.AlphaPercent = serving.ModeSplit, sp.SplitPercent
	case "canary":
		step := min(e.st.Step, len(sp.Canary.Steps)-1)
		x.Mode, x.AlphaPercent = serving.ModeSplit, sp.Canary.Steps[step].Percent
	}
	return x
}

// alphaShare is the share of traffic alpha answers now, for the
// sample-ratio check; 0 in shadow mode.
func (e *experiment) alphaShare() float64 {
	switch e.spec.Mode {
	case "split":
		return e.spec.SplitPercent / 100
	case "canary":
		return e.spec.Canary.Steps[min(e.st.Step, len(e.spec.Canary.Steps)-1)].Percent / 100
	}
	return 0
}

// installLocked puts the experiment's routing into serving, or takes it
// out when the experiment does not route.
func (m *Manager) installLocked(e *experiment) {
	if e.routes() {
		m.srv.SetExperiment(e.spec.Model, e.routing())
	} else {
		m.srv.SetExperiment(e.spec.Model, nil)
	}
}

// check verifies an experiment against the registry: its model exists,
// and both arms name an alias that is set or a version that exists.
// Problems name the key.
func (m *Manager) check(ctx context.Context, key string, sp config.LiveExperiment) error {
	if _, err := m.reg.GetModel(ctx, sp.Model); err != nil {
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.Invalid, "%s.model: no registered model %q", key, sp.Model)
		}
		return err
	}
	for _, arm := range []struct{ key, val string }{{"production", sp.Production}, {"alpha", sp.Alpha}} {
		if _, err := m.resolve(ctx, sp.Model, arm.val); err != nil {
			if errs.Is(err, errs.NotFound) {
				return errs.E(errs.Invalid, "%s.%s: %v", key, arm.key, errs.Message(err))
			}
			return err
		}
	}
	return nil
}

// resolve returns the version an arm names now.
func (m *Manager) resolve(ctx context.Context, model, arm string) (int64, error) {
	t := target(arm)
	if t.Version > 0 {
		v, err := m.reg.GetVersion(ctx, model, t.Version)
		return v.Version, err
	}
	v, err := m.reg.VersionByAlias(ctx, model, t.Alias)
	if err != nil {
		return 0, err
	}
	return v.Version, nil
}
