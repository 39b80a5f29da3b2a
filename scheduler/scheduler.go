// Package scheduler runs continuous training: the jobs of the training
// section of the configuration retrain a model on a cron schedule, by
// hand, when watched data changes or when feedback piles up. Each fire
// is a run of the job's command as a tracked run (MLFLOW_* and PADDOCK_*
// variables, output kept as a run artifact and tailed live), retried on
// failure, killed with its process group at its timeout. A successful
// run goes through the evaluation gate (rules on its metrics, a
// comparison with the production version, per-class metrics); a pass is
// registered and moved to alpha or proposed for production, a fail is
// registered as rejected or not at all; webhooks hear of each step.
//
// State lives in the database (migration 0008): the schedule position of
// every job, every run and the process running it, and a lease. Only the
// process holding the lease fires jobs and runs them, so several Paddock
// processes may share a database; a run left RUNNING by a process that
// died is marked FAILED (and its command killed when it runs on this
// host) when the lease is next taken.
package scheduler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/sqldb"
)

// Options configures a Scheduler.
type Options struct {
	Config   config.TrainingConfig
	DB       *sqldb.DB
	Tracker  Tracker
	Registry Registry
	// Data lists artifact-store prefixes for new_data triggers; nil
	// refuses jobs that watch a prefix (Check reports them).
	Data DataLister
	// Runner runs commands; nil is ExecRunner.
	Runner Runner
	// TrackingURI is given to commands as MLFLOW_TRACKING_URI and
	// PADDOCK_TRACKING_URI, e.g. "http://127.0.0.1:8080".
	TrackingURI string
	// TrackingToken, when set, is given as MLFLOW_TRACKING_TOKEN.
	TrackingToken string
	// Environ is the environment commands start from, before the job's
	// own; nil is os.Environ. Variables named PADDOCK_* (Paddock's
	// secrets among them) are never passed on.
	Environ func() []string
	// LogDir holds output logs while a run goes; "" is os.TempDir().
	LogDir string
	// HTTPClient posts webhooks; nil is a client with a 10s timeout.
	HTTPClient *http.Client
	// NotifyBackoff is the wait before a webhook's first retry (it
	// doubles, five attempts in all). Default 1s.
	NotifyBackoff time.Duration
	// Hostname names this host on runs; "" is os.Hostname().
	Hostname string
	// Now is the clock; nil is time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Scheduler fires and runs training jobs. It is safe for concurrent use.
type Scheduler struct {
	cfg     config.TrainingConfig
	db      *sqldb.DB
	st      store
	tracker Tracker
	reg     Registry
	data    DataLister
	runner  Runner
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	holder  string // this scheduler's name on the lease and its runs
	host    string
	notify  *notifier

	// fireMu makes a fire's concurrency check and its insert one step.
	fireMu sync.Mutex

	mu        sync.Mutex
	jobs      map[string]*job
	states    map[string]*jobState // cached while the lease is held
	active    map[int64]*execution
	byJob     map[string]*execution
	recent    []*execution // finished runs whose output can still be tailed
	held      bool
	heldUntil time.Time
	nextRenew time.Time

	// afterRun, when set (tests), is called as each run ends here.
	afterRun func(id int64)

	wake    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	loopWG  sync.WaitGroup
	runWG   sync.WaitGroup
	started bool
	closed  bool
}

// recentTails is how many finished runs keep their output in memory.
const recentTails = 16

// New checks the options and builds a scheduler; Start starts it.
func New(o Options) (*Scheduler, error) {
	if o.DB == nil || o.Tracker == nil || o.Registry == nil {
		return nil, errors.New("scheduler: DB, Tracker and Registry are required")
	}
	if o.Config.Lease.TTL <= 0 || o.Config.LogTail < 1 || o.Config.MaxLog < 1 || o.Config.KillGrace <= 0 {
		return nil, errors.New("scheduler: training configuration without its defaults (start from config.Default)")
	}
	s := &Scheduler{cfg: o.Config, db: o.DB, tracker: o.Tracker, reg: o.Registry, data: o.Data, runner: o.Runner,
		opts: o, log: o.Logger, now: o.Now, host: o.Hostname,
		jobs: map[string]*job{}, states: map[string]*jobState{}, active: map[int64]*execution{}, byJob: map[string]*execution{},
		wake: make(chan struct{}, 1)}
	s.st = store{s: s}
	if s.runner == nil {
		s.runner = ExecRunner{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.host == "" {
		s.host, _ = os.Hostname()
	}
	s.holder = holderName(s.host)
	for name, c := range o.Config.Jobs {
		j, err := compileJob(name, c)
		if err != nil {
			return nil, fmt.Errorf("scheduler: %w", err)
		}
		s.jobs[name] = j
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.notify = newNotifier(o.HTTPClient, o.NotifyBackoff, s.log)
	return s, nil
}

// holderName names this process on the lease: host, pid, the process's
// start time (so that a restarted Paddock recognises its dead self) and
// a random part (so that two schedulers in one process differ).
func holderName(host string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	start, _, _ := processStart(os.Getpid())
	return fmt.Sprintf("%s/%d/%d/%s", host, os.Getpid(), start, hex.EncodeToString(b))
}

// Start starts firing jobs (once this process holds the lease).
func (s *Scheduler) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return errors.New("scheduler: already started or closed")
	}
	s.started = true
	s.loopWG.Add(1)
	go s.loop()
	return nil
}

// Close stops firing, stops running commands (their runs are marked
// FAILED: Paddock shut down), waits for them, delivers pending webhooks
// for a few seconds and releases the lease so that another process can
// take over at once.
func (s *Scheduler) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, e := range s.active {
		e.cancel(errShutdown)
	}
	s.mu.Unlock()
	s.cancel()
	s.loopWG.Wait()
	s.runWG.Wait()
	s.notify.drain(5 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.st.releaseLease(ctx)
}

// poke wakes the loop (a run ended, a manual run was queued).
func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Scheduler) loop() {
	defer s.loopWG.Done()
	for {
		wait := s.tick(s.ctx)
		t := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// tick does what is due and returns how long to sleep.
func (s *Scheduler) tick(ctx context.Context) time.Duration {
	now := s.now()
	if !s.renewLease(ctx, now) {
		return s.untilRenew(now)
	}
	s.handleCancelRequests(ctx)
	wake := s.nextRenewTime()
	for _, name := range slices.Sorted(maps.Keys(s.jobs)) {
		j := s.jobs[name]
		if !j.cfg.Enabled {
			continue
		}
		for _, next := range []time.Time{s.checkSchedule(ctx, j, now), s.checkData(ctx, j, now), s.checkFeedback(ctx, j, now)} {
			if !next.IsZero() && next.Before(wake) {
				wake = next
			}
		}
	}
	s.startQueued(ctx)
	return max(wake.Sub(s.now()), 0)
}

func (s *Scheduler) nextRenewTime() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextRenew
}

func (s *Scheduler) untilRenew(now time.Time) time.Duration {
	return max(s.nextRenewTime().Sub(now), 0)
}

// renewLease takes or keeps the lease when due and reports whether this
// process holds it. Taking it recovers the runs a dead holder left.
func (s *Scheduler) renewLease(ctx context.Context, now time.Time) bool {
	s.mu.Lock()
	held, due := s.held, !now.Before(s.nextRenew)
	s.mu.Unlock()
	if held && !due {
		return true
	}
	ttl := s.cfg.Lease.TTL.Std()
	got, err := s.st.acquireLease(ctx, now, ttl)
	if err == nil && !got {
		got, err = s.takeFromDeadSelf(ctx, now, ttl)
	}
	s.mu.Lock()
	s.nextRenew = now.Add(ttl / 3)
	switch {
	case err != nil:
		s.log.Warn("training: cannot renew the scheduler lease", "err", err)
		got = s.held && now.Before(s.heldUntil) // keep it while it lasts
	case got:
		s.heldUntil = now.Add(ttl)
	}
	was := s.held
	s.held = got
	if !got && was {
		s.states = map[string]*jobState{}
		for _, e := range s.active {
			e.cancel(errLeaseLost)
		}
	}
	s.mu.Unlock()
	if got && !was {
		s.mu.Lock()
		s.states = map[string]*jobState{} // another holder may have moved them
		s.mu.Unlock()
		s.log.Info("training: scheduler lease taken", "holder", s.holder)
		s.recoverOrphans(ctx)
	}
	return got
}
