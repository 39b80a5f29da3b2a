package server

import (
	"container/list"
	"context"
	"sync"

	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/ui"
)

// A chart of a long history reads all of it, megabytes of blocks, even
// reduced on the way (about 30 ms of CPU for 1,000,000 points). The same
// curve is asked for again and again, by the run page, its metric picker,
// the back button, a page reloaded while a run trains, and every
// comparison the run is in; and it changes only by the points logged
// since. So the run pages keep the last curves they drew, and bring one up
// to date with experiments.UpdateCurve: one index read when nothing
// changed, the new blocks alone when points were appended.

// maxCachedCurves bounds the curves kept: each is at most
// 4×ui.ChartPoints points (about 40 KB).
const maxCachedCurves = 64

// curveCache is a small LRU of reduced curves, safe for concurrent use.
type curveCache struct {
	mu      sync.Mutex
	byKey   map[curveKey]*list.Element
	recency *list.List // of *cachedCurve, most recent first
}

type curveKey struct{ run, metric string }

type cachedCurve struct {
	key   curveKey
	curve experiments.Curve
}

func newCurveCache() *curveCache {
	return &curveCache{byKey: map[curveKey]*list.Element{}, recency: list.New()}
}

// curveSource is what the cache reads through: experiments.Service.
type curveSource interface {
	MetricCurve(ctx context.Context, runID, key string, columns int) (experiments.Curve, error)
	UpdateCurve(ctx context.Context, prev experiments.Curve) (experiments.Curve, error)
}

// get returns the curve of a run's metric for a chart of ui.ChartPoints
// columns, brought up to date. The curve is shared: callers must not
// change it.
func (cc *curveCache) get(ctx context.Context, src curveSource, runID, metric string) (experiments.Curve, error) {
	k := curveKey{runID, metric}
	cc.mu.Lock()
	el, kept := cc.byKey[k]
	var prev experiments.Curve
	if kept {
		prev = el.Value.(*cachedCurve).curve
		cc.recency.MoveToFront(el)
	}
	cc.mu.Unlock()
	var c experiments.Curve
	var err error
	if kept {
		c, err = src.UpdateCurve(ctx, prev)
	} else {
		c, err = src.MetricCurve(ctx, runID, metric, ui.ChartPoints)
	}
	if err != nil {
		return c, err
	}
	cc.put(&cachedCurve{key: k, curve: c})
	return c, nil
}

func (cc *curveCache) put(e *cachedCurve) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if el, ok := cc.byKey[e.key]; ok {
		el.Value = e
		cc.recency.MoveToFront(el)
		return
	}
	cc.byKey[e.key] = cc.recency.PushFront(e)
	for cc.recency.Len() > maxCachedCurves {
		last := cc.recency.Back()
		delete(cc.byKey, last.Value.(*cachedCurve).key)
		cc.recency.Remove(last)
	}
}
