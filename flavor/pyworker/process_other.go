//go:build !unix

package pyworker

import (
	"os"
	"os/exec"
)

// setProcessGroup does nothing where process groups do not exist.
func setProcessGroup(cmd *exec.Cmd) {}

// killGroup kills the worker itself; children it spawned are not reached
// on this platform.
func killGroup(p *os.Process) {
	_ = p.Kill()
}
