package serving

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/modeldir"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/serving/filters"
)

// endpoint serves one registered model: its installed aliases, its
// loaded versions, its filters and its cache.
//
// Requests read the alias table through an atomic pointer and never
// lock. Every change (installing an alias, applying a feed event,
// loading or unloading a version) happens under mu, so changes are
// applied one at a time and in feed order, and a lazy install that reads
// the registry under mu can never overwrite a newer move (the follower
// applies that move after it, under the same lock).
type endpoint struct {
	svc        *Service
	name       string
	cfg        config.ServedModelConfig
	configured bool // named in serving.models: loaded at start, kept loaded
	rules      *filters.RuleSet
	cache      *filters.Cache[[]flavor.Tensor]
	series     sync.Map // seriesKey → *series

	table atomic.Pointer[aliasTable]
	exp   atomic.Pointer[Experiment] // the live experiment routing the model's traffic, if any

	mu       sync.Mutex
	versions map[int64]*handle // every loaded version; each holds one reference
	failed   map[int64]failure // recent load failures, not retried at once

	queueMu sync.Mutex
	queue   []registry.AliasEvent
	kick    chan struct{}
	done    chan struct{}
}

// aliasTable is an immutable map from alias to its loaded version.
type aliasTable struct {
	aliases map[string]*handle
}

// failure is a load failure remembered to avoid reloading on every
// request of a broken version.
type failure struct {
	err error
	at  time.Time
}

// retryAfter is how long a version that failed to load is not retried.
const retryAfter = 10 * time.Second

func newEndpoint(s *Service, name string, cfg config.ServedModelConfig, configured bool) *endpoint {
	ep := &endpoint{svc: s, name: name, cfg: cfg, configured: configured,
		versions: map[int64]*handle{}, failed: map[int64]failure{},
		kick: make(chan struct{}, 1), done: make(chan struct{})}
	ep.table.Store(&aliasTable{aliases: map[string]*handle{}})
	// The configuration was validated at load: Compile cannot fail here.
	ep.rules, _ = filters.Compile(cfg.Filters)
	if cfg.Cache.Enabled {
		ep.cache = filters.NewCache[[]flavor.Tensor](filters.CacheOptions{
			MaxEntries: cfg.Cache.MaxEntries, MaxBytes: int64(cfg.Cache.MaxBytes), TTL: cfg.Cache.TTL.Std()})
	}
	go ep.applyLoop()
	return ep
}

// preload lists the aliases loaded at start: the default alias and the
// configured ones.
func (ep *endpoint) preload() []string {
	out := []string{ep.svc.cfg.DefaultAlias}
	for _, a := range ep.cfg.Aliases {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// batching reports whether versions of flavor fl predict through the
// adaptive batcher.
func (ep *endpoint) batching(fl string) bool {
	switch ep.cfg.Batching.Mode {
	case "on":
		return true
	case "off":
		return false
	}
	return fl == modeldir.ONNX || fl == modeldir.Python
}

// acquireAlias returns the version alias names, with a reference the
// caller releases. The first request for an alias loads it.
func (ep *endpoint) acquireAlias(ctx context.Context, alias string) (*handle, error) {
	if h := ep.table.Load().aliases[alias]; h != nil && h.acquire() {
		return h, nil
	}
	return ep.ensureAlias(ctx, alias)
}

// ensureAlias installs alias (reading the registry) if it is not, and
// returns its version with a reference taken.
func (ep *endpoint) ensureAlias(ctx context.Context, alias string) (*handle, error) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if h := ep.table.Load().aliases[alias]; h != nil && h.acquire() {
		return h, nil
	}
	v, err := ep.svc.reg.VersionByAlias(ctx, ep.name, alias)
	if err != nil {
		return nil, err
	}
	h, err := ep.versionLocked(ctx, v.Version)
	if err != nil {
		return nil, err
	}
	ep.setAliasLocked(alias, h)
	h.acquire() // under mu nothing can drop the installed reference
	return h, nil
}

// acquireVersion returns a version by number, loading it if needed.
func (ep *endpoint) acquireVersion(ctx context.Context, version int64) (*handle, error) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	h, err := ep.versionLocked(ctx, version)
	if err != nil {
		return nil, err
	}
	h.acquire()
	h.byNumber.Store(true)
	return h, nil
}

// versionLocked returns the loaded version, loading it when needed.
func (ep *endpoint) versionLocked(ctx context.Context, version int64) (*handle, error) {
	if h := ep.versions[version]; h != nil {
		return h, nil
	}
	if f, ok := ep.failed[version]; ok && time.Since(f.at) < retryAfter {
		return nil, f.err
	}
	h, err := ep.load(ctx, version)
	if err != nil {
		if errs.Is(err, errs.Unavailable) {
			ep.failed[version] = failure{err: err, at: time.Now()}
		}
		return nil, err
	}
	delete(ep.failed, version)
	ep.versions[version] = h
	ep.svc.metrics.loaded.Inc()
	return h, nil
}

