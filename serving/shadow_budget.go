package serving

import (
	"sync"
	"time"
)

// cpuBudget bounds the CPU time shadow predictions take: a token bucket
// of work time that fills at rate seconds of work per second of wall
// time and holds at most burst. Workers spend what a batch took and rest
// when the bucket is empty; meanwhile the queue fills and drops, so on
// a saturated node alpha compares a sample of the traffic instead of
// taking production's CPU. Work is measured as wall time, which counts
// a preempted batch in full: on a busy machine the bound only tightens.
type cpuBudget struct {
	mu     sync.Mutex
	rate   float64
	burst  time.Duration
	tokens time.Duration
	last   time.Time
	now    func() time.Time
}

// budgetBurst is how much of a second's budget may be spent at once: a
// short burst keeps a fully loaded node's latency tail still.
const budgetBurst = 250 * time.Millisecond

// newCPUBudget allows share of procs cores. A share outside (0, 1] means
// no bound, which tests that build Options by hand get.
func newCPUBudget(share float64, procs int, now func() time.Time) *cpuBudget {
	if !(share > 0 && share <= 1) || procs < 1 {
		return nil
	}
	rate := share * float64(procs)
	burst := time.Duration(rate * float64(budgetBurst))
	return &cpuBudget{rate: rate, burst: burst, tokens: burst, last: now(), now: now}
}

// spend takes d of work from the bucket and returns how long the caller
// should rest before doing more (0 while the bucket holds credit). A nil
// budget never asks for rest.
func (b *cpuBudget) spend(d time.Duration) time.Duration {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.tokens = min(b.tokens+time.Duration(float64(now.Sub(b.last))*b.rate), b.burst)
	b.last = now
	b.tokens -= d
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(float64(-b.tokens) / b.rate)
}
