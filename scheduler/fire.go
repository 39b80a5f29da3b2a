package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"
)

var (
	errBusy      = errors.New("the job is running and its concurrency policy is skip")
	errQueueFull = fmt.Errorf("the job already has %d queued runs", maxQueued)
)

// lateness is how late a scheduled fire may be and still count as on
// time (a slow tick, a lease taken over); a later one was missed and
// follows the catch-up policy.
func (s *Scheduler) lateness() time.Duration {
	return max(time.Minute, 2*s.cfg.Lease.TTL.Std())
}

// state returns a job's persistent state, cached while the lease is held.
func (s *Scheduler) state(ctx context.Context, j *job, now time.Time) (*jobState, error) {
	s.mu.Lock()
	js := s.states[j.name]
	s.mu.Unlock()
	if js != nil {
		return js, nil
	}
	loaded, err := s.st.loadJobState(ctx, j.name, now)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.states[j.name] = &loaded
	s.mu.Unlock()
	return &loaded, nil
}

// checkSchedule fires a job whose schedule is due and returns its next
// fire time. The first sight of a job only records "now": a new job does
// not fire for the past. A fire later than lateness(), or more than one
// due at once, was missed: catch_up decides between one run now and
// none.
func (s *Scheduler) checkSchedule(ctx context.Context, j *job, now time.Time) time.Time {
	if j.sched == nil {
		return time.Time{}
	}
	js, err := s.state(ctx, j, now)
	if err != nil {
		s.log.Error("training: read job state", "job", j.name, "err", err)
		return now.Add(time.Minute)
	}
	if js.lastFire.IsZero() {
		return s.advance(ctx, j, js, now, now)
	}
	due := j.next(js.lastFire)
	if due.After(now) {
		return due
	}
	if now.Sub(due) <= s.lateness() && j.next(due).After(now) {
		s.fireLogged(ctx, j, FiredBySchedule, due.UTC().Format(time.RFC3339), now)
		return s.advance(ctx, j, js, due, now)
	}
	if s.cfg.CatchUp == "run_once" {
		s.fireLogged(ctx, j, FiredByCatchUp, "missed fires since "+due.UTC().Format(time.RFC3339), now)
	} else {
		s.log.Warn("training: missed scheduled fires skipped (catch_up: skip)", "job", j.name, "since", due)
	}
	return s.advance(ctx, j, js, now, now)
}

// advance records the schedule position and returns the next fire.
func (s *Scheduler) advance(ctx context.Context, j *job, js *jobState, to, now time.Time) time.Time {
	if err := s.st.setLastFire(ctx, j.name, to, now); err != nil {
		s.log.Error("training: record fire", "job", j.name, "err", err)
	}
	js.lastFire = to
	return j.next(to)
}

// pollDue advances a trigger's poll time when it is due and then reads
// the job's state; ok is false when it is not due yet or the state
// cannot be read. next is when to look again.
func (s *Scheduler) pollDue(ctx context.Context, j *job, at *time.Time, every time.Duration, now time.Time) (next time.Time, js *jobState, ok bool) {
	s.mu.Lock()
	due := !now.Before(*at)
	if due {
		*at = now.Add(every)
	}
	next = *at
	s.mu.Unlock()
	if !due {
		return next, nil, false
	}
	js, err := s.state(ctx, j, now)
	if err != nil {
		s.log.Error("training: read job state", "job", j.name, "err", err)
		return next, nil, false
	}
	return next, js, true
}

// checkData fires a job whose watched data changed since it last looked
// and returns when to look next. The first look records the digest only.
func (s *Scheduler) checkData(ctx context.Context, j *job, now time.Time) time.Time {
	if !j.watchesData() {
		return time.Time{}
	}
	next, js, ok := s.pollDue(ctx, j, &j.nextDataPoll, j.cfg.Triggers.NewData.Poll.Std(), now)
	if !ok {
		return next
	}
	digest, err := s.dataDigest(ctx, j.cfg.Triggers.NewData)
	if err != nil {
		s.log.Warn("training: cannot read watched data", "job", j.name, "err", err)
		return next
	}
	if digest == js.dataDigest {
		return next
	}
	if js.dataDigest != "" {
		// Recorded only when the run is queued: data that arrives while a
		// skip-policy job runs fires it once it is free.
		if _, err := s.fire(ctx, j, FiredByNewData, digest, now); err != nil {
			s.log.Info("training: new data, not fired", "job", j.name, "reason", err)
			return next
		}
	}
	if err := s.st.setDataDigest(ctx, j.name, digest, now); err != nil {
		s.log.Error("training: record data digest", "job", j.name, "err", err)
	}
	js.dataDigest = digest
	return next
}

