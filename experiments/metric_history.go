package experiments

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"slices"

	"github.com/paddockml/paddock/errs"
)

// HistoryPage is one page of a metric's history.
type HistoryPage struct {
	Metrics       []Metric
	NextPageToken string
}

// historyCursor is where the next page starts: the last point returned
// (the value as its bits, so that NaN survives JSON).
type historyCursor struct {
	Step  int64  `json:"s"`
	TS    int64  `json:"t"`
	Value uint64 `json:"v"`
}

// MetricHistory returns a run's history of one metric in (step,
// timestamp, value) order. maxResults <= 0 means all of it.
func (s *Service) MetricHistory(ctx context.Context, runID, key string, maxResults int, pageToken string) (HistoryPage, error) {
	if key == "" {
		return HistoryPage{}, invalid("Missing value for required parameter 'metric_key'.")
	}
	if maxResults > MaxHistoryPageSize {
		return HistoryPage{}, invalid("Invalid value for parameter 'max_results' supplied. It must be at most %d, but got value %d", MaxHistoryPageSize, maxResults)
	}
	pk, err := s.runPK(ctx, runID)
	if err != nil {
		return HistoryPage{}, err
	}
	var after *Metric
	if pageToken != "" {
		cur, err := decodeCursor(pageToken)
		if err != nil {
			return HistoryPage{}, err
		}
		after = &Metric{Step: cur.Step, Timestamp: cur.TS, Value: math.Float64frombits(cur.Value)}
	}
	limit := 0
	if maxResults > 0 {
		limit = maxResults + 1
	}
	points, err := s.readHistory(ctx, pk, key, after, limit)
	if err != nil {
		return HistoryPage{}, err
	}
	page := HistoryPage{Metrics: points}
	if maxResults > 0 && len(points) > maxResults {
		page.Metrics = points[:maxResults]
		last := page.Metrics[maxResults-1]
		page.NextPageToken = encodeCursor(historyCursor{Step: last.Step, TS: last.Timestamp, Value: math.Float64bits(last.Value)})
	}
	return page, nil
}

func encodeCursor(c historyCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(tok string) (historyCursor, error) {
	var c historyCursor
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || json.Unmarshal(b, &c) != nil {
		return c, invalid("Invalid page token, could not base64-decode")
	}
	return c, nil
}

// runPK returns a run's primary key, whatever its lifecycle stage.
func (s *Service) runPK(ctx context.Context, runID string) (int64, error) {
	if err := validateRunID(runID); err != nil {
		return 0, err
	}
	var pk int64
	err := s.db.Read.QueryRowContext(ctx, `SELECT run_pk FROM runs WHERE run_uuid = ?`, runID).Scan(&pk)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.E(errs.NotFound, "Run with id=%s not found", runID)
	}
	return pk, err
}

// RunMetric is a metric point with the run it belongs to.
type RunMetric struct {
	Metric
	RunID string
}

// MaxBulkRuns caps the runs of one bulk history request (MLflow's limit).
const MaxBulkRuns = 100

// BulkMetricHistory returns one metric's history for several runs, at
// most maxResults points in all, ordered by run then step.
func (s *Service) BulkMetricHistory(ctx context.Context, runIDs []string, key string, maxResults int) ([]RunMetric, error) {
	if len(runIDs) == 0 {
		return nil, invalid("GetMetricHistoryBulk request must specify at least one run_id.")
	}
	if len(runIDs) > MaxBulkRuns {
		return nil, invalid("GetMetricHistoryBulk request cannot specify more than %d run_ids. Received %d run_ids.", MaxBulkRuns, len(runIDs))
	}
	if key == "" {
		return nil, invalid("GetMetricHistoryBulk request must specify a metric_key.")
	}
	if maxResults <= 0 || maxResults > MaxHistoryPageSize {
		maxResults = MaxHistoryPageSize
	}
	out := []RunMetric{}
	ids := slices.Compact(slices.Sorted(slices.Values(runIDs))) // by run, as before
	for _, id := range ids {
		pk, err := s.runPK(ctx, id)
		if errs.Is(err, errs.NotFound) {
			continue // MLflow returns what exists
		}
		if err != nil {
			return nil, err
		}
		points, err := s.readHistory(ctx, pk, key, nil, maxResults-len(out))
		if err != nil {
			return nil, err
		}
		for _, p := range points {
			out = append(out, RunMetric{Metric: p, RunID: id})
		}
		if len(out) >= maxResults {
			break
		}
	}
	return out, nil
}
