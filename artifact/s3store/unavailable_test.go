package s3store

import (
	"github.com/paddockml/paddock/internal/miniotest"

	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/paddockml/paddock/artifact"
)

// unavailableWithin is how fast every call must report a dead server.
const unavailableWithin = 5 * time.Second

func TestServerDownAndBack(t *testing.T) {
	start := time.Now()
	m := miniotest.Start(t, testEnv(t, envMinioBin)[0])
	t.Logf("server live after %v", time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	cfg := Config{Endpoint: m.Addr, AccessKey: m.User, SecretKey: m.Password, Bucket: "paddock-early", Timeout: 2 * time.Second}
	early := openUnmanaged(t, cfg)
	if _, err := early.Put(ctx, "before", strings.NewReader("stored before the crash")); err != nil {
		t.Fatal(err)
	}

	m.Kill()
	// A store opened while the server is down, whose bucket does not exist yet.
	cfg.Bucket = "paddock-late"
	late := openUnmanaged(t, cfg)
	for name, s := range map[string]*Store{"early": early, "late": late} {
		for _, c := range storeCalls() {
			callStart := time.Now()
			err := c.call(ctx, s)
			elapsed := time.Since(callStart)
			t.Logf("%s store: %s with the server down: %v after %v", name, c.name, err, elapsed.Round(time.Millisecond))
			if elapsed > unavailableWithin {
				t.Errorf("%s store: %s took %v with the server down, want under %v", name, c.name, elapsed, unavailableWithin)
			}
			if !errors.Is(err, artifact.ErrUnavailable) {
				t.Errorf("%s store: %s with the server down: %v, want ErrUnavailable", name, c.name, err)
			}
		}
	}

	start = time.Now()
	m.Restart(t)
	t.Logf("server live again after %v", time.Since(start).Round(time.Millisecond))
	for name, s := range map[string]*Store{"early": early, "late": late} {
		readyStart := time.Now()
		waitReady(t, s)
		t.Logf("%s store ready after %v", name, time.Since(readyStart).Round(time.Millisecond))
		if _, err := s.Put(ctx, "after", strings.NewReader("stored after the restart")); err != nil {
			t.Errorf("%s store: Put after the restart: %v", name, err)
		}
		if _, err := s.Put(ctx, "big", bytes.NewReader(make([]byte, 3*directPutMax))); err != nil {
			t.Errorf("%s store: streamed Put after the restart: %v", name, err)
		}
	}
	if got := readString(t, early, "before"); got != "stored before the crash" {
		t.Errorf("Get of an object stored before the crash = %q", got)
	}
}

// storeCall is one Store method called with fixed arguments.
type storeCall struct {
	name string
	call func(context.Context, *Store) error
}

func storeCalls() []storeCall {
	return []storeCall{
		{"Ping", func(ctx context.Context, s *Store) error { return s.Ping(ctx) }},
		{"Stat", func(ctx context.Context, s *Store) error { _, err := s.Stat(ctx, "before"); return err }},
		{"Get", func(ctx context.Context, s *Store) error {
			rc, _, err := s.Get(ctx, "before")
			if err == nil {
				rc.Close()
			}
			return err
		}},
		{"Put", func(ctx context.Context, s *Store) error {
			_, err := s.Put(ctx, "new", strings.NewReader("x"))
			return err
		}},
		{"streamed Put", func(ctx context.Context, s *Store) error {
			_, err := s.Put(ctx, "new", bytes.NewReader(make([]byte, 3*directPutMax)))
			return err
		}},
		{"List", func(ctx context.Context, s *Store) error { _, err := s.List(ctx, ""); return err }},
		{"Delete", func(ctx context.Context, s *Store) error { return s.Delete(ctx, "before") }},
	}
}

// openUnmanaged opens a store for cfg and closes it when the test ends,
// leaving the bucket (which the test's own server discards).
func openUnmanaged(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitReady waits until s answers Ping: a restarted MinIO may report that
// it is still initialising for a moment after it is live.
func waitReady(t *testing.T, s *Store) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = s.Ping(context.Background()); err == nil {
			return
		}
	}
	t.Fatalf("store not ready 30s after the server restarted: %v", err)
}

// readString returns the content under key.
func readString(t *testing.T, s *Store, key string) string {
	t.Helper()
	rc, _, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
