package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// errUsage marks a command-line mistake already explained on stderr.
var errUsage = errors.New("usage error")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	var ee errExit
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

const usage = `Paddock: experiment tracking, model registry, training and serving in one binary.

Usage:
  paddock serve    [--config FILE] [--data-dir DIR] [--addr HOST:PORT] [--no-demo]
  paddock migrate  [--config FILE] [--data-dir DIR]
  paddock token create --role viewer|editor|admin [--name NAME] [--config FILE] [--data-dir DIR]
  paddock token list   [--config FILE] [--data-dir DIR]
  paddock token revoke ID [--config FILE] [--data-dir DIR]
  paddock run [--experiment NAME] [--name RUN] [-P key=value ...] -- <command> [args]
                   run a command as a tracked run on MLFLOW_TRACKING_URI
  paddock healthcheck [--addr HOST:PORT]   (exit 0 when /healthz answers; for containers)
  paddock version

Flags may also be set from the environment: PADDOCK_CONFIG, PADDOCK_DATA_DIR,
PADDOCK_ADDR. Every configuration key has a PADDOCK_* variable too; see
paddock.example.yaml.
`

// run is the whole program: it parses args (args[0] is the program name)
// and runs the chosen command until ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, getenv, stdout, stderr)
	case "token":
		return cmdToken(ctx, rest, getenv, stdout, stderr)
	case "run":
		return cmdRun(ctx, rest, getenv, stdout, stderr)
	case "healthcheck":
		return cmdHealthcheck(ctx, rest, getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "paddock %s\n", version())
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

// commonFlags are the flags every command that opens the store takes.
type commonFlags struct {
	config, dataDir, addr string
}

func newFlagSet(name string, stderr io.Writer, getenv func(string) string, withAddr bool) (*flag.FlagSet, *commonFlags) {
	fs := flag.NewFlagSet("paddock "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cf := &commonFlags{}
	fs.StringVar(&cf.config, "config", getenv("PADDOCK_CONFIG"), "configuration file (env PADDOCK_CONFIG)")
	fs.StringVar(&cf.dataDir, "data-dir", "", "data directory (env PADDOCK_DATA_DIR; default ./paddock-data)")
	if withAddr {
		fs.StringVar(&cf.addr, "addr", "", "listen address HOST:PORT (env PADDOCK_ADDR; default :8080)")
	}
	return fs, cf
}

// parseFlags parses and turns flag errors into errUsage; positional
// arguments may come before or after the flags.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errUsage
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			continue
		}
	}
}
