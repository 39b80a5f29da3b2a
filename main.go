// Command paddock is Paddock: experiment tracking, a model registry,
// continuous training and in-process model serving in one binary.
//
// main only wires the process to the operating system; the program itself
// is run, which tests call directly to boot the real thing on :0.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// Serving allocates a little per request and keeps little: a
		// larger heap target halves the collector's work for a few MiB.
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "paddock:", err)
		}
		os.Exit(exitCode(err))
	}
}
