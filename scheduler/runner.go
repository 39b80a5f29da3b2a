package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// ExecRunner runs commands as local processes, each in a process group
// of its own so that a timeout or a cancel stops everything the command
// started, not only its first process.
type ExecRunner struct{}

var _ Runner = ExecRunner{}

// outputGrace is how long output is still read once the command's group
// is gone, for a descendant that left the group and holds the pipe.
const outputGrace = 2 * time.Second

// Run implements Runner. Stdout and stderr share one pipe, so their
// lines interleave as on a terminal. When the command exits, what it
// left running in its process group is killed too.
func (ExecRunner) Run(ctx context.Context, c Command, out io.Writer, started func(pid int)) (int, error) {
	if len(c.Argv) == 0 {
		return -1, errors.New("empty command")
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return -1, err
	}
	defer pr.Close()
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	cmd.Dir, cmd.Env = c.Dir, c.Env
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	pw.Close() // the command holds its own copy
	if err != nil {
		return -1, fmt.Errorf("start %q: %w", c.Argv[0], err)
	}
	pid := cmd.Process.Pid
	if started != nil {
		started(pid)
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(out, pr)
	}()
	werr := waitOrStop(ctx, cmd, pid, c.KillGrace)
	// The leader is reaped, but its pid stays reserved while it names a
	// process group, so this cannot hit an unrelated process.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	t := time.NewTimer(outputGrace)
	defer t.Stop()
	select {
	case <-copied:
	case <-t.C:
		pr.Close()
		<-copied
	}
	return exitCode(werr), nil
}

// waitOrStop waits for the command; when ctx ends first it sends SIGTERM
// to the process group, then SIGKILL after grace.
func waitOrStop(ctx context.Context, cmd *exec.Cmd, pid int, grace time.Duration) error {
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		return err
	case <-ctx.Done():
	}
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case err := <-waited:
		return err
	case <-t.C:
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		return <-waited
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	return -1
}
