package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/paddockml/paddock/experiments"
)

// fakeCurves counts the curves read whole and brought up to date; an
// update returns the curve it was given when changed is false.
type fakeCurves struct {
	changed        bool
	reads, updates int
}

func (f *fakeCurves) MetricCurve(_ context.Context, runID, key string, _ int) (experiments.Curve, error) {
	f.reads++
	return experiments.Curve{Key: key, Points: 100 * f.reads}, nil
}

func (f *fakeCurves) UpdateCurve(_ context.Context, prev experiments.Curve) (experiments.Curve, error) {
	f.updates++
	if f.changed {
		prev.Points++
	}
	return prev, nil
}

// A kept curve is brought up to date rather than read again, and the
// least recently used ones go past the bound.
func TestCurveCacheUpdatesKeptCurves(t *testing.T) {
	ctx := context.Background()
	src := &fakeCurves{}
	cc := newCurveCache()
	for range 3 {
		if c, _ := cc.get(ctx, src, "run", "loss"); c.Points != 100 {
			t.Fatalf("curve %+v, want the first read", c)
		}
	}
	if src.reads != 1 || src.updates != 2 {
		t.Fatalf("%d reads and %d updates, want 1 and 2", src.reads, src.updates)
	}
	src.changed = true
	if c, _ := cc.get(ctx, src, "run", "loss"); c.Points != 101 {
		t.Fatalf("after a change: curve %+v, want the updated one", c)
	}
	if c, _ := cc.get(ctx, src, "run", "loss"); c.Points != 102 {
		t.Fatalf("the updated curve was not kept: %+v", c)
	}
	for i := range maxCachedCurves {
		cc.get(ctx, src, fmt.Sprint("other", i), "loss")
	}
	if cc.recency.Len() != maxCachedCurves || len(cc.byKey) != maxCachedCurves {
		t.Fatalf("%d curves kept, want %d", cc.recency.Len(), maxCachedCurves)
	}
	reads := src.reads
	if cc.get(ctx, src, "run", "loss"); src.reads != reads+1 {
		t.Error("the least recently used curve was not the one dropped")
	}
}
