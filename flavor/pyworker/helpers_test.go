package pyworker

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paddockml/paddock/flavor"
)

// testPython is the interpreter with numpy; the python3 on PATH lacks it.
const testPython = "/usr/bin/python3"

// testConfig returns a Config for tests: the Debian interpreter, a private
// script cache and a logger that records every line.
func testConfig(t *testing.T) (Config, *logRecorder) {
	t.Helper()
	if _, err := os.Stat(testPython); err != nil {
		t.Fatalf("%s is required: %v", testPython, err)
	}
	rec := &logRecorder{}
	return Config{
		Python:          testPython,
		CacheDir:        t.TempDir(),
		RequestTimeout:  20 * time.Second,
		StartTimeout:    60 * time.Second,
		ShutdownTimeout: 2 * time.Second,
		Logger:          slog.New(rec),
	}, rec
}

// writeFiles creates a directory holding files (name -> content).
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadModel loads dir and closes the model when the test ends.
func loadModel(t *testing.T, dir string, cfg Config) *Model {
	t.Helper()
	m, err := Load(context.Background(), dir, cfg)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// checkNoLeaks fails the test if goroutines started during it are still
// running once it (and its cleanups registered later) are done.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Fatalf("goroutines leaked: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// processGone reports whether pid no longer runs: it does not exist or it
// is a zombie waiting for a parent that is not us.
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// waitGone waits up to 5s for every pid to be gone.
func waitGone(t *testing.T, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for !processGone(pid) {
			if time.Now().After(deadline) {
				out, _ := exec.Command("ps", "-o", "pid,pgid,stat,cmd", "-p", strconv.Itoa(pid)).CombinedOutput()
				t.Fatalf("process %d still running:\n%s", pid, out)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func pids(m *Model) []int {
	var out []int
	for _, w := range m.Workers() {
		out = append(out, w.PID)
	}
	return out
}

// waitFile waits up to 20s for path to exist and returns its content.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitRestarted waits up to 20s for worker i to be running again after
// at least n restarts.
func waitRestarted(t *testing.T, m *Model, i, n int) WorkerInfo {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		w := m.Workers()[i]
		if w.Restarts >= n && w.PID != 0 {
			return w
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker %d not restarted: %+v", i, w)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func f64(name string, shape []int, v ...float64) flavor.Tensor {
	return flavor.Tensor{Name: name, DType: flavor.Float64, Shape: shape, F64: v}
}

func output(t *testing.T, outs []flavor.Tensor, name string) flavor.Tensor {
	t.Helper()
	for _, o := range outs {
		if o.Name == name {
			return o
		}
	}
	t.Fatalf("no output %q in %d outputs", name, len(outs))
	return flavor.Tensor{}
}

// logRecorder is a slog.Handler that keeps every record as text.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	b.WriteString(rec.Message)
	rec.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, b.String())
	return nil
}

func (r *logRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logShared{root: r, attrs: attrs}
}

func (r *logRecorder) WithGroup(string) slog.Handler { return r }

// find returns the first recorded line containing every part.
func (r *logRecorder) find(parts ...string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.lines {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return l, true
		}
	}
	return "", false
}

// logShared is a logRecorder view with extra attributes, writing to the
// same line list.
type logShared struct {
	root  *logRecorder
	attrs []slog.Attr
}

func (s *logShared) Enabled(context.Context, slog.Level) bool { return true }

func (s *logShared) Handle(ctx context.Context, rec slog.Record) error {
	rec = rec.Clone()
	rec.AddAttrs(s.attrs...)
	return s.root.Handle(ctx, rec)
}

func (s *logShared) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logShared{root: s.root, attrs: append(append([]slog.Attr{}, s.attrs...), attrs...)}
}

func (s *logShared) WithGroup(string) slog.Handler { return s }
