package pyworker

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Defaults applied by Load to zero Config fields.
const (
	DefaultPython          = "python3"
	DefaultWorkers         = 1
	DefaultRequestTimeout  = 30 * time.Second
	DefaultStartTimeout    = 120 * time.Second
	DefaultHealthInterval  = 10 * time.Second
	DefaultHealthTimeout   = 5 * time.Second
	DefaultShutdownTimeout = 2 * time.Second
	DefaultRestartBackoff  = 100 * time.Millisecond
	DefaultMaxBackoff      = 30 * time.Second
	DefaultMaxFrame        = 64 << 20
)

// Limits Load enforces on Config.
const (
	maxWorkers   = 256
	minMaxFrame  = 4 << 10
	maxFrameSize = math.MaxUint32
)

// Config controls the worker processes of one Python model. The zero value
// is usable: every zero field takes its documented default.
type Config struct {
	// Python is the interpreter to run, a path or a name looked up in
	// PATH. Default "python3".
	Python string
	// Workers is the number of worker processes for the model, each
	// holding its own copy of the model and answering one request at a
	// time. Default 1.
	Workers int
	// RequestTimeout bounds one predict call: the time spent waiting for
	// a free worker, and separately the time a worker spends on the
	// request. A worker that overruns it is killed and restarted.
	// Default 30s.
	RequestTimeout time.Duration
	// StartTimeout bounds starting the interpreter and loading the model.
	// Default 120s, since large transformers load slowly.
	StartTimeout time.Duration
	// HealthInterval is how often an idle worker is pinged. Default 10s;
	// negative disables health checks.
	HealthInterval time.Duration
	// HealthTimeout bounds the answer to one ping. Default 5s.
	HealthTimeout time.Duration
	// ShutdownTimeout is how long Close waits for a worker to exit after
	// the shutdown request before killing its process group. Default 2s.
	ShutdownTimeout time.Duration
	// RestartBackoff is the delay before the second restart in a row of
	// a worker; it doubles on each further restart up to MaxBackoff. The
	// first restart is immediate. Default 100ms.
	RestartBackoff time.Duration
	// MaxBackoff caps the restart delay; a worker that stayed up this
	// long restarts immediately again. Default 30s.
	MaxBackoff time.Duration
	// MaxFrame is the largest frame, in bytes, either side may send.
	// Default 64 MiB; at least 4 KiB, at most 4 GiB-1.
	MaxFrame int
	// Env holds extra "KEY=VALUE" environment entries for the workers,
	// added to Paddock's own environment.
	Env []string
	// CacheDir is where the embedded worker script is written. Default
	// the user cache directory's paddock/pyworker, or the temp directory.
	CacheDir string
	// Name labels log lines; default the model directory's base name.
	Name string
	// Logger receives worker events and every line a worker writes to
	// stderr (including the model's own prints). Default: discard.
	Logger *slog.Logger
}

// withDefaults returns c with zero fields set to their defaults, or an
// error describing the first invalid field.
func (c Config) withDefaults(dir string) (Config, error) {
	setDefault(&c.Python, DefaultPython)
	setDefault(&c.Workers, DefaultWorkers)
	setDefault(&c.RequestTimeout, DefaultRequestTimeout)
	setDefault(&c.StartTimeout, DefaultStartTimeout)
	setDefault(&c.HealthInterval, DefaultHealthInterval)
	setDefault(&c.HealthTimeout, DefaultHealthTimeout)
	setDefault(&c.ShutdownTimeout, DefaultShutdownTimeout)
	setDefault(&c.RestartBackoff, DefaultRestartBackoff)
	setDefault(&c.MaxBackoff, DefaultMaxBackoff)
	setDefault(&c.MaxFrame, DefaultMaxFrame)
	setDefault(&c.Name, filepath.Base(dir))
	if c.CacheDir == "" {
		c.CacheDir = defaultCacheDir()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c, c.validate()
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func (c Config) validate() error {
	var errs []error
	if c.Workers < 1 || c.Workers > maxWorkers {
		errs = append(errs, fmt.Errorf("workers %d outside 1..%d", c.Workers, maxWorkers))
	}
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"request timeout", c.RequestTimeout}, {"start timeout", c.StartTimeout},
		{"health timeout", c.HealthTimeout}, {"shutdown timeout", c.ShutdownTimeout},
		{"restart backoff", c.RestartBackoff}, {"max backoff", c.MaxBackoff},
	}
	for _, f := range durations {
		if f.d < 0 {
			errs = append(errs, fmt.Errorf("%s %s is negative", f.name, f.d))
		}
	}
	if c.MaxFrame < minMaxFrame || int64(c.MaxFrame) > maxFrameSize {
		errs = append(errs, fmt.Errorf("max frame %d outside %d..%d", c.MaxFrame, minMaxFrame, int64(maxFrameSize)))
	}
	for _, kv := range c.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			errs = append(errs, fmt.Errorf("env entry %q is not KEY=VALUE", kv))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pyworker config: %w", err)
	}
	return nil
}

func defaultCacheDir() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "paddock", "pyworker")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("paddock-pyworker-%d", os.Getuid()))
}

// env returns the workers' environment.
func (c Config) env() []string {
	env := append(os.Environ(), c.Env...)
	return append(env, fmt.Sprintf("PADDOCK_MAX_FRAME=%d", c.MaxFrame))
}
