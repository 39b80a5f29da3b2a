package xgboost

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/paddockml/paddock/flavor"
)

// Batch scheduling: rows per goroutine below which a batch runs on the
// calling goroutine, and how often a long batch checks for cancellation.
const (
	parallelRows = 512
	ctxCheckRows = 1024
)

// PredictRow writes Booster.predict's output for one row into out.
//
// features holds NumFeature values in column order, NaN marking a missing
// value; out must hold OutputWidth values. PredictRow allocates nothing and
// is safe for concurrent use. Like an out-of-range slice index, it panics
// if the lengths are wrong; Predict validates untrusted input instead.
func (m *Model) PredictRow(features []float64, out []float64) {
	if len(features) != m.numFeature || len(out) != m.width {
		panic(fmt.Sprintf("xgboost: PredictRow with %d features and %d outputs, want %d and %d",
			len(features), len(out), m.numFeature, m.width))
	}
	switch m.obj.transform {
	case transformSoftmax:
		out[0] = float64(m.bestClass(features))
	case transformSoftprob:
		m.margins(features, out)
		softmaxInPlace(out)
	default:
		for g := range out {
			out[g] = float64(m.obj.transform.apply(m.margin(g, features)))
		}
	}
}

// margin returns output group g's raw margin for row x.
func (m *Model) margin(g int, x []float64) float32 {
	if m.linear != nil {
		return m.linear.margin(g, x, m.base)
	}
	return m.forest.margin(g, x, m.base)
}

// margins writes every group's margin into out.
func (m *Model) margins(x []float64, out []float64) {
	for g := range out {
		out[g] = float64(m.margin(g, x))
	}
}

// bestClass returns the first class with the largest margin, computing the
// margins one at a time so no scratch space is needed.
func (m *Model) bestClass(x []float64) int {
	best, bestMargin := 0, m.margin(0, x)
	for g := 1; g < m.numGroup; g++ {
		if v := m.margin(g, x); v > bestMargin {
			best, bestMargin = g, v
		}
	}
	return best
}

// Predict runs the model on a batch: inputs[0] is a [rows, NumFeature]
// float64 (or float32) tensor with NaN for missing values. It returns the
// predictions output and, for classifiers, the probabilities output.
func (m *Model) Predict(ctx context.Context, inputs []flavor.Tensor) ([]flavor.Tensor, error) {
	x, n, err := m.checkInput(inputs)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	preds := make([]float64, n*m.width)
	k := m.numClasses()
	probs := make([]float64, n*k)
	if err := m.predictRows(ctx, x, preds, probs, n); err != nil {
		return nil, err
	}
	outs := []flavor.Tensor{{Name: flavor.OutputPredictions, DType: flavor.Float64, Shape: m.predShape(n), F64: preds}}
	if k > 0 {
		outs = append(outs, flavor.Tensor{Name: flavor.OutputProbabilities, DType: flavor.Float64, Shape: []int{n, k}, F64: probs})
	}
	return outs, nil
}

// checkInput validates the batch and returns its rows as one float64 slice
// and the number of rows.
func (m *Model) checkInput(inputs []flavor.Tensor) ([]float64, int, error) {
	if len(inputs) != 1 {
		return nil, 0, flavor.InputError("xgboost model takes 1 input tensor, got %d", len(inputs))
	}
	t := &inputs[0]
	if len(t.Shape) != 2 || t.Shape[1] != m.numFeature || t.Shape[0] < 0 {
		return nil, 0, flavor.InputError("input shape %v, want [rows, %d]", t.Shape, m.numFeature)
	}
	n := t.Shape[0]
	var size int
	switch t.DType {
	case flavor.Float64:
		size = len(t.F64)
	case flavor.Float32:
		size = len(t.F32)
	default:
		return nil, 0, flavor.InputError("input dtype %s, want float64 or float32", t.DType)
	}
	// Division, not n*numFeature, so a hostile shape cannot overflow.
	if size%m.numFeature != 0 || size/m.numFeature != n {
		return nil, 0, flavor.InputError("input holds %d values, shape %v needs rows*%d", size, t.Shape, m.numFeature)
	}
	if t.DType == flavor.Float64 {
		return t.F64, n, nil
	}
	// float32 -> float64 -> float32 is exact, so results are unchanged.
	x := make([]float64, size)
	for i, v := range t.F32 {
		x[i] = float64(v)
	}
	return x, n, nil
}

// predictRows fills preds and probs for n rows, splitting large batches
// across the available CPUs.
func (m *Model) predictRows(ctx context.Context, x, preds, probs []float64, n int) error {
	workers := min(runtime.GOMAXPROCS(0), n/parallelRows)
	if workers <= 1 {
		return m.predictRange(ctx, x, preds, probs, 0, n)
	}
	per := (n + workers - 1) / workers
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*per, min(n, (w+1)*per)
		wg.Go(func() { errs[w] = m.predictRange(ctx, x, preds, probs, lo, hi) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// predictRange predicts rows [lo, hi), checking ctx every ctxCheckRows rows.
func (m *Model) predictRange(ctx context.Context, x, preds, probs []float64, lo, hi int) error {
	nf, w, k := m.numFeature, m.width, m.numClasses()
	scratch := make([]float64, m.numGroup)
	for i := lo; i < hi; i++ {
		if (i-lo)%ctxCheckRows == ctxCheckRows-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		m.predictOne(x[i*nf:(i+1)*nf], preds[i*w:(i+1)*w], probs[i*k:(i+1)*k], scratch)
	}
	return nil
}

// predictOne predicts one row; probs is empty for models without a
// probabilities output, and scratch holds numGroup margins.
func (m *Model) predictOne(x, pred, probs, scratch []float64) {
	if m.obj.transform == transformSoftmax {
		m.margins(x, scratch)
		pred[0] = float64(argmax(scratch))
		copy(probs, scratch)
		softmaxInPlace(probs)
		return
	}
	m.PredictRow(x, pred)
	switch {
	case len(probs) == 0:
	case m.obj.transform == transformSoftprob:
		copy(probs, pred)
	default:
		p := float32(pred[0])
		if m.obj.transform == transformIdentity { // binary:logitraw: pred is a margin
			p = sigmoid(p)
		}
		// float32 arithmetic, as the scikit-learn wrapper's 1 - p on float32.
		probs[0], probs[1] = float64(1-p), float64(p)
	}
}
