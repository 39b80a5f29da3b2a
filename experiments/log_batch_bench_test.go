package experiments

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkLogBatch measures the store side of log-batch: 1000 metric
// points (10 keys × 100 steps) in one transaction.
func BenchmarkLogBatch(b *testing.B) {
	ctx := context.Background()
	svc := newTestService(b)
	run, err := svc.CreateRun(ctx, CreateRunRequest{ExperimentID: 0})
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]string, 10)
	for i := range keys {
		keys[i] = fmt.Sprintf("m%d", i)
	}
	step := int64(0)
	batch := Batch{Metrics: make([]Metric, 1000)}
	for b.Loop() {
		for i := range batch.Metrics {
			batch.Metrics[i] = Metric{Key: keys[i%10], Value: float64(i) * 0.001, Timestamp: 1700000000000 + step, Step: step}
			if i%10 == 9 {
				step++
			}
		}
		if err := svc.LogBatch(ctx, run.Info.RunID, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "points/s")
}
