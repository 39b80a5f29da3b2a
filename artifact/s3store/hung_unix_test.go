//go:build unix

package s3store

import (
	"github.com/paddockml/paddock/internal/miniotest"

	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paddockml/paddock/artifact"
)

// TestServerHung freezes MinIO, so that it accepts connections but never
// answers: calls must give up after their timeouts, not hang.
func TestServerHung(t *testing.T) {
	m := miniotest.Start(t, testEnv(t, envMinioBin)[0])
	ctx := context.Background()
	const timeout = time.Second
	s := openUnmanaged(t, Config{Endpoint: m.Addr, AccessKey: m.User, SecretKey: m.Password,
		Bucket: "paddock-hung", Timeout: timeout})
	if _, err := s.Put(ctx, "k", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if err := m.Cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Cmd.Process.Signal(syscall.SIGCONT) })
	// Ping has one deadline; other calls wait Timeout for each of their
	// maxAttempts tries, plus minio-go's backoff between them.
	limits := map[string]time.Duration{"Ping": timeout + time.Second, "Stat": maxAttempts*timeout + 2*time.Second}
	for _, c := range storeCalls()[:2] {
		start := time.Now()
		err := c.call(ctx, s)
		elapsed := time.Since(start)
		t.Logf("%s on a hung server: %v after %v", c.name, err, elapsed.Round(time.Millisecond))
		if !errors.Is(err, artifact.ErrUnavailable) {
			t.Errorf("%s on a hung server: %v, want ErrUnavailable", c.name, err)
		}
		if elapsed > limits[c.name] {
			t.Errorf("%s on a hung server took %v, want under %v", c.name, elapsed, limits[c.name])
		}
	}
	if err := m.Cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	waitReady(t, s)
	if got := readString(t, s, "k"); got != "x" {
		t.Errorf("Get after the server thawed = %q", got)
	}
}
