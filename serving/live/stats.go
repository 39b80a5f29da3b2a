package live

import (
	"context"
	"sync"
	"time"

	"github.com/paddockml/paddock/serving/live/compare"
	"github.com/paddockml/paddock/serving/predlog"
)

// maxCompared bounds the requests one statistics call reads, newest
// window first; beyond it the figures describe the most recent ones.
const maxCompared = 200_000

// readings caches how to read each version's outputs.
type readings struct {
	mu sync.Mutex
	m  map[modelVersion]reading
}

type modelVersion struct {
	model   string
	version int64
}

// readingOf returns the task and classes of a version, from the loaded
// model (loading it if needed).
func (m *Manager) readingOf(ctx context.Context, model string, version int64) reading {
	m.readings.mu.Lock()
	r, ok := m.readings.m[modelVersion{model, version}]
	m.readings.mu.Unlock()
	if ok {
		return r
	}
	d, err := m.srv.Describe(ctx, model, "", version)
	if err != nil {
		return reading{}
	}
	r = reading{task: d.Signature.Task, classes: d.Signature.Classes}
	m.readings.mu.Lock()
	if m.readings.m == nil {
		m.readings.m = map[modelVersion]reading{}
	}
	m.readings.m[modelVersion{model, version}] = r
	m.readings.mu.Unlock()
	return r
}

// Stats compares the arms of an experiment over the window before now
// (the experiment's rules.window when window is 0).
func (m *Manager) Stats(ctx context.Context, name string, window time.Duration) (compare.Report, error) {
	m.mu.Lock()
	e, err := m.get(name)
	if err != nil {
		m.mu.Unlock()
		return compare.Report{}, err
	}
	spec, share, round := e.spec, e.alphaShare(), e.st.RoundStarted
	m.mu.Unlock()
	if window <= 0 {
		window = spec.Rules.Window.Std()
	}
	since := m.now().Add(-window)
	if since.Before(round) {
		since = round // an earlier round compared another alpha
	}
	byRequest := map[string]*armsOf{}
	var order []string
	err = m.preds.Scan(ctx, predlog.Filter{Model: spec.Model, ExperimentID: name, Since: since}, func(p *predlog.Entry) error {
		a := byRequest[p.RequestID]
		if a == nil {
			if len(order) >= maxCompared {
				return nil
			}
			a = &armsOf{}
			byRequest[p.RequestID] = a
			order = append(order, p.RequestID)
		}
		ans := answerOf(p, m.readingOf(ctx, p.Model, p.Version))
		switch p.Arm {
		case predlog.ArmShadow:
			a.shadow, a.hasShadow = ans, true
		case predlog.ArmAlpha:
			a.alpha, a.hasAlpha = ans, true
		default:
			a.prod, a.hasProd = ans, true
		}
		return nil
	})
	if err != nil {
		return compare.Report{}, err
	}
	labels, err := m.labelsSince(ctx, since)
	if err != nil {
		return compare.Report{}, err
	}
	if spec.Mode == "shadow" {
		return compare.ComparePairs(pairsOf(order, byRequest, labels)), nil
	}
	return compare.CompareSplit(singlesOf(order, byRequest, labels), share), nil
}

// armsOf gathers one request's logged arms.
type armsOf struct {
	prod, alpha, shadow          compare.Answer
	hasProd, hasAlpha, hasShadow bool
}

func pairsOf(order []string, by map[string]*armsOf, labels map[string]*compare.Label) []compare.Pair {
	out := make([]compare.Pair, 0, len(order))
	for _, id := range order {
		a := by[id]
		if !a.hasProd {
			continue // a shadow whose production row fell outside the window
		}
		p := compare.Pair{RequestID: id, Prod: a.prod, Alpha: a.shadow, Label: labels[id]}
		if !a.hasShadow {
			p.Alpha = compare.Answer{Missing: true} // dropped under load or timed out
		}
		out = append(out, p)
	}
	return out
}

func singlesOf(order []string, by map[string]*armsOf, labels map[string]*compare.Label) []compare.Single {
	out := make([]compare.Single, 0, len(order))
	for _, id := range order {
		a := by[id]
		switch {
		case a.hasAlpha:
			out = append(out, compare.Single{Arm: predlog.ArmAlpha, Answer: a.alpha, Label: labels[id]})
		case a.hasProd:
			out = append(out, compare.Single{Arm: predlog.ArmProduction, Answer: a.prod, Label: labels[id]})
		}
	}
	return out
}
