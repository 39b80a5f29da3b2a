package pyworker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"time"
)

// exitGrace is how long a request whose worker just exited waits for a
// reply the worker may have written before dying.
const exitGrace = time.Second

// process is one running worker: the interpreter, its pipes and the three
// goroutines that wait for it, read its frames and forward its stderr.
// Only the goroutine that owns it (Load, then the slot's loop) calls its
// methods.
type process struct {
	cmd   *exec.Cmd
	pid   int
	in    *os.File // frames to the worker
	out   *os.File // frames from the worker
	errR  *os.File // the worker's stderr
	start time.Time
	max   int
	log   *slog.Logger
	tail  *lineTail

	frames     chan frameMsg // replies, in order, from readFrames
	exited     chan struct{} // closed once the process is reaped
	stop       chan struct{} // closed by release: readers give up
	readerDone chan struct{}
	stderrDone chan struct{}
	waitErr    error // valid once exited is closed
}

// frameMsg is one decoded reply, or the error that ended the stream.
type frameMsg struct {
	resp *response
	err  error
}

// startProcess starts the interpreter on the worker script in its own
// process group, with the model directory as working directory.
func startProcess(cfg *Config, script, dir string, log *slog.Logger) (*process, error) {
	pipes, err := newPipes()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(cfg.Python, "-B", script)
	cmd.Dir, cmd.Env = dir, cfg.env()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pipes.childIn, pipes.childOut, pipes.childErr
	setProcessGroup(cmd)
	err = cmd.Start()
	pipes.closeChild()
	if err != nil {
		pipes.closeParent()
		return nil, fmt.Errorf("start %s: %w", cfg.Python, err)
	}
	p := &process{
		cmd: cmd, pid: cmd.Process.Pid, in: pipes.in, out: pipes.out, errR: pipes.errR,
		start: time.Now(), max: cfg.MaxFrame, tail: &lineTail{},
		frames: make(chan frameMsg), exited: make(chan struct{}), stop: make(chan struct{}),
		readerDone: make(chan struct{}), stderrDone: make(chan struct{}),
	}
	p.log = log.With("pid", p.pid)
	go p.wait()
	go p.readFrames()
	go p.forwardStderr()
	return p, nil
}

// pipes holds both ends of the worker's stdin, stdout and stderr. Our own
// os.Pipe ends (rather than exec's StdinPipe) are pollable, so writes take
// deadlines and a Close unblocks a pending Read.
type pipes struct {
	in, childIn    *os.File
	out, childOut  *os.File
	errR, childErr *os.File
}

func newPipes() (*pipes, error) {
	var p pipes
	var err error
	if p.childIn, p.in, err = os.Pipe(); err != nil {
		return nil, fmt.Errorf("worker pipes: %w", err)
	}
	if p.out, p.childOut, err = os.Pipe(); err != nil {
		p.closeChild()
		p.closeParent()
		return nil, fmt.Errorf("worker pipes: %w", err)
	}
	if p.errR, p.childErr, err = os.Pipe(); err != nil {
		p.closeChild()
		p.closeParent()
		return nil, fmt.Errorf("worker pipes: %w", err)
	}
	return &p, nil
}

func (p *pipes) closeChild()  { closeAll(p.childIn, p.childOut, p.childErr) }
func (p *pipes) closeParent() { closeAll(p.in, p.out, p.errR) }

func closeAll(files ...*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}

// wait reaps the worker, then kills what is left of its process group
// (children the model spawned) so that none outlives it.
func (p *process) wait() {
	p.waitErr = p.cmd.Wait()
	killGroup(p.cmd.Process)
	close(p.exited)
}

// readFrames decodes replies until the stream ends or breaks; the error
// that ended it is delivered as the last message.
func (p *process) readFrames() {
	defer close(p.readerDone)
	r := bufio.NewReaderSize(p.out, 64<<10)
	for {
		var m frameMsg
		b, err := readFrame(r, p.max)
		if err == nil {
			m.resp, err = decodeResponse(b)
		}
		m.err = err
		select {
		case p.frames <- m:
		case <-p.stop:
			return
		}
		if m.err != nil {
			return
		}
	}
}

