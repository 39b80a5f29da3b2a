package scheduler

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/paddockml/paddock/config"
)

// job is a configured job, parsed, with its trigger timing.
type job struct {
	name  string
	cfg   config.TrainingJob
	argv  []string
	sched cron.Schedule // nil when the job has no schedule
	loc   *time.Location
	gate  gateSpec

	// Guarded by Scheduler.mu.
	nextDataPoll     time.Time
	nextFeedbackPoll time.Time
	skipped          int // fires skipped by the concurrency policy since start
	dropped          int // fires dropped because the queue was full
}

// maxQueued bounds the queued runs of a job with concurrency "queue".
const maxQueued = 8

func compileJob(name string, c config.TrainingJob) (*job, error) {
	j := &job{name: name, cfg: c}
	var err error
	if j.argv, err = c.Argv(); err != nil {
		return nil, fmt.Errorf("job %s: command: %w", name, err)
	}
	if j.loc, err = config.LoadTimezone(c.Timezone); err != nil {
		return nil, fmt.Errorf("job %s: %w", name, err)
	}
	if c.Schedule != "" {
		if j.sched, err = config.ParseSchedule(c.Schedule, j.loc); err != nil {
			return nil, fmt.Errorf("job %s: schedule: %w", name, err)
		}
	}
	if j.gate, err = newGateSpec(c.Gate); err != nil {
		return nil, fmt.Errorf("job %s: gate: %w", name, err)
	}
	return j, nil
}

// next is the first fire of the schedule after t, in the job's zone.
func (j *job) next(t time.Time) time.Time {
	if j.sched == nil {
		return time.Time{}
	}
	return j.sched.Next(t.In(j.loc))
}

func (j *job) watchesData() bool {
	return j.cfg.Triggers.NewData.Prefix != "" || j.cfg.Triggers.NewData.Path != ""
}

func (j *job) watchesFeedback() bool { return j.cfg.Triggers.Feedback.MinRows > 0 }

// retryDelay is the wait before attempt n+1: the backoff, doubled for
// each retry already made, at most an hour.
func (j *job) retryDelay(attempt int) time.Duration {
	d := j.cfg.Retries.Backoff.Std()
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
