package live

import (
	"maps"
	"slices"
	"time"
)

// View is an experiment as the API shows it.
type View struct {
	Name       string  `json:"name"`
	Source     string  `json:"source"`
	Model      string  `json:"model"`
	Mode       string  `json:"mode"`
	Production string  `json:"production"`
	Alpha      string  `json:"alpha"`
	State      string  `json:"state"`
	Reason     string  `json:"reason,omitempty"`
	SampleRate float64 `json:"sample_rate,omitempty"`
	// AlphaPercent is the share of traffic alpha answers now (split and
	// canary).
	AlphaPercent float64 `json:"alpha_percent,omitempty"`
	// CanaryStep is the current step, from 0, in canary mode.
	CanaryStep      *int      `json:"canary_step,omitempty"`
	PreviousVersion int64     `json:"previous_version,omitempty"`
	PromotedVersion int64     `json:"promoted_version,omitempty"`
	Updated         time.Time `json:"updated"`
	// Counters are this process's routing counts since it started.
	Counters Counters `json:"counters"`
	Rules    Rules    `json:"rules"`
}

// Counters are an experiment's traffic counts in this process.
type Counters struct {
	Production    int64 `json:"production"`
	Alpha         int64 `json:"alpha"`
	Shadowed      int64 `json:"shadowed"`
	ShadowDropped int64 `json:"shadow_dropped"`
	ShadowFailed  int64 `json:"shadow_failed"`
}

// Rules are an experiment's decision rules.
type Rules struct {
	MinRequests  int      `json:"min_requests"`
	Window       string   `json:"window"`
	Promote      []string `json:"promote"`
	Rollback     []string `json:"rollback"`
	AutoPromote  bool     `json:"auto_promote"`
	AutoRollback bool     `json:"auto_rollback"`
}

func (m *Manager) viewLocked(e *experiment) View {
	sp, c := e.spec, e.counters
	v := View{Name: e.name, Source: e.source, Model: sp.Model, Mode: sp.Mode, Production: sp.Production, Alpha: sp.Alpha,
		State: e.st.State, Reason: e.st.Reason, PreviousVersion: e.st.PreviousVersion, PromotedVersion: e.st.PromotedVersion,
		Updated: e.st.Updated.UTC(),
		Counters: Counters{Production: c.Production.Load(), Alpha: c.Alpha.Load(), Shadowed: c.Shadowed.Load(),
			ShadowDropped: c.ShadowDropped.Load(), ShadowFailed: c.ShadowFailed.Load()},
		Rules: Rules{MinRequests: sp.Rules.MinRequests, Window: sp.Rules.Window.String(), Promote: nonNil(sp.Rules.Promote),
			Rollback: nonNil(sp.Rules.Rollback), AutoPromote: sp.Rules.AutoPromote, AutoRollback: sp.Rules.AutoRollback},
	}
	if e.st.State == StateRunning && sp.Paused {
		v.State = StatePaused
	}
	switch sp.Mode {
	case "shadow":
		v.SampleRate = sp.SampleRate
	case "canary":
		step := e.st.Step
		v.CanaryStep = &step
		v.AlphaPercent = e.alphaShare() * 100
	default:
		v.AlphaPercent = e.alphaShare() * 100
	}
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// List returns every experiment, by name, and the problem of the last
// refused reload ("" when the configuration in use is the latest).
func (m *Manager) List() ([]View, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]View, 0, len(m.exps))
	for _, name := range slices.Sorted(maps.Keys(m.exps)) {
		out = append(out, m.viewLocked(m.exps[name]))
	}
	return out, m.lastError
}

// Get returns one experiment.
func (m *Manager) Get(name string) (View, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.get(name)
	if err != nil {
		return View{}, err
	}
	return m.viewLocked(e), nil
}
