package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paddockml/paddock/config"
)

// LogArtifact is where a run's output is kept among its artifacts.
const LogArtifact = "paddock/output.log"

// attempt runs the command once as a tracked run.
func (s *Scheduler) attempt(e *execution, n int) outcome {
	wctx := context.WithoutCancel(e.ctx)
	tr, err := s.tracker.StartRun(e.ctx, s.runSpec(e, n))
	if err != nil {
		if e.ctx.Err() != nil {
			return cancelledOutcome(e.ctx, outcome{})
		}
		e.tail.Line("attempt %d: cannot create the tracking run: %v", n, err)
		return outcome{status: StatusFailed, reason: "cannot create the tracking run: " + err.Error()}
	}
	e.trackingIDs = append(e.trackingIDs, tr.ID)
	if err := s.st.attemptStarted(wctx, e.id, n, tr.ID, e.trackingIDs); err != nil {
		s.log.Error("training: record attempt", "run", e.id, "err", err)
	}
	e.tail.Line("attempt %d of %d: tracking run %s", n, e.job.cfg.Retries.Max+1, tr.ID)
	logf, err := os.CreateTemp(s.opts.LogDir, "paddock-training-*.log")
	if err != nil {
		o := outcome{status: StatusFailed, reason: "cannot create the output log: " + err.Error()}
		s.endTracked(wctx, tr.ID, o, nil)
		return o
	}
	defer os.Remove(logf.Name())
	defer logf.Close()
	out := &cappedWriter{w: logf, max: int64(s.cfg.MaxLog)}
	o := s.execute(e, tr, n, io.MultiWriter(out, e.tail))
	if out.dropped > 0 {
		fmt.Fprintf(logf, "\n[paddock] output cut: %d bytes beyond training.max_log (%s) dropped\n", out.dropped, s.cfg.MaxLog)
	}
	e.tail.Line("attempt %d: %s%s", n, o.status, suffix(o.reason))
	s.endTracked(wctx, tr.ID, o, logf)
	return o
}

// execute runs the command under the job's timeout.
func (s *Scheduler) execute(e *execution, tr TrackedRun, n int, out io.Writer) outcome {
	timeout := e.job.cfg.Timeout.Std()
	ctx, cancel := context.WithTimeoutCause(e.ctx, timeout, errTimeout)
	defer cancel()
	c := Command{Argv: e.job.argv, Dir: e.job.cfg.Workdir, Env: s.commandEnv(e, tr, n), KillGrace: s.cfg.KillGrace.Std()}
	code, err := s.runner.Run(ctx, c, out, func(pid int) {
		start, _, _ := processStart(pid)
		if err := s.st.processStarted(context.WithoutCancel(ctx), e.id, pid, start); err != nil {
			s.log.Error("training: record pid", "run", e.id, "err", err)
		}
	})
	cause := context.Cause(ctx)
	if ctx.Err() == nil {
		cause = nil
	}
	return attemptOutcome(code, err, cause, timeout)
}

func attemptOutcome(code int, runErr, cause error, timeout time.Duration) outcome {
	exit := &code
	switch {
	case runErr != nil:
		return outcome{status: StatusFailed, reason: "cannot start the command: " + runErr.Error()}
	case errors.Is(cause, errTimeout):
		return outcome{status: StatusFailed, reason: fmt.Sprintf("timed out after %s; the process group was killed", timeout), exitCode: exit}
	case errors.Is(cause, errCancelled):
		return outcome{status: StatusKilled, reason: "cancelled", exitCode: exit}
	case cause != nil:
		return outcome{status: StatusFailed, reason: cause.Error(), exitCode: exit}
	case code == 0:
		return outcome{status: StatusFinished, exitCode: exit}
	}
	return outcome{status: StatusFailed, reason: fmt.Sprintf("exit code %d", code), exitCode: exit}
}

// endTracked stores the output log on the tracked run and ends it.
func (s *Scheduler) endTracked(ctx context.Context, runID string, o outcome, logf *os.File) {
	if logf != nil {
		if _, err := logf.Seek(0, io.SeekStart); err == nil {
			if err := s.tracker.PutRunArtifact(ctx, runID, LogArtifact, logf); err != nil {
				s.log.Warn("training: cannot store the output log", "tracking_run", runID, "err", err)
			}
		}
	}
	if o.reason != "" {
		if err := s.tracker.SetRunTags(ctx, runID, map[string]string{"paddock.failure": clip(o.reason, 5000)}); err != nil {
			s.log.Warn("training: cannot tag the run", "tracking_run", runID, "err", err)
		}
	}
	if err := s.tracker.EndRun(ctx, runID, o.status, s.now()); err != nil {
		s.log.Error("training: cannot end the tracked run", "tracking_run", runID, "err", err)
	}
}

