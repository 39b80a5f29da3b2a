//go:build unix

package pyworker

import (
	"os"
	"os/exec"
	"syscall"
)

// setProcessGroup puts the worker in a new process group whose id is its
// pid, so that killing the group also kills anything the model spawned.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup sends SIGKILL to the worker's process group. Errors are
// ignored: the usual one is that the group is already gone.
func killGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
}
