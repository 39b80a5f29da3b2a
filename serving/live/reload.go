package live

import (
	"context"
	"errors"
	"maps"
	"os"
	"reflect"
	"slices"
	"time"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/errs"
)

// Reload re-reads the experiments from the configuration (live.file, or
// the configuration file's live section) and applies them as a whole:
// new experiments start, removed ones stop routing, changed ones take
// their new settings and keep their state. A configuration with any
// problem (a bad key, an unknown model, an alias that is not set) is
// refused with every problem and its key path, and the experiments
// running stay as they are.
func (m *Manager) Reload(ctx context.Context) ([]View, error) {
	next, err := m.readConfig()
	if err == nil {
		err = m.checkAll(ctx, next)
	}
	if err != nil {
		m.mu.Lock()
		m.lastError = err.Error()
		m.mu.Unlock()
		m.log.Error("live experiments reload refused; the running ones stay", "err", err)
		return nil, errs.Wrap(errs.Invalid, err, "reload refused, the running experiments stay: %v", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastError = ""
	for name := range m.fromFile {
		if _, still := next[name]; !still {
			if e := m.exps[name]; e != nil && e.source == SourceConfig {
				m.srv.SetExperiment(e.spec.Model, nil)
				delete(m.exps, name)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(next)) {
		spec := next[name]
		e := m.exps[name]
		switch {
		case e == nil:
			e = newExperiment(name, spec, SourceConfig, state{StepStarted: m.now()})
			m.exps[name] = e
		case e.source == SourceAPI:
			m.srv.SetExperiment(e.spec.Model, nil) // the file takes the name over
			e.source, e.spec = SourceConfig, spec
		case !reflect.DeepEqual(e.spec, spec):
			if e.spec.Model != spec.Model {
				m.srv.SetExperiment(e.spec.Model, nil)
			}
			e.spec = spec
		}
		m.installLocked(e)
	}
	m.fromFile = maps.Clone(next)
	out := make([]View, 0, len(m.exps))
	for _, name := range slices.Sorted(maps.Keys(m.exps)) {
		out = append(out, m.viewLocked(m.exps[name]))
	}
	m.log.Info("live experiments reloaded", "experiments", len(next))
	return out, nil
}

// readConfig reads the experiments the configuration holds now.
func (m *Manager) readConfig() (map[string]config.LiveExperiment, error) {
	if m.opts.Config.File != "" {
		return config.ReadLiveFile(m.opts.Config.File)
	}
	if m.opts.Reload == nil {
		return maps.Clone(m.opts.Config.Experiments), nil
	}
	c, err := m.opts.Reload()
	if err != nil {
		return nil, err
	}
	return c.Experiments, nil
}

// checkAll checks every experiment against the registry, collecting
// every problem.
func (m *Manager) checkAll(ctx context.Context, exps map[string]config.LiveExperiment) error {
	var problems []error
	for _, name := range slices.Sorted(maps.Keys(exps)) {
		if err := m.check(ctx, "live.experiments."+name, exps[name]); err != nil {
			problems = append(problems, err)
		}
	}
	return errors.Join(problems...)
}

// watch reloads when the experiments file changes (polled: it works on
// every filesystem, including the bind mounts of containers).
func (m *Manager) watch(path string) {
	defer m.wg.Done()
	last := stamp(path)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-t.C:
		}
		if now := stamp(path); now != last {
			last = now
			if _, err := m.Reload(m.ctx); err != nil {
				m.log.Error("experiments file changed but was refused", "file", path, "err", err)
			}
		}
	}
}

type fileStamp struct {
	mod  time.Time
	size int64
}

func stamp(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi.ModTime(), fi.Size()}
}
