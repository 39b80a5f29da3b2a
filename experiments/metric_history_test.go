package experiments

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// History pages, whatever the page size, give exactly the sorted and
// de-duplicated points, however they were logged: out of step order,
// across many batches, with repeats and NaN.
func TestMetricHistoryPagesAreSortedAndComplete(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	run, err := svc.CreateRun(ctx, CreateRunRequest{ExperimentID: 0})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var all []Metric
	for range 40 {
		var batch []Metric
		for range 1 + rng.IntN(60) {
			v := float64(rng.IntN(5))
			if rng.IntN(20) == 0 {
				v = math.NaN()
			}
			m := Metric{Key: "loss", Step: int64(rng.IntN(300)), Timestamp: int64(rng.IntN(3)), Value: v}
			batch = append(batch, m)
			if rng.IntN(10) == 0 {
				batch = append(batch, m) // an exact repeat
			}
		}
		batch = append(batch, Metric{Key: "other", Step: 1, Timestamp: 1, Value: 1})
		if err := svc.LogBatch(ctx, run.Info.RunID, Batch{Metrics: slices.Clone(batch)}); err != nil {
			t.Fatal(err)
		}
		for _, m := range batch {
			if m.Key == "loss" {
				all = append(all, m)
			}
		}
	}
	slices.SortFunc(all, comparePoints)
	want := slices.CompactFunc(all, samePoint)
	for _, size := range []int{0, 1, 7, 100, 25000} {
		var got []Metric
		token := ""
		for {
			page, err := svc.MetricHistory(ctx, run.Info.RunID, "loss", size, token)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, page.Metrics...)
			if page.NextPageToken == "" {
				break
			}
			token = page.NextPageToken
		}
		if len(got) != len(want) {
			t.Fatalf("page size %d: %d points, want %d", size, len(got), len(want))
		}
		for i := range want {
			if !samePoint(got[i], want[i]) || got[i].Key != "loss" {
				t.Fatalf("page size %d: point %d = %+v, want %+v", size, i, got[i], want[i])
			}
		}
	}
	latest, err := svc.GetRun(ctx, run.Info.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range latest.Metrics {
		if m.Key == "loss" && !samePoint(m, want[len(want)-1]) {
			t.Fatalf("latest loss %+v, want %+v", m, want[len(want)-1])
		}
	}
}
