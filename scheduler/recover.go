package scheduler

import (
	"context"
)

// orphanReason is why a run left by a dead process is failed.
const orphanReason = "Paddock stopped while the run was executing"

// recoverOrphans fails the runs that a process no longer holding the
// lease left RUNNING (it died, or lost the lease and stopped them): their
// tracked runs are ended FAILED, and a command still running on this host
// is killed with its process group.
func (s *Scheduler) recoverOrphans(ctx context.Context) {
	orphans, err := s.st.orphans(ctx)
	if err != nil {
		s.log.Error("training: list runs left running", "err", err)
		return
	}
	// Once a command is killed, recording it must finish, shutdown or not.
	ctx = context.WithoutCancel(ctx)
	for _, o := range orphans {
		reason := orphanReason
		if o.host == s.host && killOrphan(o.pid, o.pidStart) {
			reason += "; its command, still running, was killed"
		}
		now := s.now()
		ok, err := s.st.failOrphan(ctx, o.id, reason, now)
		if err != nil || !ok {
			continue
		}
		s.log.Warn("training: run left running by a stopped Paddock marked failed", "run", o.id, "tracking_run", o.trackingID)
		if o.trackingID != "" {
			s.tagRun(ctx, o.trackingID, map[string]string{"paddock.failure": reason})
			if err := s.tracker.EndRun(ctx, o.trackingID, StatusFailed, now); err != nil {
				s.log.Warn("training: cannot end the tracked run", "tracking_run", o.trackingID, "err", err)
			}
		}
		s.notifyOrphan(ctx, o.id)
	}
}

// notifyOrphan tells the job's webhooks a run ended by recovery.
func (s *Scheduler) notifyOrphan(ctx context.Context, id int64) {
	r, err := s.st.getRun(ctx, id)
	if err != nil {
		return
	}
	j := s.jobs[r.Job]
	if j == nil || len(j.cfg.Notify) == 0 {
		return
	}
	s.notify.send(j.cfg.Notify, Event{Event: EventRunFinished, Time: s.now().UTC(), Job: r.Job, Model: r.Model, Run: r})
}

// handleCancelRequests stops the local runs another process was asked
// to cancel.
func (s *Scheduler) handleCancelRequests(ctx context.Context) {
	ids, err := s.st.cancelRequested(ctx)
	if err != nil {
		s.log.Error("training: list cancel requests", "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if e := s.active[id]; e != nil {
			e.cancel(errCancelled)
		}
	}
}
