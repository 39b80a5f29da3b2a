// Package serving answers predictions for registered models, inside the
// Paddock process, and follows the registry: when an alias moves, the
// version it now names is fetched, digest-checked, loaded, warmed with a
// smoke prediction and swapped in atomically, while requests already
// running finish on the old one. A version that fails to load never
// replaces a working one; the failure is recorded as an event.
//
// A prediction goes through one pipeline whatever protocol carried it
// (package codec decodes the protocols):
//
//	resolve model@alias or version → bind the input to the signature →
//	rule filters → response cache → model (directly or through the
//	adaptive batcher) → metrics and the prediction log
//
// and returns its provenance (model, version, alias, cache hit, rule,
// latency) with the outputs. Dark mode (live experiments) hooks in
// between resolving and predicting: it picks the arm and runs the shadow.
package serving

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/flavor/modeldir"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/serving/predlog"
)

// Registry is what serving needs from the model registry.
type Registry interface {
	GetModel(ctx context.Context, name string) (registry.Model, error)
	GetVersion(ctx context.Context, name string, version int64) (registry.Version, error)
	VersionByAlias(ctx context.Context, name, alias string) (registry.Version, error)
	Fetch(ctx context.Context, name string, version int64, dir string) (registry.Version, error)
	Snapshot(ctx context.Context) (registry.AliasSnapshot, error)
	Subscribe(ctx context.Context, after int64) <-chan registry.AliasEvent
}

// Options configures a Service.
type Options struct {
	Config   config.ServingConfig
	Registry Registry
	// Log receives sampled predictions; nil logs nothing.
	Log *predlog.Writer
	// Load configures model loading (Python workers).
	Load modeldir.Options
	// Shadow bounds the alpha predictions of live experiments.
	Shadow config.ShadowConfig
	// Metrics is where the serving collectors are registered; nil for none.
	Metrics prometheus.Registerer
	Logger  *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Service serves every registered model. It is safe for concurrent use.
type Service struct {
	opts    Options
	cfg     config.ServingConfig
	reg     Registry
	log     *slog.Logger
	metrics *metrics
	events  *eventLog
	shadow  *shadowPool

	mu        sync.Mutex
	endpoints map[string]*endpoint
	// published is a copy of endpoints for the request path, replaced
	// under mu on every change, so requests read it without locking.
	published atomic.Pointer[map[string]*endpoint]

	ctx    context.Context // ends when the service closes
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New starts the service: it loads the models the configuration names
// (their default alias and listed aliases, as the registry has them now)
// and follows the registry's alias feed from that point. A model that
// fails to load is reported in Events and retried on its next request;
// New fails only when the registry cannot be read.
func New(ctx context.Context, o Options) (*Service, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &Service{
		opts: o, cfg: o.Config, reg: o.Registry, log: o.Logger,
		metrics: newMetrics(o.Metrics), events: newEventLog(200, o.Now),
		endpoints: map[string]*endpoint{}, ctx: sctx, cancel: cancel,
		shadow: newShadowPool(o.Shadow),
	}
	snap, err := o.Registry.Snapshot(ctx)
	if err != nil {
		cancel()
		s.shadow.close()
		return nil, err
	}
	for name := range o.Config.Models {
		ep := s.endpointFor(name)
		for _, alias := range ep.preload() {
			h, err := ep.ensureAlias(ctx, alias)
			if err != nil {
				if !isNotFound(err) {
					s.log.Warn("model not loaded at start", "model", name, "alias", alias, "err", err)
				}
				continue
			}
			h.release() // loaded and installed; no request holds it yet
		}
	}
	s.wg.Add(2)
	go s.follow(snap.Seq)
	go s.janitor()
	return s, nil
}

// Close stops following the registry and unloads every model, waiting
// for requests in flight on each to finish.
func (s *Service) Close() error {
	s.mu.Lock()
	s.cancel() // under mu: no background load starts after this
	s.mu.Unlock()
	s.wg.Wait()
	s.shadow.close()
	s.mu.Lock()
	eps := s.endpoints
	s.endpoints = map[string]*endpoint{}
	s.published.Store(nil)
	s.mu.Unlock()
	var errs []error
	for _, ep := range eps {
		errs = append(errs, ep.close())
	}
	return errors.Join(errs...)
}

// endpointFor returns the model's endpoint, creating it (without loading
// anything) on first use.
func (s *Service) endpointFor(name string) *endpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := s.endpoints[name]
	if ep == nil {
		mc, ok := s.cfg.Models[name]
		if !ok {
			mc = config.DefaultServedModel()
		}
		ep = newEndpoint(s, name, mc, ok)
		s.endpoints[name] = ep
		cp := maps.Clone(s.endpoints)
		s.published.Store(&cp)
	}
	return ep
}

// existing returns the model's endpoint if it has one.
func (s *Service) existing(name string) *endpoint {
	if m := s.published.Load(); m != nil {
		return (*m)[name]
	}
	return nil
}

// follow applies the registry's alias moves to the loaded models, from
// feed position after, until the service closes.
func (s *Service) follow(after int64) {
	defer s.wg.Done()
	for ev := range s.reg.Subscribe(s.ctx, after) {
		if ep := s.existing(ev.Model); ep != nil {
			ep.enqueue(ev)
		}
	}
}

// janitor unloads versions that no alias names and no request has used
// for UnloadAfter.
func (s *Service) janitor() {
	defer s.wg.Done()
	every := min(max(s.cfg.UnloadAfter.Std()/4, time.Second), time.Minute)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		eps := make([]*endpoint, 0, len(s.endpoints))
		for _, ep := range s.endpoints {
			eps = append(eps, ep)
		}
		s.mu.Unlock()
		cutoff := s.opts.Now().Add(-s.cfg.UnloadAfter.Std())
		for _, ep := range eps {
			ep.unloadIdle(cutoff)
		}
	}
}
