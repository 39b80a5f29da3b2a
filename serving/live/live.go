// Package live runs live experiments (dark mode): an alpha version of a
// model beside production on real traffic, compared, and promoted or
// rolled back in one step.
//
// The experiments come from the configuration file (the source of truth
// for the names it holds) or the API. The Manager checks them against
// the registry, installs each one's routing into serving (shadow, split
// or canary), computes comparison statistics from the prediction log and
// the feedback table, and applies the experiment's rules on a timer:
// canary steps advance, a failing alpha is rolled back, a winning one
// promoted when the rules allow it. Every decision is in the audit log
// with the statistics that justified it.
package live

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/serving"
	"github.com/paddockml/paddock/serving/predlog"
	"github.com/paddockml/paddock/sqldb"
)

// Registry is what live experiments need from the model registry.
type Registry interface {
	GetModel(ctx context.Context, name string) (registry.Model, error)
	GetVersion(ctx context.Context, name string, version int64) (registry.Version, error)
	VersionByAlias(ctx context.Context, name, alias string) (registry.Version, error)
	SetAlias(ctx context.Context, who registry.Caller, name, alias string, version int64, why registry.Justification) (registry.AliasResult, error)
}

// Options configures a Manager.
type Options struct {
	Config   config.LiveConfig
	DB       *sqldb.DB
	Serving  *serving.Service
	Registry Registry
	Audit    *audit.Log
	// Reload re-reads the live section of the configuration file (when
	// Config.File is empty); nil: reloading keeps the experiments given.
	Reload func() (config.LiveConfig, error)
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Manager runs the live experiments. It is safe for concurrent use.
type Manager struct {
	opts  Options
	db    *sqldb.DB
	srv   *serving.Service
	reg   Registry
	audit *audit.Log
	log   *slog.Logger
	preds *predlog.Reader
	now   func() time.Time

	mu   sync.Mutex
	exps map[string]*experiment
	// fromFile are the experiments the configuration holds now.
	fromFile map[string]config.LiveExperiment
	// lastError is the problem of the last reload that was refused.
	lastError string

	readings readings

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New starts the manager: it installs the configured and API-created
// experiments, then evaluates their rules every Config.Evaluate and,
// with Config.File, watches that file. An experiment the registry
// cannot back (an unknown model or alias) is reported and left out.
func New(ctx context.Context, o Options) (*Manager, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	mctx, cancel := context.WithCancel(context.Background())
	m := &Manager{opts: o, db: o.DB, srv: o.Serving, reg: o.Registry, audit: o.Audit, log: o.Logger,
		preds: predlog.NewReader(o.DB), now: o.Now, exps: map[string]*experiment{}, ctx: mctx, cancel: cancel}
	fileExps := o.Config.Experiments
	if o.Config.File != "" {
		var err error
		if fileExps, err = config.ReadLiveFile(o.Config.File); err != nil {
			cancel()
			return nil, err
		}
	}
	if err := m.start(ctx, fileExps); err != nil {
		cancel()
		return nil, err
	}
	m.wg.Add(1)
	go m.evaluateLoop()
	if o.Config.File != "" {
		m.wg.Add(1)
		go m.watch(o.Config.File)
	}
	return m, nil
}

// start installs the file's experiments and those stored from the API.
func (m *Manager) start(ctx context.Context, fileExps map[string]config.LiveExperiment) error {
	stored, err := m.loadStored(ctx)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fromFile = maps.Clone(fileExps)
	specs := map[string]specSource{}
	for name, st := range stored {
		if st.spec != nil {
			specs[name] = specSource{spec: *st.spec, source: SourceAPI}
		}
	}
	for name, spec := range fileExps {
		specs[name] = specSource{spec: spec, source: SourceConfig}
	}
	for _, name := range slices.Sorted(maps.Keys(specs)) {
		ss := specs[name]
		if err := m.check(ctx, "live.experiments."+name, ss.spec); err != nil {
			m.log.Error("live experiment left out", "experiment", name, "err", err)
			m.lastError = err.Error()
			continue
		}
		e := newExperiment(name, ss.spec, ss.source, stored[name].state)
		m.exps[name] = e
		m.installLocked(e)
	}
	return nil
}

// Close stops evaluating and removes every experiment's routing.
func (m *Manager) Close() {
	m.cancel()
	m.wg.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.exps {
		m.srv.SetExperiment(e.spec.Model, nil)
	}
}

type specSource struct {
	spec   config.LiveExperiment
	source string
}

// The sources of an experiment's definition.
const (
	SourceConfig = "config"
	SourceAPI    = "api"
)

// get returns an experiment by name, or NotFound.
func (m *Manager) get(name string) (*experiment, error) {
	e, ok := m.exps[name]
	if !ok {
		return nil, errs.E(errs.NotFound, "no live experiment %q", name)
	}
	return e, nil
}
