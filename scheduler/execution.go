package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Why a run's context ended early.
var (
	errCancelled = errors.New("cancelled")
	errShutdown  = errors.New("paddock shut down during the run")
	errLeaseLost = errors.New("this Paddock lost the scheduler lease during the run")
	errTimeout   = errors.New("timed out")
)

// execution is a run going on in this process.
type execution struct {
	id     int64
	job    *job
	info   RunInfo
	tail   *logTail
	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{}

	// Set by the run's goroutine only.
	trackingIDs []string
	baseline    *ModelVersion
	baselineErr error // the gate fails rather than compare with nothing
	events      []event
}

func (s *Scheduler) startExecution(j *job, r RunInfo) {
	ctx, cancel := context.WithCancelCause(s.ctx)
	e := &execution{id: r.ID, job: j, info: r, tail: newLogTail(s.cfg.LogTail), ctx: ctx, cancel: cancel, done: make(chan struct{})}
	s.mu.Lock()
	s.active[e.id] = e
	s.byJob[j.name] = e
	if s.closed {
		cancel(errShutdown) // Close began while this run was being claimed
	}
	s.mu.Unlock()
	s.runWG.Add(1)
	go s.run(e)
}

// run takes a fire through its attempts, the gate and registration, and
// records how it ended.
func (s *Scheduler) run(e *execution) {
	defer s.runWG.Done()
	defer s.retire(e)
	o := s.attempts(e)
	wctx := context.WithoutCancel(e.ctx)
	if o.status == StatusFinished {
		s.judge(wctx, e, &o)
	}
	e.tail.Line("run %d %s%s", e.id, o.status, suffix(o.reason))
	if err := s.st.finish(wctx, e.id, o, s.now()); err != nil {
		s.log.Error("training: record run end", "run", e.id, "err", err)
	}
	s.log.Info("training: run ended", "job", e.job.name, "run", e.id, "status", o.status, "reason", o.reason)
	s.sendEvents(wctx, e, o)
}

func suffix(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}

// retire moves a finished execution to the recent tails and lets the
// loop start what was queued behind it.
func (s *Scheduler) retire(e *execution) {
	e.cancel(nil)
	e.tail.close()
	s.mu.Lock()
	delete(s.active, e.id)
	if s.byJob[e.job.name] == e {
		delete(s.byJob, e.job.name)
	}
	s.recent = append(s.recent, e)
	if len(s.recent) > recentTails {
		s.recent = s.recent[1:]
	}
	after := s.afterRun
	s.mu.Unlock()
	close(e.done)
	s.poke()
	if after != nil {
		after(e.id)
	}
}

// attempts runs the command until an attempt succeeds, the retries are
// spent, or the run is cancelled.
func (s *Scheduler) attempts(e *execution) outcome {
	e.baseline = s.baselineVersion(e)
	retries := e.job.cfg.Retries.Max
	for n := 1; ; n++ {
		o := s.attempt(e, n)
		if o.status != StatusFailed || n > retries || e.ctx.Err() != nil {
			return o
		}
		delay := e.job.retryDelay(n)
		msg := fmt.Sprintf("attempt %d of %d failed (%s); retrying in %s", n, retries+1, o.reason, delay)
		e.tail.Line("%s", msg)
		_ = s.st.setReason(context.WithoutCancel(e.ctx), e.id, msg)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-e.ctx.Done():
			t.Stop()
			return cancelledOutcome(e.ctx, o)
		}
	}
}

// cancelledOutcome is how a run stopped between attempts ends.
func cancelledOutcome(ctx context.Context, last outcome) outcome {
	cause := context.Cause(ctx)
	if errors.Is(cause, errCancelled) {
		return outcome{status: StatusKilled, reason: "cancelled", exitCode: last.exitCode}
	}
	return outcome{status: StatusFailed, reason: cause.Error(), exitCode: last.exitCode}
}

// baselineVersion reads the version the gate compares with, once per
// fire: the command is told it, so that it can evaluate that very
// version on its own data.
func (s *Scheduler) baselineVersion(e *execution) *ModelVersion {
	c := e.job.cfg
	v, found, err := s.reg.AliasVersion(e.ctx, c.Model, c.Gate.Compare.Against)
	if err != nil {
		s.log.Warn("training: cannot read the baseline version", "job", e.job.name, "alias", c.Gate.Compare.Against, "err", err)
		e.tail.Line("cannot read %s@%s: %v", c.Model, c.Gate.Compare.Against, err)
		e.baselineErr = err
		return nil
	}
	if !found {
		return nil
	}
	return &v
}
