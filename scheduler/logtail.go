package scheduler

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
)

// maxLineBytes cuts an endless line (a progress bar without newlines)
// into pieces the live tail can carry.
const maxLineBytes = 8 << 10

// subscriberBuffer is how many lines a slow tail reader may fall behind
// before lines are dropped for it; the command never waits for a reader.
const subscriberBuffer = 256

// logTail keeps the last lines of a run's output in memory and hands new
// lines to subscribers. It is an io.Writer for the command's output.
type logTail struct {
	mu      sync.Mutex
	max     int
	ring    []string
	start   int // the oldest line once the ring is full
	partial []byte
	subs    map[*subscriber]struct{}
	closed  bool
}

type subscriber struct {
	ch      chan string
	dropped int
}

func newLogTail(lines int) *logTail {
	return &logTail{max: max(lines, 1), subs: map[*subscriber]struct{}{}}
}

// Write splits p into lines; a line without its newline waits for the
// rest, unless it has grown past maxLineBytes.
func (t *logTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.partial = append(t.partial, p...)
			for len(t.partial) >= maxLineBytes {
				t.addLocked(string(t.partial[:maxLineBytes]))
				t.partial = t.partial[maxLineBytes:]
			}
			break
		}
		t.partial = append(t.partial, p[:i]...)
		t.addLocked(string(t.partial))
		t.partial = t.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

// Line adds one line of Paddock's own (attempt headers, outcomes).
func (t *logTail) Line(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.flushPartialLocked()
	t.addLocked("[paddock] " + fmt.Sprintf(format, args...))
}

func (t *logTail) flushPartialLocked() {
	if len(t.partial) > 0 {
		t.addLocked(string(t.partial))
		t.partial = t.partial[:0]
	}
}

func (t *logTail) addLocked(line string) {
	line = strings.ToValidUTF8(line, "\uFFFD") // JSON and SSE carry it
	if len(t.ring) < t.max {
		t.ring = append(t.ring, line)
	} else {
		t.ring[t.start] = line
		t.start = (t.start + 1) % t.max
	}
	for s := range t.subs {
		s.send(line)
	}
}

func (s *subscriber) send(line string) {
	if s.dropped > 0 {
		select {
		case s.ch <- fmt.Sprintf("[paddock] %d lines dropped: the reader fell behind", s.dropped):
			s.dropped = 0
		default:
			s.dropped++
			return
		}
	}
	select {
	case s.ch <- line:
	default:
		s.dropped++
	}
}

// linesLocked returns the kept lines, oldest first.
func (t *logTail) linesLocked() []string {
	out := make([]string, 0, len(t.ring))
	out = append(out, t.ring[t.start:]...)
	return append(out, t.ring[:t.start]...)
}

// Lines returns the kept lines, oldest first.
func (t *logTail) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.linesLocked()
}

// subscribe returns a channel that gets the kept lines and then every
// new one; it is closed when the run ends or unsubscribe is called.
func (t *logTail) subscribe() (*subscriber, <-chan string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	backlog := t.linesLocked()
	s := &subscriber{ch: make(chan string, len(backlog)+subscriberBuffer)}
	for _, l := range backlog {
		s.ch <- l
	}
	if t.closed {
		close(s.ch)
		return s, s.ch
	}
	t.subs[s] = struct{}{}
	return s, s.ch
}

func (t *logTail) unsubscribe(s *subscriber) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.subs[s]; ok {
		delete(t.subs, s)
		close(s.ch)
	}
}

// close ends the tail: subscribers' channels are closed once they hold
// the last lines.
func (t *logTail) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.flushPartialLocked()
	t.closed = true
	for s := range t.subs {
		delete(t.subs, s)
		close(s.ch)
	}
}
