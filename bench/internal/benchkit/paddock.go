package benchkit

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Paddock is a `paddock serve` process a benchmark measures.
type Paddock struct {
	URL string
	Cmd *exec.Cmd
}

// BuildPaddock builds the repository (the working directory) without cgo
// into dir and returns the binary's path.
func BuildPaddock(dir string) (string, error) {
	bin := filepath.Join(dir, "paddock")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build paddock: %w", err)
	}
	return bin, nil
}

// StartPaddock runs bin's `serve` on dataDir and a free loopback port,
// with token as the admin token, quiet logs and no demo, and waits until
// it answers /healthz.
func StartPaddock(bin, dataDir, token string) (*Paddock, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--no-demo", "--data-dir", dataDir, "--addr", addr)
	cmd.Env = append(os.Environ(), "PADDOCK_ADMIN_TOKEN="+token, "PADDOCK_LOG_LEVEL=warn", "PADDOCK_LOG_ACCESS=false")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Paddock{URL: "http://" + addr, Cmd: cmd}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if resp, err := http.Get(p.URL + "/healthz"); err == nil {
			resp.Body.Close()
			return p, nil
		}
	}
	p.Stop()
	return nil, fmt.Errorf("paddock did not start on %s", addr)
}

// Stop interrupts the server and waits for it to exit.
func (p *Paddock) Stop() {
	_ = p.Cmd.Process.Signal(os.Interrupt)
	_ = p.Cmd.Wait()
}
