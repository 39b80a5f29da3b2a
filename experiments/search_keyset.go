package experiments

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"

	"github.com/paddockml/paddock/experiments/filter"
)

// SearchRuns' page tokens are MLflow's offsets, and an offset is walked
// again on every page: page 2,000 of 100,000 runs reads the 99,950 before
// it. A table that people page through wants keyset cursors instead: the
// token holds the last row's sort key, and the next page starts there
// through an index. BrowseRuns gives them for the orders that have an
// index to start from: the newest-first default (and start_time either
// way), and one metric, param or tag, walked through its (key, value)
// index (the runs without a value, or with NaN, that follow are paged by
// offset within their segment). Other orders fall back to SearchRuns'
// offsets.

// keysetPrefix marks BrowseRuns' own tokens; anything else is MLflow's.
const keysetPrefix = "k1."

// keyset is a position in a keyset-paged listing: after the run with
// this sort key. Seg 0 holds the runs with a sort value (Value for a
// metric, as float64 bits; Text for a param or tag) and a start time;
// seg 1 the rest, paged by Offset.
type keyset struct {
	Seg    int    `json:"s"`
	Value  uint64 `json:"v,omitempty"`
	Text   string `json:"x,omitempty"`
	Start  int64  `json:"t,omitempty"`
	RunID  string `json:"u,omitempty"`
	Offset int    `json:"o,omitempty"`
}

func (k keyset) token() string {
	b, _ := json.Marshal(k)
	return keysetPrefix + base64.RawURLEncoding.EncodeToString(b)
}

func parseKeyset(tok string) (keyset, error) {
	var k keyset
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, keysetPrefix))
	if err != nil || json.Unmarshal(b, &k) != nil || k.Seg < 0 || k.Seg > 1 || k.Offset < 0 || len(k.RunID) > 64 || len(k.Text) > MaxTagValueLength {
		return k, invalid("Invalid page token")
	}
	return k, nil
}

// BrowseRuns is SearchRuns for paging through a table: the same runs in
// the same order, with page tokens that cost no more on page 2,000 than
// on page 2 where the order allows (see above). Its tokens are its own;
// an MLflow token is taken as SearchRuns takes it.
func (s *Service) BrowseRuns(ctx context.Context, req RunSearch) (RunPage, error) {
	if req.PageToken != "" && !strings.HasPrefix(req.PageToken, keysetPrefix) {
		return s.SearchRuns(ctx, req)
	}
	order, err := filter.ParseRunOrderBy(req.OrderBy)
	if err != nil {
		return RunPage{}, filterError(err)
	}
	ks, ok := newKeysetQuery(order)
	if !ok {
		if req.PageToken != "" {
			return RunPage{}, invalid("Invalid page token for this order")
		}
		return s.SearchRuns(ctx, req)
	}
	limit, err := pageSize(req.MaxResults, MaxResultsRuns)
	if err != nil {
		return RunPage{}, err
	}
	expr, err := filter.ParseRunFilter(req.Filter)
	if err != nil {
		return RunPage{}, filterError(err)
	}
	if ks.base, err = filter.BuildRunQuery(expr, nil); err != nil {
		return RunPage{}, filterError(err)
	}
	if ks.full, err = filter.BuildRunQuery(expr, order); err != nil {
		return RunPage{}, filterError(err)
	}
	after := keyset{}
	if req.PageToken != "" {
		if after, err = parseKeyset(req.PageToken); err != nil {
			return RunPage{}, err
		}
	}
	if len(req.ExperimentIDs) == 0 {
		return RunPage{Runs: []Run{}}, nil
	}
	if ks.scope, ks.scopeArgs, err = scopeWhere("r.experiment_id", "r.lifecycle_stage", req.ExperimentIDs, req.ViewType); err != nil {
		return RunPage{}, err
	}
	return s.browse(ctx, ks, after, limit)
}

// browse reads one page from after: the rest of its segment, then the
// next segment while the page has room (and one run more, to know
// whether another page follows).
func (s *Service) browse(ctx context.Context, ks keysetQuery, after keyset, limit int) (RunPage, error) {
	load := s.startPageLoad(ctx)
	keys := map[string]keyset{} // run id → its position
	add := func(pk int64, k keyset) {
		keys[k.RunID] = k
		load.add(pk)
	}
	var err error
	if after.Seg == 0 {
		q := ks.firstSegment(after, limit+1)
		err = s.eachRow(ctx, q, ks.args, func(scan func(...any) error) error {
			k := keyset{}
			var pk int64
			var v any
			if err := scan(&pk, &v, &k.Start, &k.RunID); err != nil {
				return err
			}
			switch v := v.(type) {
			case float64:
				k.Value = math.Float64bits(v)
			case int64: // a double SQLite hands back as an integer
				k.Value = math.Float64bits(float64(v))
			case string:
				k.Text = v
			case []byte:
				k.Text = string(v)
			}
			add(pk, k)
			return nil
		})
		after = keyset{Seg: 1}
	}
	if room := limit + 1 - load.count(); err == nil && room > 0 {
		q, args := ks.restSegment()
		n := after.Offset
		err = s.eachRow(ctx, q+" LIMIT ? OFFSET ?", append(args, room, after.Offset), func(scan func(...any) error) error {
			k := keyset{Seg: 1}
			var pk int64
			if err := scan(&pk, &k.RunID); err != nil {
				return err
			}
			n++
			k.Offset = n
			add(pk, k)
			return nil
		})
	}
	runs, more, err := load.finish(err, limit)
	if err != nil {
		return RunPage{}, err
	}
	page := RunPage{Runs: runs}
	if runs == nil {
		page.Runs = []Run{}
	}
	if more && len(runs) > 0 {
		page.NextPageToken = keys[runs[len(runs)-1].Info.RunID].token()
	}
	return page, nil
}
