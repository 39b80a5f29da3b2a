package serving

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/paddockml/paddock/serving/predlog"
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
}

func newShadowPool(queue, workers int, timeout time.Duration) *shadowPool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &shadowPool{jobs: make(chan *shadowJob, max(queue, 1)), timeout: timeout, stop: make(chan struct{})}
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
	for {
		select {
		case <-p.stop:
			return
		case j := <-p.jobs:
			p.run(j)
		}
	}
}

func (p *shadowPool) run(j *shadowJob) {
	ctx, cancel := context.WithTimeout(j.ep.svc.ctx, p.timeout)
	defer cancel()
	c, m := j.exp.Counters, j.ep.svc.metrics
	h, alias, err := j.ep.acquireTarget(ctx, j.exp.Alpha)
	if err != nil {
		c.ShadowFailed.Add(1)
		m.shadowFailed.WithLabelValues(j.exp.ID).Inc()
		return
	}
	defer h.release()
	req := j.req
	req.Input = j.input
	_, err = j.ep.predictOn(ctx, h, alias, &req, logAs{experiment: j.exp.ID, arm: predlog.ArmShadow, always: true})
	c.Shadowed.Add(1)
	m.shadowRun.WithLabelValues(j.exp.ID).Inc()
	if err != nil {
		c.ShadowFailed.Add(1)
		m.shadowFailed.WithLabelValues(j.exp.ID).Inc()
	}
}
