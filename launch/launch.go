// Package launch runs a command as a tracked run, the MLflow Projects idea
// behind `paddock run -- <command>`: it creates a run on a Paddock (or any
// MLflow) tracking server, records the code version and the parameters,
// hands the run to the command through MLFLOW_* variables so that the
// command's own MLflow or HTTP logging lands in it, keeps the command's
// output as a run artifact and sets the run's status from the exit code.
package launch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Options describe one launch.
type Options struct {
	TrackingURI string // e.g. http://localhost:8080
	Token       string // bearer token, "" for none
	Experiment  string // experiment name; created when missing; "" = Default
	RunName     string
	Params      map[string]string
	Command     []string
	Dir         string // working directory, "" = current
	Stdout      io.Writer
	Stderr      io.Writer
}

// Result is how the run ended.
type Result struct {
	RunID    string
	ExitCode int
	Status   string
}

// Run creates the run, runs the command to completion and finishes the
// run. A command that cannot start, fails or is interrupted still leaves
// a finished run behind (FAILED or KILLED) with its output attached.
func Run(ctx context.Context, o Options) (Result, error) {
	if len(o.Command) == 0 {
		return Result{}, errors.New("no command given: paddock run [flags] -- <command> [args]")
	}
	c := &client{base: strings.TrimSuffix(o.TrackingURI, "/"), token: o.Token, http: defaultHTTP()}
	expID, err := c.experimentID(ctx, o.Experiment)
	if err != nil {
		return Result{}, err
	}
	run, err := c.createRun(ctx, expID, o.RunName, sourceTags(o))
	if err != nil {
		return Result{}, err
	}
	res := Result{RunID: run.runID}
	if err := c.logParams(ctx, run.runID, o.Params); err != nil {
		_ = c.finish(context.WithoutCancel(ctx), run.runID, "FAILED")
		return res, err
	}
	log, err := os.CreateTemp("", "paddock-run-*.log")
	if err != nil {
		return res, err
	}
	defer os.Remove(log.Name())
	defer log.Close()
	res.ExitCode, res.Status = execute(ctx, o, expID, run.runID, c.base, log)
	// Finishing must happen even when ctx was cancelled (Ctrl-C).
	fctx := context.WithoutCancel(ctx)
	if _, err := log.Seek(0, io.SeekStart); err == nil {
		if uerr := c.uploadLog(fctx, run.artifactURI, log); uerr != nil {
			fmt.Fprintf(o.Stderr, "paddock run: could not upload the output log: %v\n", uerr)
		}
	}
	return res, c.finish(fctx, run.runID, res.Status)
}

// execute runs the command with the run's variables, teeing its output to
// the terminal and to log, and maps its end to an exit code and status.
func execute(ctx context.Context, o Options, expID, runID, uri string, log io.Writer) (int, string) {
	cmd := exec.Command(o.Command[0], o.Command[1:]...)
	cmd.Dir = o.Dir
	cmd.Env = append(os.Environ(),
		"MLFLOW_TRACKING_URI="+uri, "MLFLOW_RUN_ID="+runID, "MLFLOW_EXPERIMENT_ID="+expID,
		"PADDOCK_RUN_ID="+runID)
	if o.Token != "" {
		cmd.Env = append(cmd.Env, "MLFLOW_TRACKING_TOKEN="+o.Token)
	}
	cmd.Stdout = io.MultiWriter(o.Stdout, log)
	cmd.Stderr = io.MultiWriter(o.Stderr, log)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(io.MultiWriter(o.Stderr, log), "paddock run: cannot start %q: %v\n", o.Command[0], err)
		return 127, "FAILED"
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return exitStatus(err)
	case <-ctx.Done():
		// Interrupted: stop the whole process group, politely first.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		return 130, "KILLED"
	}
}

func exitStatus(err error) (int, string) {
	if err == nil {
		return 0, "FINISHED"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), "KILLED"
		}
		return ee.ExitCode(), "FAILED"
	}
	return 1, "FAILED"
}
