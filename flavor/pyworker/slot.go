package pyworker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// slot is one place in a Model's pool. Its run goroutine owns the current
// worker process: it takes jobs while the worker is healthy, pings it when
// idle, and replaces it when it dies, hangs or breaks the protocol.
type slot struct {
	m   *Model
	idx int
	log *slog.Logger

	mu       sync.Mutex // guards pid and restarts, read by Workers
	pid      int
	restarts int
}

func (s *slot) setProcess(p *process) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pid = 0
	if p != nil {
		s.pid = p.pid
	}
}

func (s *slot) info() WorkerInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return WorkerInfo{Index: s.idx, PID: s.pid, Restarts: s.restarts}
}

// run serves with p, then with each replacement, until the model closes.
func (s *slot) run(p *process) {
	defer s.m.wg.Done()
	attempt := 0
	for {
		if p != nil {
			if s.serve(p) {
				p.shutdown(s.m.ids.Add(1), s.m.cfg.MaxFrame, s.m.cfg.ShutdownTimeout)
				s.setProcess(nil)
				return
			}
			lived := time.Since(p.start)
			p.release()
			s.setProcess(nil)
			if lived >= s.m.cfg.MaxBackoff {
				attempt = 0 // it was stable: this is a fresh incident
			}
		}
		if !s.sleep(s.backoff(attempt)) {
			return
		}
		attempt++
		p = s.restart()
	}
}

// serve handles jobs and health checks on p. It returns true when the
// model is closing and false when p must be replaced.
func (s *slot) serve(p *process) bool {
	var tick <-chan time.Time
	if s.m.cfg.HealthInterval > 0 {
		t := time.NewTicker(s.m.cfg.HealthInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-s.m.ctx.Done():
			return true
		case <-p.exited:
			s.log.Warn("python worker died while idle", "pid", p.pid, "status", exitStatus(p.waitErr))
			return false
		case m := <-p.frames:
			if errors.Is(m.err, io.EOF) {
				s.log.Warn("python worker closed its output while idle", "pid", p.pid)
			} else {
				s.log.Warn("python worker wrote while idle", "pid", p.pid, "err", m.err)
			}
			return false
		case <-tick:
			if err := s.ping(p); err != nil {
				s.log.Warn("python worker failed its health check", "pid", p.pid, "err", err)
				return s.m.ctx.Err() != nil
			}
		case j := <-s.m.jobs:
			if !s.do(p, j) {
				return s.m.ctx.Err() != nil
			}
		}
	}
}

// do runs one job on p and reports whether p is still usable: it is after
// a reply, even one carrying a Python exception, and not after a timeout,
// a crash or a protocol error.
func (s *slot) do(p *process, j *job) bool {
	if err := j.ctx.Err(); err != nil {
		j.reply <- jobResult{err: err}
		return true
	}
	timeout := s.m.cfg.RequestTimeout
	ctx, cancel := context.WithTimeout(s.m.ctx, timeout)
	defer cancel()
	resp, err := p.roundTrip(ctx, opPredict, j.id, j.frame)
	var pyErr *PythonError
	usable := err == nil || errors.As(err, &pyErr)
	switch {
	case usable:
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("worker %d gave no reply within %s; it is killed and restarted: %w", s.idx, timeout, err)
		s.log.Warn("python worker timed out", "pid", p.pid, "timeout", timeout)
	case errors.Is(err, ErrClosed):
	default:
		err = fmt.Errorf("worker %d: %w", s.idx, err)
		s.log.Warn("python worker failed", "pid", p.pid, "err", err)
	}
	j.reply <- jobResult{resp: resp, err: err}
	return usable
}

func (s *slot) ping(p *process) error {
	ctx, cancel := context.WithTimeout(s.m.ctx, s.m.cfg.HealthTimeout)
	defer cancel()
	id := s.m.ids.Add(1)
	frame, err := encodeRequest(&request{ID: id, Op: opHealth}, s.m.cfg.MaxFrame)
	if err != nil {
		return err
	}
	_, err = p.roundTrip(ctx, opHealth, id, frame)
	return err
}

// backoff is the delay before restart attempt n: none for the first, then
// RestartBackoff doubling up to MaxBackoff.
func (s *slot) backoff(n int) time.Duration {
	if n == 0 {
		return 0
	}
	d := s.m.cfg.RestartBackoff
	for i := 1; i < n && d < s.m.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.m.cfg.MaxBackoff)
}

// sleep waits d and reports false if the model closed meanwhile.
func (s *slot) sleep(d time.Duration) bool {
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.m.ctx.Done():
		}
	}
	return s.m.ctx.Err() == nil
}

// restart starts a replacement worker; nil means it failed and run will
// try again after the next backoff.
func (s *slot) restart() *process {
	p, _, err := s.m.startWorker(s.m.ctx, s.log)
	if err != nil {
		if s.m.ctx.Err() == nil {
			s.log.Error("python worker restart failed", "err", err)
		}
		return nil
	}
	s.mu.Lock()
	s.restarts++
	s.mu.Unlock()
	s.setProcess(p)
	return p
}
