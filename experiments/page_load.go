package experiments

import (
	"context"
	"sync"
)

// A search query produces its page in order, a run at a time, and the
// runs themselves are read by another query (run_data.go). Rather than
// wait for the last key, pageLoad hands the keys over in chunks to a
// goroutine that reads them on a second read connection while the search
// query is still walking its index: on two cores, reading the page costs
// little more than its last chunk.

// pageLoad collects the run keys of one page and loads the runs.
type pageLoad struct {
	ctx  context.Context
	pks  []int64
	sent int // pks[:sent] are queued

	// The producer never waits for the loader: it may hold a read
	// connection that the loader needs, so chunks queue without bound
	// (a page is at most MaxResultsRuns+1 keys).
	mu      sync.Mutex
	queue   [][]int64
	closed  bool
	abandon bool // the search failed: load nothing more
	wake    chan struct{}
	done    chan struct{}

	loader runLoader // used by the loader goroutine only, until done
	err    error
}

func (s *Service) startPageLoad(ctx context.Context) *pageLoad {
	p := &pageLoad{ctx: ctx, wake: make(chan struct{}, 1), done: make(chan struct{}), loader: runLoader{s: s}}
	go p.loop()
	return p
}

// add appends a run key of the page, in order.
func (p *pageLoad) add(pk int64) {
	p.pks = append(p.pks, pk)
	if len(p.pks)-p.sent >= loadChunk {
		p.push(false)
	}
}

// count is how many keys were added.
func (p *pageLoad) count() int { return len(p.pks) }

func (p *pageLoad) push(last bool) {
	chunk := p.pks[p.sent:len(p.pks):len(p.pks)] // later appends never write here
	p.sent = len(p.pks)
	p.mu.Lock()
	if len(chunk) > 0 {
		p.queue = append(p.queue, chunk)
	}
	p.closed = p.closed || last
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *pageLoad) loop() {
	defer close(p.done)
	for {
		p.mu.Lock()
		queue, closed, abandon := p.queue, p.closed, p.abandon
		p.queue = nil
		p.mu.Unlock()
		for _, chunk := range queue {
			if p.err == nil && !abandon {
				p.err = p.loader.read(p.ctx, chunk)
			}
		}
		if closed {
			return
		}
		<-p.wake
	}
}

// finish waits for the loader and returns the first limit runs and
// whether there were more. queryErr is the search query's error, if any:
// the loader is stopped either way.
func (p *pageLoad) finish(queryErr error, limit int) ([]Run, bool, error) {
	if queryErr != nil {
		p.mu.Lock()
		p.abandon = true
		p.mu.Unlock()
	}
	p.push(true)
	<-p.done
	if queryErr != nil {
		return nil, false, queryErr
	}
	if p.err != nil {
		return nil, false, p.err
	}
	return p.loader.finish(p.ctx, limit)
}
