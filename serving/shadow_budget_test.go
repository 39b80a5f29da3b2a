package serving

import (
	"testing"
	"time"
)

// The budget lets a burst through, then asks for as much rest as the
// overdraft takes to refill at the allowed rate; idle time refills it up
// to the burst and no further.
func TestCPUBudget(t *testing.T) {
	now := time.Unix(0, 0)
	b := newCPUBudget(0.1, 2, func() time.Time { return now }) // 0.2 cores: 50 ms burst
	if rest := b.spend(50 * time.Millisecond); rest != 0 {
		t.Fatalf("the first burst was made to rest %s", rest)
	}
	if rest := b.spend(20 * time.Millisecond); rest != 100*time.Millisecond {
		t.Fatalf("20 ms over budget at 0.2 cores: rest %s, want 100ms", rest)
	}
	now = now.Add(100 * time.Millisecond) // the rest, taken
	if rest := b.spend(0); rest != 0 {
		t.Fatalf("after resting, still owes %s", rest)
	}
	now = now.Add(time.Hour) // idle: refills to the burst only
	if rest := b.spend(60 * time.Millisecond); rest != 50*time.Millisecond {
		t.Fatalf("after an idle hour, 60 ms of work rests %s, want 50ms (burst 50 ms)", rest)
	}
	// Over any long stretch, work ≤ rate × time + burst.
	now, b = time.Unix(0, 0), newCPUBudget(0.1, 2, func() time.Time { return now })
	var worked time.Duration
	for range 1000 {
		worked += 7 * time.Millisecond
		now = now.Add(7*time.Millisecond + b.spend(7*time.Millisecond))
	}
	if elapsed := now.Sub(time.Unix(0, 0)); float64(worked) > 0.2*float64(elapsed)+float64(50*time.Millisecond) {
		t.Errorf("worked %s in %s: more than 0.2 cores", worked, elapsed)
	}
	if newCPUBudget(0, 2, time.Now) != nil || newCPUBudget(1.5, 2, time.Now) != nil {
		t.Error("a share outside (0, 1] should mean no bound")
	}
	var none *cpuBudget
	if none.spend(time.Hour) != 0 {
		t.Error("no bound should never rest")
	}
}
