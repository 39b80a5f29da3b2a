package pyworker

import (
	"bufio"
	"bytes"
	"strings"
	"sync"
)

// Limits on what is kept of a worker's stderr.
const (
	maxLogLine  = 8 << 10 // longer lines are logged truncated
	tailLines   = 8       // lines quoted in a died-worker error
	tailLineLen = 300     // bytes kept of each quoted line
)

// forwardStderr logs each line the worker writes to stderr. It always
// keeps reading, even past over-long lines, because a worker blocked on a
// full stderr pipe would stop answering.
func (p *process) forwardStderr() {
	defer close(p.stderrDone)
	r := bufio.NewReaderSize(p.errR, maxLogLine)
	skipping := false // inside the rest of a line already logged truncated
	for {
		line, err := r.ReadSlice('\n')
		full := err == bufio.ErrBufferFull
		if len(line) > 0 && !skipping {
			text := string(bytes.TrimRight(line, "\r\n"))
			p.tail.add(text)
			p.log.Info("python stderr", "line", text, "truncated", full)
		}
		skipping = full
		if err != nil && !full {
			return
		}
	}
}

// lineTail keeps the last few stderr lines of a worker, so that an error
// about a crash can say what the worker said before dying.
type lineTail struct {
	mu    sync.Mutex
	lines []string
}

func (t *lineTail) add(line string) {
	if len(line) > tailLineLen {
		line = line[:tailLineLen] + "…"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == tailLines {
		t.lines = append(t.lines[:0], t.lines[1:]...)
	}
	t.lines = append(t.lines, line)
}

// suffix formats the kept lines for the end of an error message.
func (t *lineTail) suffix() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return ""
	}
	return "; last stderr: " + strings.Join(t.lines, " | ")
}
