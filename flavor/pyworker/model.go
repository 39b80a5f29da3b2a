// Package pyworker runs models that need Python (a fine-tuned transformer,
// a custom MLflow pyfunc) in pools of python3 worker processes.
//
// Each worker runs the small worker module embedded in this package,
// loads the model from its artifact directory and answers framed JSON
// requests on stdin/stdout (see docs/python-worker-protocol.md). The Go
// side dispatches each Predict to an idle worker, bounds it with a
// timeout, pings idle workers, and restarts dead or stuck ones with a
// capped exponential backoff. A Model never hangs on a dead worker and
// leaves no process behind after Close.
package pyworker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddockml/paddock/flavor"
)

// Model is a Python model served by a pool of worker processes. It
// implements flavor.Model and is safe for concurrent use.
type Model struct {
	cfg    Config
	dir    string
	script string
	layout layout
	sig    flavor.Signature

	// ctx is cancelled with cause ErrClosed by Close; every worker
	// operation derives from it.
	ctx    context.Context
	cancel context.CancelCauseFunc
	jobs   chan *job // unbuffered: only idle workers receive
	slots  []*slot
	wg     sync.WaitGroup
	ids    atomic.Uint64
	once   sync.Once
}

var _ flavor.Model = (*Model)(nil)

// job is one predict request travelling to a worker. reply is buffered so
// that a worker never waits for a caller that gave up.
type job struct {
	ctx   context.Context // the caller's: a job it abandoned is skipped
	id    uint64
	frame []byte
	reply chan jobResult
}

type jobResult struct {
	resp *response
	err  error
}

// Load starts cfg.Workers workers for the model in dir and returns once
// every one of them has loaded it. ctx bounds only the start; a failure of
// any worker (for instance the model's load code raising) stops the
// others and is returned, with the Python exception in a *PythonError.
func Load(ctx context.Context, dir string, cfg Config) (*Model, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("pyworker: %w", err)
	}
	if cfg, err = cfg.withDefaults(abs); err != nil {
		return nil, err
	}
	m := &Model{cfg: cfg, dir: abs, jobs: make(chan *job)}
	if m.layout, err = inspectDir(abs); err != nil {
		return nil, fmt.Errorf("pyworker: load %q: %w", cfg.Name, err)
	}
	if m.script, err = writeScript(cfg.CacheDir); err != nil {
		return nil, fmt.Errorf("pyworker: %w", err)
	}
	m.ctx, m.cancel = context.WithCancelCause(context.Background())
	procs, resp, err := m.startAll(ctx)
	if err != nil {
		m.cancel(ErrClosed)
		return nil, fmt.Errorf("pyworker: load %q: %w", cfg.Name, err)
	}
	if m.sig, err = m.chooseSignature(resp); err != nil {
		m.cancel(ErrClosed)
		for _, p := range procs {
			p.release()
		}
		return nil, fmt.Errorf("pyworker: load %q: %w", cfg.Name, err)
	}
	for i, p := range procs {
		s := &slot{m: m, idx: i, log: cfg.Logger.With("model", cfg.Name, "worker", i)}
		s.setProcess(p)
		m.slots = append(m.slots, s)
		m.wg.Add(1)
		go s.run(p)
	}
	return m, nil
}

// startAll starts every worker in parallel and returns them with the
// first one's load reply, or the first error after releasing the rest.
func (m *Model) startAll(ctx context.Context) ([]*process, *response, error) {
	n := m.cfg.Workers
	procs := make([]*process, n)
	resps := make([]*response, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			log := m.cfg.Logger.With("model", m.cfg.Name, "worker", i)
			procs[i], resps[i], errs[i] = m.startWorker(ctx, log)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			for _, p := range procs {
				if p != nil {
					p.release()
				}
			}
			return nil, nil, fmt.Errorf("worker %d: %w", i, err)
		}
	}
	return procs, resps[0], nil
}

// startWorker starts one interpreter and has it load the model within
// StartTimeout.
func (m *Model) startWorker(ctx context.Context, log *slog.Logger) (*process, *response, error) {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.StartTimeout)
	defer cancel()
	p, err := startProcess(&m.cfg, m.script, m.dir, log)
	if err != nil {
		return nil, nil, err
	}
	req := &request{ID: m.ids.Add(1), Op: opLoad, Path: m.dir, Layout: m.layout.kind,
		Pyfunc: m.layout.pyfunc, Columns: m.layout.columns}
	frame, err := encodeRequest(req, m.cfg.MaxFrame)
	var resp *response
	if err == nil {
		resp, err = p.roundTrip(ctx, opLoad, req.ID, frame)
	}
	if err != nil {
		p.release()
		return nil, nil, err
	}
	log.Info("python worker ready", "pid", p.pid, "kind", resp.Kind, "python", resp.Python)
	return p, resp, nil
}