// checkFeedback fires a job once min_rows feedback rows arrived since it
// last started, and returns when to count next. Feedback rows carry no
// model (and predictions are stored in segments, 0006), so every row
// counts, whatever model it labels.
func (s *Scheduler) checkFeedback(ctx context.Context, j *job, now time.Time) time.Time {
	if !j.watchesFeedback() {
		return time.Time{}
	}
	next, js, ok := s.pollDue(ctx, j, &j.nextFeedbackPoll, j.cfg.Triggers.Feedback.Poll.Std(), now)
	if !ok {
		return next
	}
	if !js.feedbackMark.Valid {
		s.markFeedback(ctx, j, js, now)
		return next
	}
	n, err := s.st.newFeedback(ctx, js.feedbackMark.Int64, j.cfg.Triggers.Feedback.MinRows)
	if err != nil {
		s.log.Warn("training: count feedback", "job", j.name, "err", err)
		return next
	}
	if n >= j.cfg.Triggers.Feedback.MinRows {
		s.fireLogged(ctx, j, FiredByFeedback, fmt.Sprintf("%d new feedback rows", n), now)
	}
	return next
}

// markFeedback records the feedback seen so far: counting starts anew.
func (s *Scheduler) markFeedback(ctx context.Context, j *job, js *jobState, now time.Time) {
	mark, err := s.st.feedbackMark(ctx)
	if err == nil {
		err = s.st.setFeedbackMark(ctx, j.name, mark, now)
	}
	if err != nil {
		s.log.Error("training: record feedback mark", "job", j.name, "err", err)
		return
	}
	js.feedbackMark.Int64, js.feedbackMark.Valid = mark, true
}

func (s *Scheduler) fireLogged(ctx context.Context, j *job, by, detail string, now time.Time) {
	if id, err := s.fire(ctx, j, by, detail, now); err != nil {
		s.log.Info("training: fire not run", "job", j.name, "fired_by", by, "reason", err)
	} else {
		s.log.Info("training: job fired", "job", j.name, "fired_by", by, "run", id)
	}
}

// fire queues a run of the job, following its concurrency policy: with
// skip, a job that has a queued or running run is not fired again; with
// queue, at most maxQueued runs wait.
func (s *Scheduler) fire(ctx context.Context, j *job, by, detail string, now time.Time) (int64, error) {
	s.fireMu.Lock()
	defer s.fireMu.Unlock()
	running, queued, err := s.st.activeCounts(ctx, j.name)
	if err != nil {
		return 0, err
	}
	if running+queued > 0 {
		if err := s.refuseFire(j, queued); err != nil {
			return 0, err
		}
	}
	return s.st.insertRun(ctx, j, by, detail, now)
}

// refuseFire applies the concurrency policy to a job that has runs.
func (s *Scheduler) refuseFire(j *job, queued int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case j.cfg.Concurrency != "queue":
		j.skipped++
		return errBusy
	case queued >= maxQueued:
		j.dropped++
		return errQueueFull
	}
	return nil
}

// startQueued starts the oldest queued run of every job that has none
// running here.
func (s *Scheduler) startQueued(ctx context.Context) {
	queued, err := s.st.queuedRuns(ctx)
	if err != nil {
		s.log.Error("training: list queued runs", "err", err)
		return
	}
	for _, r := range queued {
		s.mu.Lock()
		j, busy, closed := s.jobs[r.Job], s.byJob[r.Job] != nil, s.closed
		s.mu.Unlock()
		if closed {
			return
		}
		if busy {
			continue
		}
		now := s.now()
		if j == nil {
			s.dropUnknown(ctx, r, now)
			continue
		}
		ok, err := s.st.claim(ctx, r.ID, now)
		if err != nil || !ok {
			continue
		}
		if j.watchesFeedback() {
			if js, err := s.state(ctx, j, now); err == nil {
				s.markFeedback(ctx, j, js, now)
			}
		}
		r.Status, r.StartedAt = StatusRunning, &now
		s.startExecution(j, r)
	}
}

// dropUnknown ends a queued run of a job the configuration no longer has.
func (s *Scheduler) dropUnknown(ctx context.Context, r RunInfo, now time.Time) {
	if ok, err := s.st.claim(ctx, r.ID, now); err == nil && ok {
		_ = s.st.finish(ctx, r.ID, outcome{status: StatusFailed, reason: "job " + r.Job + " is no longer configured"}, now)
	}
}
