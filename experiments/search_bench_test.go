package experiments

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
)

// benchRuns is the size of issue 3's search target: 1000 of 100,000 runs.
const benchRuns = 100_000

// BenchmarkSearchRuns is the store side of bench/tracking's search: a
// page of 1000 runs out of 100,000, filtered on a metric and a param and
// ordered by another metric, with the runs' data loaded. The dataset is
// built once per run of the benchmark (b.Loop calls the body once), the
// same shape as bench/tracking's: three metrics, two params and a tag.
// Building takes about two minutes; to profile repeatedly, set
// PADDOCK_SEARCH_BENCH_DB to a file path: the first run builds the
// dataset there and later runs reuse it (migrating it first).
func BenchmarkSearchRuns(b *testing.B) {
	ctx := context.Background()
	svc, exp := searchBenchService(b)
	req := RunSearch{
		ExperimentIDs: []string{strconv.FormatInt(exp, 10)},
		Filter:        "metrics.accuracy > 0.5 and params.lr = '0.01'",
		OrderBy:       []string{"metrics.f1 DESC"},
		MaxResults:    1000,
	}
	for b.Loop() {
		page, err := svc.SearchRuns(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Runs) != 1000 || len(page.Runs[0].Metrics) != 3 || len(page.Runs[0].Params) != 2 {
			b.Fatalf("got %d runs, first %+v", len(page.Runs), page.Runs[0])
		}
	}
}

// searchBenchService returns the service and the benchmark experiment,
// building the dataset unless PADDOCK_SEARCH_BENCH_DB names one.
func searchBenchService(b *testing.B) (*Service, int64) {
	b.Helper()
	path := os.Getenv("PADDOCK_SEARCH_BENCH_DB")
	if path == "" {
		svc := newTestService(b)
		return svc, populateSearchBench(b, svc, benchRuns)
	}
	_, statErr := os.Stat(path)
	svc := openTestService(b, path)
	if statErr == nil {
		exp, err := svc.GetExperimentByName(context.Background(), "search-bench")
		if err != nil {
			b.Fatal(err)
		}
		return svc, exp.ID
	}
	return svc, populateSearchBench(b, svc, benchRuns)
}

// populateSearchBench writes n runs through the service from several
// goroutines, so that their batches share group commits.
func populateSearchBench(b *testing.B, svc *Service, n int) int64 {
	b.Helper()
	ctx := context.Background()
	exp, err := svc.CreateExperiment(ctx, "search-bench", "", nil)
	if err != nil {
		b.Fatal(err)
	}
	const workers = 16
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := w; i < n && errs[w] == nil; i += workers {
				errs[w] = writeBenchRun(ctx, svc, rng, exp, i)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	return exp
}

func writeBenchRun(ctx context.Context, svc *Service, rng *rand.Rand, exp int64, i int) error {
	st := int64(1700000000000 + i)
	run, err := svc.CreateRun(ctx, CreateRunRequest{ExperimentID: exp, StartTime: &st, RunName: fmt.Sprintf("run-%d", i)})
	if err != nil {
		return err
	}
	return svc.LogBatch(ctx, run.Info.RunID, Batch{
		Metrics: []Metric{
			{Key: "accuracy", Value: rng.Float64(), Timestamp: st, Step: 10},
			{Key: "f1", Value: rng.Float64(), Timestamp: st, Step: 10},
			{Key: "loss", Value: rng.Float64(), Timestamp: st, Step: 10},
		},
		Params: []Param{{Key: "lr", Value: fmt.Sprint([]float64{0.1, 0.01, 0.001}[i%3])}, {Key: "depth", Value: fmt.Sprint(3 + i%6)}},
		Tags:   []Tag{{Key: "team", Value: []string{"growth", "nlp", "risk"}[i%3]}},
	})
}
