package experiments

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paddockml/paddock/errs"
)

// browse pages through BrowseRuns and returns the run ids and the tokens.
func browseAll(t *testing.T, svc *Service, exp, filter string, order []string, size int) ([]string, []string) {
	t.Helper()
	var ids, tokens []string
	token := ""
	for range 10_000 {
		page, err := svc.BrowseRuns(context.Background(), RunSearch{ExperimentIDs: []string{exp}, Filter: filter, OrderBy: order, MaxResults: size, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Runs {
			ids = append(ids, r.Info.RunID)
		}
		if page.NextPageToken == "" {
			return ids, tokens
		}
		token = page.NextPageToken
		tokens = append(tokens, token)
	}
	t.Fatal("paging did not end")
	return nil, nil
}

// Keyset pages give exactly SearchRuns' runs in SearchRuns' order, for
// every order they serve and the ones they hand back to offsets, through
// ties in value and start time, NaN, missing metrics and missing start
// times.
func TestBrowseRunsMatchesSearchRuns(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	exp, err := svc.CreateExperiment(ctx, "e", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 240 {
		st := int64(1700000000000 + rng.IntN(40)) // many equal start times
		run, err := svc.CreateRun(ctx, CreateRunRequest{ExperimentID: exp, StartTime: &st})
		if err != nil {
			t.Fatal(err)
		}
		var ms []Metric
		switch i % 10 {
		case 0: // no f1
		case 1:
			ms = append(ms, Metric{Key: "f1", Value: math.NaN(), Timestamp: st})
		default:
			ms = append(ms, Metric{Key: "f1", Value: float64(rng.IntN(15)) / 15, Timestamp: st})
		}
		ms = append(ms, Metric{Key: "acc", Value: rng.Float64(), Timestamp: st})
		b := Batch{Metrics: ms}
		if i%7 != 0 { // some runs without lr or team
			b.Params = []Param{{Key: "lr", Value: fmt.Sprint(i % 3)}}
			b.Tags = []Tag{{Key: "team", Value: []string{"a", "b", "B", "é"}[i%4]}}
		}
		if err := svc.LogBatch(ctx, run.Info.RunID, b); err != nil {
			t.Fatal(err)
		}
	}
	// A few runs without a start time (older clients), by hand.
	if _, err := svc.db.Write.ExecContext(ctx, `UPDATE runs SET start_time = NULL WHERE run_pk % 37 = 0`); err != nil {
		t.Fatal(err)
	}
	expID := fmt.Sprint(exp)
	for _, tc := range []struct {
		filter string
		order  []string
		keyset bool
	}{
		{"", nil, true}, {"params.lr = '1'", nil, true}, {"", []string{"attributes.start_time ASC"}, true},
		{"", []string{"metrics.f1 DESC"}, true}, {"", []string{"metrics.f1"}, true}, {"params.lr = '2'", []string{"metrics.f1 DESC"}, true},
		{"metrics.acc > 0.4", []string{"metrics.f1"}, true}, {"", []string{"metrics.nope DESC"}, true},
		{"", []string{"params.lr DESC"}, true}, {"metrics.acc < 0.7", []string{"params.lr"}, true},
		{"", []string{"tags.team"}, true}, {"", []string{"params.nope"}, true},
		{"", []string{"attributes.status"}, false}, {"", []string{"metrics.f1 DESC", "params.lr"}, false},
	} {
		for _, size := range []int{1, 7, 50, 1000} {
			want := collectOrdered(t, svc, expID, tc.filter, tc.order, size)
			got, tokens := browseAll(t, svc, expID, tc.filter, tc.order, size)
			if !slices.Equal(got, want) {
				t.Fatalf("filter %q order %v page %d: keyset pages differ\ngot  %v\nwant %v", tc.filter, tc.order, size, got, want)
			}
			for _, tok := range tokens {
				if strings.HasPrefix(tok, keysetPrefix) != tc.keyset {
					t.Fatalf("filter %q order %v: token %q, keyset %v expected", tc.filter, tc.order, tok, tc.keyset)
				}
			}
		}
	}
}

func collectOrdered(t *testing.T, svc *Service, exp, filter string, order []string, size int) []string {
	t.Helper()
	var ids []string
	token := ""
	for {
		page, err := svc.SearchRuns(context.Background(), RunSearch{ExperimentIDs: []string{exp}, Filter: filter, OrderBy: order, MaxResults: size, PageToken: token})
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

// Tokens that were not made for the request are refused, not followed.
func TestBrowseRunsBadTokens(t *testing.T) {
	svc := newTestService(t)
	for _, tc := range []struct {
		token string
		order []string
	}{
		{keysetPrefix + "!!!", nil},
		{keysetPrefix + keyset{Seg: 5}.token()[len(keysetPrefix):], nil},
		{keyset{RunID: "x"}.token(), []string{"attributes.status"}},
	} {
		_, err := svc.BrowseRuns(context.Background(), RunSearch{ExperimentIDs: []string{"0"}, OrderBy: tc.order, PageToken: tc.token})
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("token %q order %v: %v, want invalid", tc.token, tc.order, err)
		}
	}
}

// Any page token gets a page or a clear refusal, never a panic or a
// server error.
func FuzzBrowseRunsToken(f *testing.F) {
	svc := newTestService(f)
	ctx := context.Background()
	for i := range 3 {
		st := int64(i)
		run, err := svc.CreateRun(ctx, CreateRunRequest{ExperimentID: 0, StartTime: &st})
		if err != nil {
			f.Fatal(err)
		}
		if err := svc.LogBatch(ctx, run.Info.RunID, Batch{Metrics: []Metric{{Key: "f1", Value: float64(i), Timestamp: 1}},
			Params: []Param{{Key: "lr", Value: fmt.Sprint(i)}}}); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(keyset{Value: 7, Start: 1, RunID: "ab"}.token(), "metrics.f1 DESC")
	f.Add(keyset{Seg: 1, Offset: 2}.token(), "params.lr")
	f.Add(keysetPrefix+"e30", "")
	f.Fuzz(func(t *testing.T, token, order string) {
		var orderBy []string
		if order != "" {
			orderBy = []string{order}
		}
		_, err := svc.BrowseRuns(ctx, RunSearch{ExperimentIDs: []string{"0"}, OrderBy: orderBy, PageToken: token, MaxResults: 2})
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Fatalf("token %q order %q: %v", token, order, err)
		}
	})
}