// chooseSignature prefers the signature declared in the model directory
// (signature.json, then MLmodel) over the one the model's code reports.
func (m *Model) chooseSignature(resp *response) (flavor.Signature, error) {
	if m.layout.sig != nil {
		return *m.layout.sig, nil
	}
	if len(resp.Signature) > 0 && string(resp.Signature) != "null" {
		sig, err := parseSignature(resp.Signature)
		if err != nil {
			return sig, fmt.Errorf("%w: signature reported by the model: %w", flavor.ErrCorrupt, err)
		}
		return sig, nil
	}
	return flavor.Signature{Task: flavor.TaskOther}, nil
}

// Signature describes the model's inputs and outputs. A model that
// declares no signature has no inputs listed and accepts any tensors.
func (m *Model) Signature() flavor.Signature { return m.sig }

// Predict sends the inputs to an idle worker and returns its outputs.
// Waiting for a worker is bounded by ctx and RequestTimeout; the worker's
// run by RequestTimeout, after which it is killed and restarted and the
// error wraps context.DeadlineExceeded. If ctx ends first, Predict
// returns at once and the worker finishes the abandoned request alone.
func (m *Model) Predict(ctx context.Context, inputs []flavor.Tensor) ([]flavor.Tensor, error) {
	if m.ctx.Err() != nil {
		return nil, ErrClosed
	}
	j, err := m.newJob(ctx, inputs)
	if err != nil {
		return nil, fmt.Errorf("pyworker: predict: %w", err)
	}
	wait := time.NewTimer(m.cfg.RequestTimeout)
	defer wait.Stop()
	select {
	case m.jobs <- j:
	case <-ctx.Done():
		return nil, fmt.Errorf("pyworker: predict: waiting for a worker: %w", ctx.Err())
	case <-wait.C:
		return nil, fmt.Errorf("pyworker: predict: no worker free within %s: %w", m.cfg.RequestTimeout, context.DeadlineExceeded)
	case <-m.ctx.Done():
		return nil, ErrClosed
	}
	select {
	case r := <-j.reply:
		if r.err != nil {
			return nil, fmt.Errorf("pyworker: predict: %w", r.err)
		}
		return decodeOutputs(r.resp.Outputs)
	case <-ctx.Done():
		return nil, fmt.Errorf("pyworker: predict: %w", ctx.Err())
	}
}

// newJob validates and encodes a predict request.
func (m *Model) newJob(ctx context.Context, inputs []flavor.Tensor) (*job, error) {
	names, err := checkInputs(m.sig, inputs)
	if err != nil {
		return nil, err
	}
	wire := make([]wireTensor, len(inputs))
	for i := range inputs {
		if wire[i], err = encodeTensor(names[i], &inputs[i]); err != nil {
			return nil, err
		}
	}
	id := m.ids.Add(1)
	frame, err := encodePredict(id, wire, m.cfg.MaxFrame)
	if errors.Is(err, ErrFrameTooLarge) {
		return nil, fmt.Errorf("%w: %w", flavor.ErrInput, err)
	}
	if err != nil {
		return nil, err
	}
	return &job{ctx: ctx, id: id, frame: frame, reply: make(chan jobResult, 1)}, nil
}

func decodeOutputs(wire []wireTensor) ([]flavor.Tensor, error) {
	out := make([]flavor.Tensor, len(wire))
	for i, w := range wire {
		t, err := decodeTensor(w)
		if err != nil {
			return nil, fmt.Errorf("pyworker: predict: %w", err)
		}
		out[i] = t
	}
	return out, nil
}

// WorkerInfo describes one worker slot of a Model.
type WorkerInfo struct {
	// Index is the slot number, 0..Workers-1.
	Index int `json:"index"`
	// PID is the process id of the current worker, 0 while restarting.
	PID int `json:"pid"`
	// Restarts counts the processes started after the first.
	Restarts int `json:"restarts"`
}

// Workers reports the current worker processes.
func (m *Model) Workers() []WorkerInfo {
	out := make([]WorkerInfo, len(m.slots))
	for i, s := range m.slots {
		out[i] = s.info()
	}
	return out
}

// Close asks every worker to exit, kills the process groups of those that
// do not within ShutdownTimeout, and returns when all processes and
// goroutines are gone. In-flight requests fail with ErrClosed.
func (m *Model) Close() error {
	m.once.Do(func() {
		m.cancel(ErrClosed)
		m.wg.Wait()
	})
	return nil
}
