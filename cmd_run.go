package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/paddockml/paddock/launch"
)

// paramFlags collects repeated -P key=value flags.
type paramFlags map[string]string

func (p paramFlags) String() string { return fmt.Sprint(map[string]string(p)) }

func (p paramFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	p[k] = val
	return nil
}

// errExit carries a launched command's non-zero exit code out of run.
type errExit struct{ code int }

func (e errExit) Error() string { return fmt.Sprintf("command exited with status %d", e.code) }

// cmdRun runs a command as a tracked run (paddock run -- <command>).
func cmdRun(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("paddock run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	uri := fs.String("tracking-uri", firstNonEmpty(getenv("MLFLOW_TRACKING_URI"), "http://localhost:8080"), "tracking server (env MLFLOW_TRACKING_URI)")
	token := fs.String("token", firstNonEmpty(getenv("MLFLOW_TRACKING_TOKEN"), getenv("PADDOCK_TOKEN")), "API token (env MLFLOW_TRACKING_TOKEN or PADDOCK_TOKEN)")
	exp := fs.String("experiment", getenv("MLFLOW_EXPERIMENT_NAME"), "experiment name, created when missing (env MLFLOW_EXPERIMENT_NAME)")
	name := fs.String("name", "", "run name (default: generated)")
	params := paramFlags{}
	fs.Var(params, "P", "a parameter key=value, logged on the run and passed on; repeatable")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	command := fs.Args()
	if len(command) == 0 {
		fmt.Fprintln(stderr, "usage: paddock run [--experiment NAME] [-P key=value ...] -- <command> [args]")
		return errUsage
	}
	res, err := launch.Run(ctx, launch.Options{
		TrackingURI: *uri, Token: *token, Experiment: *exp, RunName: *name,
		Params: params, Command: command, Stdout: stdout, Stderr: stderr,
	})
	if res.RunID != "" {
		fmt.Fprintf(stderr, "paddock run: run %s %s (exit status %d)\n", res.RunID, res.Status, res.ExitCode)
	}
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return errExit{res.ExitCode}
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
