package serving

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paddockml/paddock/flavor"
)

// doubler is a model that doubles its single [batch, 2] input and
// records the batch sizes it was called with. It tests the batcher's
// joining and splitting, which do not depend on what the model computes.
type doubler struct {
	mu    sync.Mutex
	calls []int
	delay time.Duration
}

func (d *doubler) Signature() flavor.Signature { return flavor.Signature{} }
func (d *doubler) Close() error                { return nil }
func (d *doubler) Predict(ctx context.Context, in []flavor.Tensor) ([]flavor.Tensor, error) {
	d.mu.Lock()
	d.calls = append(d.calls, in[0].Shape[0])
	d.mu.Unlock()
	time.Sleep(d.delay)
	out := flavor.Tensor{Name: "predictions", DType: flavor.Float64, Shape: []int{in[0].Shape[0]}}
	for r := range in[0].Shape[0] {
		out.F64 = append(out.F64, 2*in[0].F64[r*2])
	}
	return []flavor.Tensor{out}, nil
}

// Concurrent requests are joined into batches of at most maxRows and
// each caller gets exactly its own rows back.
func TestBatcherJoinsAndSplits(t *testing.T) {
	m := &doubler{delay: 2 * time.Millisecond}
	b := newBatcher(m, 16, 3*time.Millisecond, prometheus.NewHistogram(prometheus.HistogramOpts{Name: "x"}))
	defer b.stop()
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows := 1 + i%3
			in := flavor.Tensor{DType: flavor.Float64, Shape: []int{rows, 2}}
			for r := range rows {
				in.F64 = append(in.F64, float64(i*10+r), -1)
			}
			out, batch, err := b.predict(context.Background(), []flavor.Tensor{in}, rows)
			if err != nil || len(out) != 1 || out[0].Shape[0] != rows || batch < rows {
				errs <- "bad result"
				return
			}
			for r := range rows {
				if out[0].F64[r] != 2*float64(i*10+r) {
					errs <- "rows of another request"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	joined, maxRows := 0, 0
	for _, n := range m.calls {
		maxRows = max(maxRows, n)
		if n > 3 {
			joined++
		}
	}
	if maxRows > 16 {
		t.Fatalf("a batch of %d rows exceeds max_batch_size 16", maxRows)
	}
	if joined == 0 {
		t.Fatalf("200 concurrent requests never formed a batch: calls %v", m.calls)
	}
}

// A request whose caller has gone is not predicted, and the others in
// its batch still are.
func TestBatcherSkipsCancelledRequests(t *testing.T) {
	m := &doubler{}
	b := newBatcher(m, 8, 0, prometheus.NewHistogram(prometheus.HistogramOpts{Name: "x"}))
	defer b.stop()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := flavor.Tensor{DType: flavor.Float64, Shape: []int{1, 2}, F64: []float64{1, 1}}
	if _, _, err := b.predict(ctx, []flavor.Tensor{in}, 1); err == nil {
		t.Fatal("a cancelled request must fail")
	}
	out, _, err := b.predict(context.Background(), []flavor.Tensor{in}, 1)
	if err != nil || out[0].F64[0] != 2 {
		t.Fatalf("live request: %v %v", out, err)
	}
}