// setAliasLocked points alias at h (nil removes it) with one atomic
// store, then unloads the version it named if nothing else needs it.
func (ep *endpoint) setAliasLocked(alias string, h *handle) {
	old := ep.table.Load()
	prev := old.aliases[alias]
	if prev == h {
		return
	}
	next := maps.Clone(old.aliases)
	if h == nil {
		delete(next, alias)
	} else {
		next[alias] = h
	}
	ep.table.Store(&aliasTable{aliases: next})
	if prev != nil {
		ep.svc.events.add(Event{Kind: EventSwapped, Model: ep.name, Alias: alias, Version: versionOf(h), Previous: prev.version})
		ep.unloadIfUnusedLocked(prev, false)
	}
}

func versionOf(h *handle) int64 {
	if h == nil {
		return 0
	}
	return h.version
}

// unloadIfUnusedLocked drops the endpoint's reference to h when no alias
// names it; requests in flight keep it open until they finish. Unless
// force, a version used by number in the last UnloadAfter stays.
func (ep *endpoint) unloadIfUnusedLocked(h *handle, force bool) {
	for _, a := range ep.table.Load().aliases {
		if a == h {
			return
		}
	}
	if !force && time.Since(time.Unix(0, h.lastUsed.Load())) < ep.svc.cfg.UnloadAfter.Std() && h.byNumber.Load() {
		return
	}
	if ep.versions[h.version] == h {
		delete(ep.versions, h.version)
		ep.svc.metrics.loaded.Dec()
		ep.svc.events.add(Event{Kind: EventUnloaded, Model: ep.name, Version: h.version})
		h.release()
	}
}

// unloadIdle unloads versions no alias names that were not used since
// cutoff.
func (ep *endpoint) unloadIdle(cutoff time.Time) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	for _, h := range ep.versions {
		if time.Unix(0, h.lastUsed.Load()).Before(cutoff) {
			ep.unloadIfUnusedLocked(h, true)
		}
	}
}

// enqueue hands a feed event to the endpoint's apply loop, which applies
// events one by one in feed order without holding up other models.
func (ep *endpoint) enqueue(ev registry.AliasEvent) {
	ep.queueMu.Lock()
	ep.queue = append(ep.queue, ev)
	ep.queueMu.Unlock()
	select {
	case ep.kick <- struct{}{}:
	default:
	}
}

func (ep *endpoint) applyLoop() {
	defer close(ep.done)
	for {
		select {
		case <-ep.svc.ctx.Done():
			return
		case <-ep.kick:
		}
		for {
			ep.queueMu.Lock()
			evs := ep.queue
			ep.queue = nil
			ep.queueMu.Unlock()
			if len(evs) == 0 {
				break
			}
			for _, ev := range evs {
				ep.apply(ev)
			}
		}
	}
}

// apply moves an installed alias to the version the event names. An
// alias nobody asked for is left alone (its first request reads the
// registry). When the new version fails to load, the old one keeps
// serving and the failure is an event.
func (ep *endpoint) apply(ev registry.AliasEvent) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	cur, installed := ep.table.Load().aliases[ev.Alias]
	if !installed {
		return
	}
	if ev.Version == nil {
		ep.setAliasLocked(ev.Alias, nil)
		return
	}
	if cur.version == *ev.Version {
		return
	}
	h, err := ep.versionLocked(ep.svc.ctx, *ev.Version)
	if err != nil {
		ep.svc.events.add(Event{Kind: EventSwapFailed, Model: ep.name, Alias: ev.Alias, Version: *ev.Version,
			Previous: cur.version, Message: "kept version " + strconv.FormatInt(cur.version, 10) + ": " + err.Error()})
		return
	}
	ep.setAliasLocked(ev.Alias, h)
}

// close unloads every version, waiting for their requests to finish.
func (ep *endpoint) close() error {
	<-ep.done
	ep.mu.Lock()
	ep.table.Store(&aliasTable{aliases: map[string]*handle{}})
	hs := slices.Collect(maps.Values(ep.versions))
	ep.versions = map[int64]*handle{}
	ep.mu.Unlock()
	for _, h := range hs {
		h.release()
	}
	for _, h := range hs {
		<-h.closed
	}
	return nil
}

func isNotFound(err error) bool {
	return errs.Is(err, errs.NotFound) || errors.Is(err, errNotServed)
}

// errNotServed marks a request for a model serving is turned off for.
var errNotServed = errors.New("model not served")
