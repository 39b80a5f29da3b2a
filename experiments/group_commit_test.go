package experiments

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/paddockml/paddock/errs"
)

// Concurrent batches share transactions, yet each is all-or-nothing on
// its own: a batch that changes a param fails alone and leaves no trace,
// and every other batch is stored in full.
func TestGroupCommitIsolatesBadBatches(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	run, err := svc.CreateRun(ctx, CreateRunRequest{ExperimentID: 0})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.LogParam(ctx, run.Info.RunID, Param{Key: "lr", Value: "0.1"}); err != nil {
		t.Fatal(err)
	}
	const n = 64
	errsOut := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := Batch{Metrics: []Metric{{Key: fmt.Sprintf("m%d", i), Value: float64(i), Timestamp: 1, Step: 0}}}
			if i%8 == 0 { // conflicting param: this batch must fail whole
				b.Params = []Param{{Key: "lr", Value: "0.2"}}
			}
			errsOut[i] = svc.LogBatch(ctx, run.Info.RunID, b)
		}()
	}
	wg.Wait()
	got, err := svc.GetRun(ctx, run.Info.RunID)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, m := range got.Metrics {
		have[m.Key] = true
	}
	for i := range n {
		key := fmt.Sprintf("m%d", i)
		if i%8 == 0 {
			if !errs.Is(errsOut[i], errs.Invalid) || have[key] {
				t.Fatalf("batch %d: err %v, stored %v; want a refusal and nothing stored", i, errsOut[i], have[key])
			}
		} else if errsOut[i] != nil || !have[key] {
			t.Fatalf("batch %d: err %v, stored %v", i, errsOut[i], have[key])
		}
	}
}
