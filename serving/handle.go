package serving

import (
	"context"
	"os"
	"sync/atomic"
	"time"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/modeldir"
)

// handle is one loaded model version. It is shared by every alias that
// names the version and by requests addressing it by number.
//
// refs counts the endpoint's own reference (held while the version is
// installed) plus one per request in flight. Once it reaches zero the
// model is closed and no request can take it again: acquire never
// raises a count from zero. So a swap only drops the endpoint's
// reference, and the old version closes when its last request finishes.
type handle struct {
	model   string
	version int64
	digest  string
	dir     string
	loaded  *modeldir.Loaded
	sig     flavor.Signature
	batch   *batcher // nil when batching is off
	// outputs are the model outputs serving answers with, in order:
	// the predict_fn's output first.
	outputs []int

	refs     atomic.Int64
	lastUsed atomic.Int64 // Unix nanoseconds of the last request
	byNumber atomic.Bool  // requested as /versions/N: kept UnloadAfter past its last use
	closed   chan struct{}
	series   atomic.Pointer[aliasSeries]
}

// acquire takes a reference for a request; false means the handle has
// been closed and the caller must resolve again.
func (h *handle) acquire() bool {
	for {
		n := h.refs.Load()
		if n <= 0 {
			return false
		}
		if h.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release drops a reference and closes the model with the last one.
func (h *handle) release() {
	if h.refs.Add(-1) == 0 {
		h.close()
	}
}

func (h *handle) close() {
	if h.batch != nil {
		h.batch.stop()
	}
	_ = h.loaded.Model.Close()
	_ = os.RemoveAll(h.dir)
	close(h.closed)
}

// predict runs the model on bound inputs of rows rows, through the
// batcher when there is one.
func (h *handle) predict(ctx context.Context, inputs []flavor.Tensor, rows int) ([]flavor.Tensor, int, error) {
	// The janitor needs a coarse time: writing the shared word only when
	// it is 100 ms old keeps cores from trading its cache line on every
	// request.
	if now := time.Now().UnixNano(); now-h.lastUsed.Load() > int64(100*time.Millisecond) {
		h.lastUsed.Store(now)
	}
	if h.batch != nil {
		return h.batch.predict(ctx, inputs, rows)
	}
	out, err := h.loaded.Model.Predict(ctx, inputs)
	return out, rows, err
}

// interruptible reports whether a prediction can be cut short by its
// context: a batched one (it waits in a queue) or one run by Python
// workers. An in-process tree or network walk runs to its end anyway, so
// it is not given a timer it would never look at.
func (h *handle) interruptible() bool {
	return h.batch != nil || h.loaded.Flavor == modeldir.Python
}

// answer returns the outputs serving answers with.
func (h *handle) answer(outs []flavor.Tensor) []flavor.Tensor {
	if len(h.outputs) == 0 || (len(h.outputs) == len(outs) && isIdentity(h.outputs)) {
		return outs
	}
	sel := make([]flavor.Tensor, 0, len(h.outputs))
	for _, i := range h.outputs {
		if i < len(outs) {
			sel = append(sel, outs[i])
		}
	}
	return sel
}

func isIdentity(idx []int) bool {
	for i, j := range idx {
		if i != j {
			return false
		}
	}
	return true
}

// outputOrder picks the outputs to answer with: for a predict_fn of
// predict_proba, the probabilities alone; for predict, the predictions
// alone when the model has both (MLflow's pyfunc returns one array);
// otherwise every output, in the model's order.
func outputOrder(l *modeldir.Loaded) []int {
	outs := l.Signature.Outputs
	find := func(name string) int {
		for i, o := range outs {
			if o.Name == name {
				return i
			}
		}
		return -1
	}
	if l.PredictFn == modeldir.PredictFnProba {
		if i := find(flavor.OutputProbabilities); i >= 0 {
			return []int{i}
		}
	}
	if i := find(flavor.OutputPredictions); i >= 0 {
		return []int{i}
	}
	all := make([]int, len(outs))
	for i := range all {
		all[i] = i
	}
	return all
}
