package serving

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/serving/codec"
)

// batcher groups concurrent requests into one model call. It runs one
// worker per CPU; a free worker takes the oldest waiting request and
// every other request already queued, up to maxRows rows, and, when
// maxWait is set, waits that long past the first request for more. So
// batches form only under load: an idle model answers a lone request
// at once (with maxWait 0), and a busy one amortises its per-call cost
// (Python worker IPC, ONNX kernel setup) over the queue.
type batcher struct {
	model   flavor.Model
	maxRows int
	maxWait time.Duration
	size    prometheus.Observer
	jobs    chan *job
	quit    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

type job struct {
	ctx    context.Context
	inputs []flavor.Tensor
	rows   int
	done   chan jobResult
}

type jobResult struct {
	outs  []flavor.Tensor
	batch int // rows in the model call that answered
	err   error
}

func newBatcher(m flavor.Model, maxRows int, maxWait time.Duration, size prometheus.Observer) *batcher {
	b := &batcher{model: m, maxRows: max(maxRows, 1), maxWait: maxWait, size: size,
		jobs: make(chan *job, 4096), quit: make(chan struct{})}
	for range runtime.GOMAXPROCS(0) {
		b.wg.Add(1)
		go b.work()
	}
	return b
}

// predict queues one request and waits for its share of a batch.
func (b *batcher) predict(ctx context.Context, inputs []flavor.Tensor, rows int) ([]flavor.Tensor, int, error) {
	if rows >= b.maxRows { // already a full batch: no reason to queue it
		out, err := b.model.Predict(ctx, inputs)
		b.size.Observe(float64(rows))
		return out, rows, err
	}
	j := &job{ctx: ctx, inputs: inputs, rows: rows, done: make(chan jobResult, 1)}
	select {
	case b.jobs <- j:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	select {
	case r := <-j.done:
		return r.outs, r.batch, r.err
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
}

// stop ends the workers once the requests queued are answered.
func (b *batcher) stop() {
	b.once.Do(func() { close(b.quit) })
	b.wg.Wait()
}

func (b *batcher) work() {
	defer b.wg.Done()
	for {
		var first *job
		select {
		case first = <-b.jobs:
		case <-b.quit:
			b.drain()
			return
		}
		b.run(b.gather(first))
	}
}

// drain answers what is still queued when the batcher stops.
func (b *batcher) drain() {
	for {
		select {
		case j := <-b.jobs:
			b.run([]*job{j})
		default:
			return
		}
	}
}

// gather collects jobs to run with first: those queued now, then, with
// maxWait, those arriving before it runs out.
func (b *batcher) gather(first *job) []*job {
	batch, rows := []*job{first}, first.rows
	var deadline <-chan time.Time
	if b.maxWait > 0 {
		t := time.NewTimer(b.maxWait)
		defer t.Stop()
		deadline = t.C
	}
	for rows < b.maxRows {
		select {
		case j := <-b.jobs:
			if rows+j.rows > b.maxRows {
				b.run([]*job{j}) // does not fit: answer it on its own rather than hold it
				continue
			}
			batch, rows = append(batch, j), rows+j.rows
			continue
		default:
		}
		if deadline == nil {
			break
		}
		select {
		case j := <-b.jobs:
			if rows+j.rows > b.maxRows {
				b.run([]*job{j})
				continue
			}
			batch, rows = append(batch, j), rows+j.rows
		case <-deadline:
			return batch
		}
	}
	return batch
}

// run predicts a batch in one call and hands each job its rows. Jobs
// whose caller gave up are left out.
func (b *batcher) run(batch []*job) {
	live := batch[:0]
	for _, j := range batch {
		if j.ctx.Err() != nil {
			j.done <- jobResult{err: j.ctx.Err()}
			continue
		}
		live = append(live, j)
	}
	if len(live) == 0 {
		return
	}
	if len(live) == 1 {
		j := live[0]
		out, err := b.model.Predict(j.ctx, j.inputs)
		b.size.Observe(float64(j.rows))
		j.done <- jobResult{outs: out, batch: j.rows, err: err}
		return
	}
	b.runMany(live)
}

func (b *batcher) runMany(jobs []*job) {
	inputs := make([][]flavor.Tensor, len(jobs))
	rows := make([]int, len(jobs))
	total := 0
	for i, j := range jobs {
		inputs[i], rows[i], total = j.inputs, j.rows, total+j.rows
	}
	joined, err := codec.ConcatRows(inputs)
	if err != nil { // inputs that do not stack: answer one by one
		for _, j := range jobs {
			b.run([]*job{j})
		}
		return
	}
	// The batch runs on behalf of several callers: it is bounded by the
	// longest of their deadlines, not cancelled by the first to leave.
	ctx, cancel := context.WithTimeout(context.Background(), latestDeadline(jobs))
	defer cancel()
	out, err := b.model.Predict(ctx, joined)
	b.size.Observe(float64(total))
	if err == nil {
		err = checkBatchOutputs(out, total)
	}
	var parts [][]flavor.Tensor
	if err == nil {
		parts = splitRows(out, rows)
	}
	for i, j := range jobs {
		if err != nil {
			j.done <- jobResult{err: err, batch: total}
			continue
		}
		j.done <- jobResult{outs: parts[i], batch: total}
	}
}

// splitRows cuts the outputs of a joined prediction back into each
// request's rows, in order; rows are the requests' row counts.
func splitRows(out []flavor.Tensor, rows []int) [][]flavor.Tensor {
	parts := make([][]flavor.Tensor, len(rows))
	off := 0
	for i, r := range rows {
		mine := make([]flavor.Tensor, len(out))
		for k := range out {
			mine[k] = codec.SliceRows(&out[k], off, off+r)
		}
		parts[i], off = mine, off+r
	}
	return parts
}

func latestDeadline(jobs []*job) time.Duration {
	longest := time.Duration(0)
	for _, j := range jobs {
		if d, ok := j.ctx.Deadline(); ok {
			longest = max(longest, time.Until(d))
		} else {
			return time.Hour
		}
	}
	return max(longest, time.Millisecond)
}

// checkBatchOutputs verifies every output has one row per input row, so
// it can be split back.
func checkBatchOutputs(outs []flavor.Tensor, rows int) error {
	for _, o := range outs {
		if len(o.Shape) == 0 || o.Shape[0] != rows {
			return fmt.Errorf("batched prediction: output %q has shape %v for %d rows", o.Name, o.Shape, rows)
		}
	}
	return nil
}
