package experiments

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paddockml/paddock/sqldb"
)

func newTestService(t testing.TB) *Service {
	t.Helper()
	return openTestService(t, filepath.Join(t.TempDir(), "t.db"))
}

// openTestService opens (creating and migrating) the database at path.
func openTestService(t testing.TB, path string) *Service {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, path, sqldb.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return New(db, nil)
}

// The metric-order fast path returns exactly what the general query
// returns, page by page: real values, then NaN, then missing, with ties
// broken by start time and run id.
func TestMetricOrderFastPathMatchesGeneralQuery(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	exp, err := svc.CreateExperiment(ctx, "e", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		st := int64(1700000000000 + rng.IntN(50)) // many equal start times
		run, err := svc.CreateRun(ctx, CreateRunRequest{ExperimentID: exp, StartTime: &st})
		if err != nil {
			t.Fatal(err)
		}
		var ms []Metric
		switch {
		case i%10 == 0: // missing f1
		case i%10 == 1:
			ms = append(ms, Metric{Key: "f1", Value: math.NaN(), Timestamp: st})
		default:
			ms = append(ms, Metric{Key: "f1", Value: float64(rng.IntN(20)) / 20, Timestamp: st}) // ties
		}
		ms = append(ms, Metric{Key: "acc", Value: rng.Float64(), Timestamp: st})
		if err := svc.LogBatch(ctx, run.Info.RunID, Batch{Metrics: ms, Params: []Param{{Key: "lr", Value: fmt.Sprint(i % 3)}}}); err != nil {
			t.Fatal(err)
		}
	}
	expID := fmt.Sprint(exp)
	for _, tc := range []struct {
		filter string
		order  string
	}{
		{"", "metrics.f1 DESC"}, {"", "metrics.f1 ASC"}, {"params.lr = '1'", "metrics.f1 DESC"},
		{"metrics.acc > 0.3", "metrics.f1"}, {"metrics.f1 > 0.5", "metrics.f1 DESC"}, {"", "metrics.nope DESC"},
	} {
		for _, size := range []int{7, 50, 1000} {
			fast := collect(t, svc, expID, tc.filter, tc.order, size)
			svc.generalSearchOnly = true
			general := collect(t, svc, expID, tc.filter, tc.order, size)
			svc.generalSearchOnly = false
			if !slices.Equal(fast, general) {
				t.Fatalf("filter %q order %q page %d: fast path differs\nfast    %v\ngeneral %v", tc.filter, tc.order, size, fast, general)
			}
			if len(fast) == 0 && tc.order != "metrics.nope DESC" && tc.filter == "" {
				t.Fatal("no runs returned")
			}
		}
	}
}

func collect(t *testing.T, svc *Service, exp, filter, order string, size int) []string {
	t.Helper()
	var ids []string
	token := ""
	for {
		page, err := svc.SearchRuns(context.Background(), RunSearch{ExperimentIDs: []string{exp}, Filter: filter, OrderBy: []string{order}, MaxResults: size, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Runs {
			ids = append(ids, r.Info.RunID)
		}
		if page.NextPageToken == "" {
			return ids
		}
		token = page.NextPageToken
	}
}