// runSpec is the tracked run of attempt n: the job's params, and tags
// that say where it came from.
func (s *Scheduler) runSpec(e *execution, n int) RunSpec {
	j := e.job
	name := fmt.Sprintf("%s-%d", j.name, e.id)
	if n > 1 {
		name += fmt.Sprintf("-attempt-%d", n)
	}
	tags := map[string]string{
		"paddock.job": j.name, "paddock.model": j.cfg.Model, "paddock.training_run": strconv.FormatInt(e.id, 10),
		"paddock.attempt": strconv.Itoa(n), "paddock.fired_by": e.info.FiredBy,
		"mlflow.source.type": "JOB", "mlflow.source.name": j.name,
		"paddock.command": clip(strings.Join(j.argv, " "), 5000),
	}
	if e.info.FireDetail != "" {
		tags["paddock.fire_detail"] = clip(e.info.FireDetail, 5000)
	}
	if e.info.FiredBy == FiredByNewData {
		tags["paddock.data.digest"] = e.info.FireDetail
	}
	if j.cfg.Workdir != "" {
		maps.Copy(tags, gitTags(j.cfg.Workdir))
	}
	return RunSpec{Experiment: j.cfg.ExperimentName(j.name), RunName: name, Start: s.now(), Params: j.cfg.Params, Tags: tags}
}

// commandEnv is the command's environment: Paddock's own without its
// PADDOCK_* variables (secrets among them), the job's, then the run's.
func (s *Scheduler) commandEnv(e *execution, tr TrackedRun, n int) []string {
	environ := os.Environ
	if s.opts.Environ != nil {
		environ = s.opts.Environ
	}
	var env []string
	for _, kv := range environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "PADDOCK_") && !slices.Contains(runEnvOwned, k) {
			env = append(env, kv)
		}
	}
	c := e.job.cfg
	for _, k := range slices.Sorted(maps.Keys(c.Env)) {
		env = append(env, k+"="+c.Env[k])
	}
	base, baseURI := "", ""
	if e.baseline != nil {
		base = strconv.FormatInt(e.baseline.Version, 10)
		baseURI = fmt.Sprintf("models:/%s/%d", c.Model, e.baseline.Version)
	}
	env = append(env,
		"MLFLOW_TRACKING_URI="+s.opts.TrackingURI, "MLFLOW_RUN_ID="+tr.ID, "MLFLOW_EXPERIMENT_ID="+tr.ExperimentID,
		"PADDOCK_TRACKING_URI="+s.opts.TrackingURI, "PADDOCK_JOB="+e.job.name, "PADDOCK_MODEL="+c.Model,
		"PADDOCK_RUN_ID="+tr.ID, "PADDOCK_TRAINING_RUN="+strconv.FormatInt(e.id, 10), "PADDOCK_ATTEMPT="+strconv.Itoa(n),
		"PADDOCK_FIRED_BY="+e.info.FiredBy, "PADDOCK_FIRE_DETAIL="+e.info.FireDetail,
		"PADDOCK_BASELINE_ALIAS="+c.Gate.Compare.Against, "PADDOCK_BASELINE_VERSION="+base, "PADDOCK_BASELINE_URI="+baseURI)
	if s.opts.TrackingToken != "" {
		env = append(env, "MLFLOW_TRACKING_TOKEN="+s.opts.TrackingToken)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Params)) {
		env = append(env, config.ParamEnvName(k)+"="+c.Params[k])
	}
	return env
}

// runEnvOwned are the inherited variables the run's own replace.
var runEnvOwned = []string{"MLFLOW_TRACKING_URI", "MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_TRACKING_TOKEN"}

// gitTags records the commit of the job's working directory, the way
// `paddock run` does (launch/source.go).
func gitTags(dir string) map[string]string {
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	commit := git("rev-parse", "HEAD")
	if commit == "" {
		return nil
	}
	dirty := "false"
	if git("status", "--porcelain") != "" {
		dirty = "true"
	}
	return map[string]string{"mlflow.source.git.commit": commit, "paddock.git.dirty": dirty}
}

// cappedWriter keeps the first max bytes and counts the rest. It never
// fails: a failing log must not stall the command's output pipe.
type cappedWriter struct {
	w       io.Writer
	max     int64
	n       int64
	dropped int64
	failed  bool
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	keep := min(int64(len(p)), max(c.max-c.n, 0))
	if keep > 0 && !c.failed {
		if _, err := c.w.Write(p[:keep]); err != nil {
			c.failed = true
		}
	}
	c.n += keep
	c.dropped += int64(len(p)) - keep
	return len(p), nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") // no rune cut in two
}
