package serving

import (
	"runtime"
	"sync"
	"time"

	"github.com/paddockml/paddock/config"
)

// shadowPool runs alpha's predictions off the request path: production
// answers at once and hands alpha's work to a bounded queue, which a
// fixed set of workers drains. When the queue is full the work is
// dropped and counted; production never waits for alpha.
type shadowPool struct {
	jobs    chan *shadowJob
	timeout time.Duration
	budget  *cpuBudget
	stop    chan struct{}
	wg      sync.WaitGroup
}

// shadowLinger is how long a worker woken by one job waits for more
// before predicting: alpha's answer is logged, never awaited, so a few
// milliseconds cost nothing and save a wake-up per request.
const shadowLinger = 2 * time.Millisecond

func newShadowPool(cfg config.ShadowConfig) *shadowPool {
	workers := cfg.Workers
	if workers <= 0 {
		// Half the CPUs at most: alpha's work must leave production the
		// rest of the machine, and a full queue drops instead of waiting.
		workers = max(1, runtime.GOMAXPROCS(0)/2)
	}
	p := &shadowPool{jobs: make(chan *shadowJob, max(cfg.Queue, 1)), timeout: cfg.Timeout.Std(),
		budget: newCPUBudget(cfg.CPUShare, runtime.GOMAXPROCS(0), time.Now), stop: make(chan struct{})}
	for range workers {
		p.wg.Add(1)
		go p.work()
	}
	return p
}

// submit queues a job, or drops and counts it when the queue is full.
func (p *shadowPool) submit(j *shadowJob) {
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
	close(p.stop)
	p.wg.Wait()
}

func (p *shadowPool) work() {
	defer p.wg.Done()
	batch := make([]*shadowJob, 0, maxShadowBatch)
	for {
		select {
		case <-p.stop:
			return
		case j := <-p.jobs:
			// Linger before gathering: under load, one wake-up then takes
			// a whole batch instead of every request waking the worker
			// (a futex and a context switch each, on production's cores).
			if len(p.jobs) < maxShadowBatch-1 && !p.pause(shadowLinger) {
				return
			}
			batch = p.gather(append(batch[:0], j))
		}
		// Jobs of one experiment run together; the queue rarely mixes
		// experiments, and a mixed batch is split in arrival order.
		for start := 0; start < len(batch); {
			end := start + 1
			for end < len(batch) && batch[end].exp == batch[start].exp {
				end++
			}
			began := time.Now()
			p.runBatch(batch[start:end])
			start = end
			runtime.Gosched() // let waiting requests have the P between batches
			if rest := p.budget.spend(time.Since(began)); rest > 0 && !p.pause(rest) {
				return
			}
		}
		clear(batch)
	}
}

// pause waits d, or reports false when the pool stops first.
func (p *shadowPool) pause(d time.Duration) bool {
	select {
	case <-p.stop:
		return false
	case <-time.After(d):
		return true
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
