package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/sqldb"
)

// Deps are what seeding writes to.
type Deps struct {
	DB        *sqldb.DB
	Artifacts artifact.Store
	// Now is the clock the demo's story is told back from; nil is
	// time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Outcome says what Seed found and did.
type Outcome int

// The outcomes of Seed.
const (
	// Created: the store was empty and now holds the demo.
	Created Outcome = iota + 1
	// AlreadySeeded: an earlier start seeded this store.
	AlreadySeeded
	// NotEmpty: the store holds someone's data; nothing was written.
	NotEmpty
)

func (o Outcome) String() string {
	switch o {
	case Created:
		return "created"
	case AlreadySeeded:
		return "already seeded"
	case NotEmpty:
		return "store not empty"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Actor names the demo in the audit log and on what it creates.
const Actor = "system:demo"

// markerAction is the audit event that records a seeded store.
const markerAction = "demo.seed"

// Seed fills an empty store with the demo project and records that it
// did; a store seeded before, or holding anything else, is left as it
// is. It must run before serving starts following the registry: it
// writes through registry and tracking services of its own, whose clock
// dates the runs and versions over the past days.
func Seed(ctx context.Context, d Deps) (Outcome, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if seeded, err := Seeded(ctx, d.DB); err != nil || seeded {
		return AlreadySeeded, err
	}
	empty, err := storeEmpty(ctx, d.DB)
	if err != nil || !empty {
		return NotEmpty, err
	}
	m, err := readManifest()
	if err != nil {
		return 0, err
	}
	s := newSeeder(d)
	if err := s.seed(ctx, m); err != nil {
		return 0, fmt.Errorf("seed the demo: %w", err)
	}
	return Created, nil
}

// Seeded reports whether the demo was seeded into this store.
func Seeded(ctx context.Context, db *sqldb.DB) (bool, error) {
	page, err := audit.New(db, nil).List(ctx, audit.Query{Action: markerAction, Limit: 1})
	if err != nil {
		return false, fmt.Errorf("look for the demo's marker: %w", err)
	}
	return len(page.Events) > 0, nil
}

// storeEmpty reports whether the store holds nothing anyone made: no
// experiment but MLflow's Default, no run, no registered model, no live
// experiment and no training run. API tokens do not count (the admin
// token is made before this is asked).
func storeEmpty(ctx context.Context, db *sqldb.DB) (bool, error) {
	var n int64
	err := db.Read.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM experiments WHERE experiment_id <> 0) +
		(SELECT COUNT(*) FROM runs) +
		(SELECT COUNT(*) FROM registered_models) +
		(SELECT COUNT(*) FROM live_experiments) +
		(SELECT COUNT(*) FROM training_runs)`).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check that the store is empty: %w", err)
	}
	return n == 0, nil
}

// clock is the seeder's settable clock: each step of the story sets the
// time it happened at before writing it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// seeder writes the demo through services of its own on a story clock.
type seeder struct {
	d        Deps
	base     time.Time
	clk      *clock
	tracking *experiments.Service
	models   *registry.Service
	audit    *audit.Log
	// runs maps a run's key to its id once created.
	runs map[string]seededRun
}

type seededRun struct {
	id  string
	end time.Time
}

func newSeeder(d Deps) *seeder {
	base := d.Now()
	clk := &clock{t: base}
	tracking := experiments.New(d.DB, clk.now)
	auditLog := audit.New(d.DB, clk.now)
	return &seeder{d: d, base: base, clk: clk, tracking: tracking, audit: auditLog, runs: map[string]seededRun{}}
}

func (s *seeder) seed(ctx context.Context, m *manifest) error {
	models, err := registry.New(registry.Options{DB: s.d.DB, Artifacts: s.d.Artifacts, Runs: s.tracking,
		Audit: s.audit, Now: s.clk.now, Logger: s.d.Logger})
	if err != nil {
		return err
	}
	s.models = models
	expIDs, err := s.createExperiments(ctx, m.Experiments)
	if err != nil {
		return err
	}
	for _, r := range m.Runs {
		if err := s.createRun(ctx, expIDs, r); err != nil {
			return fmt.Errorf("run %s: %w", r.Key, err)
		}
	}
	for _, md := range m.Models {
		if err := s.registerModel(ctx, md); err != nil {
			return fmt.Errorf("model %s: %w", md.Name, err)
		}
	}
	return s.mark(ctx, m)
}

// mark records the seeding in the audit log, last, so that a seeding
// cut short is not taken for a finished one.
func (s *seeder) mark(ctx context.Context, m *manifest) error {
	s.clk.set(s.base)
	summary, _ := json.Marshal(map[string]any{"experiments": len(m.Experiments), "runs": len(m.Runs),
		"models": len(m.Models), "generated_by": m.GeneratedBy, "libraries": m.Libraries})
	return s.audit.Append(ctx, audit.Event{Actor: Actor, Action: markerAction,
		Resource: audit.Resource{Kind: "demo", ID: "paddock-demo"}, After: summary,
		Reason: "first start on an empty store; turn the demo off with --no-demo or PADDOCK_DEMO=false"})
}