// roundTrip sends one framed request and waits for its reply. A deadline
// on ctx bounds both; the error then wraps context.DeadlineExceeded and
// the caller must retire the process, whose stream is now out of step.
func (p *process) roundTrip(ctx context.Context, op string, id uint64, frame []byte) (*response, error) {
	if err := p.write(ctx, frame); err != nil {
		return nil, err
	}
	var m frameMsg
	select {
	case m = <-p.frames:
	case <-p.exited:
		select {
		case m = <-p.frames:
		case <-time.After(exitGrace):
			return nil, p.diedError(op)
		}
	case <-ctx.Done():
		return nil, p.interrupted(ctx, op)
	}
	switch {
	case errors.Is(m.err, io.EOF):
		select {
		case <-p.exited:
		case <-time.After(exitGrace):
		}
		return nil, p.diedError(op)
	case m.err != nil:
		return nil, fmt.Errorf("worker pid %d: %s: %w", p.pid, op, m.err)
	case *m.resp.ID != id:
		return nil, fmt.Errorf("%w: worker pid %d answered request %d, expected %d", ErrProtocol, p.pid, *m.resp.ID, id)
	case !*m.resp.OK:
		return nil, m.resp.pythonError(op)
	}
	return m.resp, nil
}

// write sends a frame. Cancelling ctx moves the write deadline to now,
// which unblocks a write stuck on a worker that stopped reading.
func (p *process) write(ctx context.Context, frame []byte) error {
	deadline, _ := ctx.Deadline()
	if err := p.in.SetWriteDeadline(deadline); err != nil {
		return fmt.Errorf("worker pid %d: %w", p.pid, err)
	}
	stop := context.AfterFunc(ctx, func() { p.in.SetWriteDeadline(time.Now()) })
	defer stop()
	if _, err := p.in.Write(frame); err != nil {
		if ctx.Err() != nil {
			return p.interrupted(ctx, "write")
		}
		return fmt.Errorf("%w: worker pid %d: write request: %w%s", ErrWorkerDied, p.pid, err, p.tail.suffix())
	}
	return nil
}

func (p *process) interrupted(ctx context.Context, op string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("worker pid %d: %s timed out: %w", p.pid, op, context.DeadlineExceeded)
	}
	return fmt.Errorf("worker pid %d: %s interrupted: %w", p.pid, op, context.Cause(ctx))
}

// diedError describes a worker that went away: its exit status and the
// last lines it wrote to stderr.
func (p *process) diedError(op string) error {
	status := "closed its output"
	select {
	case <-p.exited:
		status = exitStatus(p.waitErr)
	default:
	}
	return fmt.Errorf("%w: worker pid %d %s during %s%s", ErrWorkerDied, p.pid, status, op, p.tail.suffix())
}

func exitStatus(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return "exited (" + exit.String() + ")"
	}
	if err != nil {
		return "exited (" + err.Error() + ")"
	}
	return "exited (exit status 0)"
}

// shutdown asks the worker to exit and gives it timeout to do so; release
// then kills whatever is left.
func (p *process) shutdown(id uint64, max int, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	frame, err := encodeRequest(&request{ID: id, Op: opShutdown}, max)
	if err == nil {
		err = p.write(ctx, frame)
	}
	if err == nil {
		select {
		case <-p.exited:
		case <-ctx.Done():
			p.log.Warn("python worker ignored shutdown; killing it", "timeout", timeout)
		}
	}
	p.release()
}

// release kills the process group, reaps the process and stops the
// helper goroutines. It returns only when all three have ended.
func (p *process) release() {
	killGroup(p.cmd.Process)
	<-p.exited
	close(p.stop)
	// Give stderr a moment to drain so a crash's last words get logged,
	// then cut it: a grandchild that escaped the group may hold it open.
	select {
	case <-p.stderrDone:
	case <-time.After(exitGrace):
	}
	closeAll(p.in, p.out, p.errR)
	<-p.readerDone
	<-p.stderrDone
}
