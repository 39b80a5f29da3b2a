package serving

import (
	"runtime"
	"sync"
	"time"
)

// shadowPool runs alpha's predictions off the request path: production
// answers at once and hands alpha's work to a bounded queue, which a
// fixed set of workers drains. When the queue is full the work is
// dropped and counted; production never waits for alpha.
type shadowPool struct {
	jobs    chan *shadowJob
	timeout time.Duration
	stop    chan struct{}
	wg      sync.WaitGroup
	// extraProcs are the Ps added for workers on low-priority threads.
	extraProcs int
	// The workers start with the first shadow job: a node that never
	// shadows keeps its threads and Ps as they were.
	workers int
	started sync.Once
}

func newShadowPool(queue, workers int, timeout time.Duration) *shadowPool {
	if workers <= 0 {
		// Half the CPUs at most: alpha's work must leave production the
		// rest of the machine, and a full queue drops instead of waiting.
		workers = max(1, runtime.GOMAXPROCS(0)/2)
	}
	return &shadowPool{jobs: make(chan *shadowJob, max(queue, 1)), timeout: timeout, stop: make(chan struct{}), workers: workers}
}

// start runs the workers.
func (p *shadowPool) start() {
	workers := p.workers
	lowered := make(chan bool, workers)
	for range workers {
		p.wg.Add(1)
		go p.work(lowered)
	}
	for range workers {
		if <-lowered {
			p.extraProcs++
		}
	}
	// A worker on its low-priority thread holds a P while it runs; one
	// more P per worker keeps production's goroutines as many Ps as there
	// were, and the kernel decides who gets the cores: production first.
	if p.extraProcs > 0 {
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + p.extraProcs)
	}
}

// submit queues a job, or drops and counts it when the queue is full.
func (p *shadowPool) submit(j *shadowJob) {
	p.started.Do(p.start)
	select {
	case p.jobs <- j:
	default:
		j.exp.Counters.ShadowDropped.Add(1)
		j.ep.svc.metrics.shadowDropped.WithLabelValues(j.exp.ID).Inc()
	}
}

// close stops the workers; queued shadow work is abandoned (it was never
// promised to anyone).
func (p *shadowPool) close() {
	p.started.Do(func() {}) // no worker starts after close
	close(p.stop)
	p.wg.Wait()
	if p.extraProcs > 0 {
		runtime.GOMAXPROCS(max(1, runtime.GOMAXPROCS(0)-p.extraProcs))
	}
}

func (p *shadowPool) work(lowered chan<- bool) {
	defer p.wg.Done()
	// The thread is never unlocked: when the goroutine ends, Go ends the
	// thread with it rather than reuse a low-priority thread.
	lowered <- lowerPriority()
	batch := make([]*shadowJob, 0, maxShadowBatch)
	for {
		select {
		case <-p.stop:
			return
		case j := <-p.jobs:
			batch = p.gather(append(batch[:0], j))
		}
		// Jobs of one experiment run together; the queue rarely mixes
		// experiments, and a mixed batch is split in arrival order.
		for start := 0; start < len(batch); {
			end := start + 1
			for end < len(batch) && batch[end].exp == batch[start].exp {
				end++
			}
			p.runBatch(batch[start:end])
			start = end
		}
		clear(batch)
	}
}

// gather adds the jobs already queued, up to maxShadowBatch, without
// waiting for more.
func (p *shadowPool) gather(batch []*shadowJob) []*shadowJob {
	for len(batch) < maxShadowBatch {
		select {
		case j := <-p.jobs:
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}
