package serving

import (
	"sync"
	"time"
)

// The kinds of serving event.
const (
	EventLoaded     = "loaded"      // a version was loaded and warmed
	EventLoadFailed = "load_failed" // a version could not be fetched, loaded or warmed
	EventSwapped    = "swapped"     // an alias now answers with another version
	EventSwapFailed = "swap_failed" // an alias moved in the registry, but its new version failed: the old one keeps serving
	EventUnloaded   = "unloaded"    // a version no alias names was unloaded
)

// Event is something that happened to a served model, for operators
// (GET /api/serving/events) and the dashboard.
type Event struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"`
	Model    string    `json:"model"`
	Alias    string    `json:"alias,omitempty"`
	Version  int64     `json:"version,omitempty"`
	Previous int64     `json:"previous,omitempty"`
	Message  string    `json:"message,omitempty"`
}

// eventLog keeps the most recent events in memory. Events describe this
// process's state (what it has loaded), so they are not persisted; the
// durable record of alias moves is the registry's feed and audit log.
type eventLog struct {
	mu   sync.Mutex
	buf  []Event
	next int64
	now  func() time.Time
}

func newEventLog(size int, now func() time.Time) *eventLog {
	return &eventLog{buf: make([]Event, 0, size), now: now}
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next++
	e.Seq, e.At = l.next, l.now().UTC()
	if len(l.buf) == cap(l.buf) {
		copy(l.buf, l.buf[1:])
		l.buf = l.buf[:len(l.buf)-1]
	}
	l.buf = append(l.buf, e)
}

// list returns the events of model ("" for all) after seq, oldest first.
func (l *eventLog) list(model string, after int64) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []Event{}
	for _, e := range l.buf {
		if e.Seq > after && (model == "" || e.Model == model) {
			out = append(out, e)
		}
	}
	return out
}

// Events returns the recent serving events of model ("" for every
// model) with a sequence number above after, oldest first.
func (s *Service) Events(model string, after int64) []Event { return s.events.list(model, after) }
