package predlog

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Counts include every prediction; latency percentiles only those the
// model answered, so cache hits, rule answers and failures (all fast)
// do not pull them down.
func TestStats(t *testing.T) {
	db := openDB(t)
	w := New(db, Options{FlushInterval: time.Hour})
	log := func(i int, mutate func(*Entry)) {
		e := Entry{RequestID: fmt.Sprint(i), Time: t0.Add(time.Duration(i) * time.Second), Model: "churn", Version: 3, Arm: ArmProduction}
		mutate(&e)
		if !w.Log(e) {
			t.Fatal("refused")
		}
	}
	// 100 model answers taking 1..100 ms, logged in shuffled order.
	for i := range 100 {
		ms := (i*37)%100 + 1
		log(i, func(e *Entry) { e.Latency = time.Duration(ms) * time.Millisecond })
	}
	for i := 100; i < 150; i++ { // cache hits
		log(i, func(e *Entry) { e.CacheHit, e.Latency = true, time.Microsecond })
	}
	for i := 150; i < 160; i++ { // failures
		log(i, func(e *Entry) { e.Error, e.Latency = "boom", time.Microsecond })
	}
	for i := 160; i < 200; i++ { // rule answers
		log(i, func(e *Entry) { e.Rule, e.Latency = "ooo", time.Microsecond })
	}
	// Outside the window or of another model: never counted.
	log(-1, func(e *Entry) { e.Latency = time.Hour })
	log(500, func(e *Entry) { e.Model, e.Latency = "fraud", time.Hour })
	closeWriter(t, w)

	s, err := NewReader(db).Stats(context.Background(), "churn", t0)
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{Count: 200, Errors: 10, CacheHits: 50, CacheHitRate: 0.25,
		LatencyP50: 50 * time.Millisecond, LatencyP95: 95 * time.Millisecond, LatencyP99: 99 * time.Millisecond, LatencySamples: 100}
	if s != want {
		t.Fatalf("stats\n got %+v\nwant %+v", s, want)
	}
	arm, err := NewReader(db).StatsOf(context.Background(), Filter{Model: "churn", Arm: ArmAlpha})
	if err != nil || arm != (Stats{}) {
		t.Fatalf("alpha stats %+v (%v), want none", arm, err)
	}
}

func TestPercentile(t *testing.T) {
	us := func(n int64) time.Duration { return time.Duration(n) * time.Microsecond }
	cases := []struct {
		sorted []int64
		p      float64
		want   time.Duration
	}{
		{nil, 0.5, 0},
		{[]int64{7}, 0.99, us(7)},
		{[]int64{1, 2}, 0.5, us(1)},
		{[]int64{1, 2, 3, 4}, 0.5, us(2)},
		{[]int64{1, 2, 3, 4}, 0.75, us(3)},
		{[]int64{1, 2, 3, 4}, 0.99, us(4)},
	}
	for _, c := range cases {
		if got := percentile(c.sorted, c.p); got != c.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", c.sorted, c.p, got, c.want)
		}
	}
}
