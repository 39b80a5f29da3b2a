package server

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/scheduler"
	"github.com/paddockml/paddock/ui"
)

// trainingRunsShown is how many runs the job page lists.
const trainingRunsShown = 50

// trainingList renders /ui/training: every job with its schedule.
func (d *dashboard) trainingList(c *fiber.Ctx) error {
	page := d.page(c, "Training jobs", "training")
	tr := d.s.deps.Training
	if tr == nil {
		return d.render(c, fiber.StatusOK, page, ui.TrainingList(ui.TrainingListView{Off: true}, ""))
	}
	ctx, cancel := uiContext(c)
	defer cancel()
	jobs, err := tr.Jobs(ctx)
	if err != nil {
		return d.fail(c, err)
	}
	v := ui.TrainingListView{Leader: tr.Leader(), CanRun: d.canRun(c)}
	for _, j := range jobs {
		v.Jobs = append(v.Jobs, trainingJobRow(j))
	}
	return d.render(c, fiber.StatusOK, page, ui.TrainingList(v, sessionOf(c).csrf))
}

// canRun reports whether the caller gets "Run now": an editor with a
// session (the API's POST .../run needs an editor).
func (d *dashboard) canRun(c *fiber.Ctx) bool {
	return sessionOf(c).csrf != "" && principalOf(c).Allows(auth.Editor)
}

func trainingJobRow(j scheduler.JobInfo) ui.TrainingJobRow {
	row := ui.TrainingJobRow{Name: j.Name, Model: j.Model, Enabled: j.Enabled, Triggers: strings.Join(j.Triggers, ", "),
		Concurrency: j.Concurrency, Running: j.Running, Queued: j.Queued}
	if j.Schedule != "" {
		row.Schedule = j.Schedule + " (" + j.Timezone + ")"
	}
	if j.NextFire != nil {
		row.NextFire = j.NextFire.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	if j.LastRun != nil {
		last := trainingRunRow(*j.LastRun)
		row.Last = &last
	}
	return row
}

func trainingRunRow(r scheduler.RunInfo) ui.TrainingRunRow {
	row := ui.TrainingRunRow{ID: r.ID, FiredBy: r.FiredBy, FireDetail: r.FireDetail, Status: r.Status, Reason: r.Reason,
		Attempts: r.Attempts, Queued: formatTime(r.QueuedAt), Gate: r.Gate, Promotion: r.Promotion, TrackingRunID: r.TrackingRunID}
	if r.StartedAt != nil {
		row.Started = r.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC")
		end := time.Now()
		if r.FinishedAt != nil {
			end = *r.FinishedAt
		}
		row.Duration = opsDuration(end.Sub(*r.StartedAt))
	}
	if r.ExitCode != nil {
		row.ExitCode = strconv.Itoa(*r.ExitCode)
	}
	if r.ModelVersion != nil {
		row.ModelVersion = "v" + strconv.FormatInt(*r.ModelVersion, 10)
	}
	if g := r.GateReport; g != nil {
		row.GateReason = g.Reason
		for _, ch := range g.Checks {
			row.GateChecks = append(row.GateChecks, trainingGateCheck(ch))
		}
	}
	return row
}

// trainingGateCheck is one check of a gate as a line: "auc 0.71 >= baseline +
// 0.01 (baseline 0.74): fail".
func trainingGateCheck(ch scheduler.GateCheck) string {
	s := ch.Metric
	if ch.Value != nil {
		s += " " + opsFloat(*ch.Value)
	} else {
		s += " (not logged)"
	}
	s += " " + ch.Want
	if ch.Baseline != nil {
		s += " (baseline " + opsFloat(*ch.Baseline) + ")"
	}
	if ch.Pass {
		return s + ": pass"
	}
	return s + ": fail"
}

// trainingJobPage renders /ui/training/:job?run=7: the job, its runs
// and the live output of run 7 (by default the running or latest run).
func (d *dashboard) trainingJobPage(c *fiber.Ctx) error {
	tr := d.s.deps.Training
	if tr == nil {
		return d.fail(c, errs.E(errs.NotFound, "training is not enabled on this node"))
	}
	name := strings.Clone(c.Params("job"))
	ctx, cancel := uiContext(c)
	defer cancel()
	j, err := tr.Job(ctx, name)
	if err != nil {
		return d.fail(c, err)
	}
	runs, err := tr.Runs(ctx, name, trainingRunsShown)
	if err != nil {
		return d.fail(c, err)
	}
	v := ui.TrainingJobView{Job: trainingJobRow(j), Skipped: j.SkippedFires, Dropped: j.DroppedFires, CanRun: d.canRun(c)}
	for _, r := range runs {
		v.Runs = append(v.Runs, trainingRunRow(r))
	}
	tail, err := d.trainingTailedRun(ctx, c, name, runs)
	if err != nil {
		return d.fail(c, err)
	}
	if tail != nil {
		v.Tail = &ui.TrainingLogTail{RunID: tail.ID, Status: tail.Status,
			URL: "/ui/training/runs/" + strconv.FormatInt(tail.ID, 10) + "/log"}
		if c.Query("started") != "" {
			v.Started = tail.ID
		}
	}
	return d.render(c, fiber.StatusOK, d.page(c, "Training "+name, "training"), ui.TrainingJob(v, sessionOf(c).csrf))
}

// trainingTailedRun picks the run whose output the page follows: ?run= (which
// must be a run of this job), else the newest running or queued run,
// else the newest run; nil for a job that never ran.
func (d *dashboard) trainingTailedRun(ctx context.Context, c *fiber.Ctx, job string, runs []scheduler.RunInfo) (*scheduler.RunInfo, error) {
	if q := c.Query("run"); q != "" {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil || id < 1 {
			return nil, errs.E(errs.Invalid, "run must be a positive integer, got %q", q)
		}
		r, err := d.s.deps.Training.Run(ctx, id)
		if err != nil {
			return nil, err
		}
		if r.Job != job {
			return nil, errs.E(errs.NotFound, "training run %d is not a run of job %q", id, job)
		}
		return &r, nil
	}
	for i := range runs {
		if runs[i].Status == scheduler.StatusRunning || runs[i].Status == scheduler.StatusQueued {
			return &runs[i], nil
		}
	}
	if len(runs) > 0 {
		return &runs[0], nil
	}
	return nil, nil
}

// trainingRunNowForm is POST /ui/training/jobs/:job/run: it queues a
// manual run as the API does and goes to the job page following it.
func (d *dashboard) trainingRunNowForm(c *fiber.Ctx) error {
	name := strings.Clone(c.Params("job"))
	id, err := d.s.deps.Training.RunNow(c.UserContext(), name, principalOf(c).Actor())
	if err != nil {
		return d.fail(c, err)
	}
	return c.Redirect("/ui/training/"+url.PathEscape(name)+"?run="+strconv.FormatInt(id, 10)+"&started=1", fiber.StatusSeeOther)
}
