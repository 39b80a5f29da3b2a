// Package miniotest runs a MinIO server process of a test's own, on a free
// loopback port, which the test can kill and restart to exercise outages.
// The binary comes from scripts/minio.sh (PADDOCK_TEST_MINIO_BIN).
package miniotest

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Server is a MinIO process of a test's own, which the test can kill
// and restart on the same port and data directory.
type Server struct {
	bin, dir string
	// Addr is host:port; User and Password are the root credentials.
	Addr           string
	User, Password string
	// Cmd is the running process (nil while stopped).
	Cmd    *exec.Cmd
	exited chan error // receives the result of cmd.Wait
	log    lockedBuffer
}

// Start starts MinIO from bin on a free loopback port and kills it
// when the test ends.
func Start(t testing.TB, bin string) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	m := &Server{bin: bin, dir: t.TempDir(), Addr: addr, User: "paddock", Password: "paddock-test-secret"}
	t.Cleanup(m.Kill)
	m.Restart(t)
	return m
}

// Restart runs the server (again, on the same port and data) and waits until it answers its liveness probe.
func (m *Server) Restart(t testing.TB) {
	t.Helper()
	m.Cmd = exec.Command(m.bin, "server", "--quiet", "--address", m.Addr,
		"--certs-dir", filepath.Join(m.dir, "certs"), filepath.Join(m.dir, "data"))
	m.Cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+m.User, "MINIO_ROOT_PASSWORD="+m.Password,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=1")
	m.Cmd.Stdout, m.Cmd.Stderr = &m.log, &m.log
	if err := m.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m.exited = make(chan error, 1)
	go func(cmd *exec.Cmd, exited chan<- error) { exited <- cmd.Wait() }(m.Cmd, m.exited)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-m.exited:
			m.Cmd = nil
			t.Fatalf("minio exited while starting: %v\n%s", err, m.log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if m.Live() {
			return
		}
	}
	t.Fatalf("minio not live on %s after 60s\n%s", m.Addr, m.log.String())
}

// Live reports whether the server answers its liveness probe.
func (m *Server) Live() bool {
	client := http.Client{Timeout: time.Second}
	resp, err := client.Get("http://" + m.Addr + "/minio/health/live")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Kill stops the server at once, as a crash would.
func (m *Server) Kill() {
	if m.Cmd == nil {
		return
	}
	m.Cmd.Process.Kill()
	<-m.exited
	m.Cmd = nil
}

// lockedBuffer collects a process's output, safe for the goroutines that
// os/exec copies it with.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
