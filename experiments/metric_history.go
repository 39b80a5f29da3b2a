package experiments

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"

	"github.com/paddockml/paddock/errs"
)

// HistoryPage is one page of a metric's history.
type HistoryPage struct {
	Metrics       []Metric
	NextPageToken string
}

// historyCursor is where the next page starts: the last (step, timestamp,
// value, is_nan) returned. Pages are read by range on the primary key, so
// page 1000 costs what page 1 costs.
type historyCursor struct {
	Step  int64   `json:"s"`
	TS    int64   `json:"t"`
	Value float64 `json:"v"`
	NaN   bool    `json:"n"`
}

// MetricHistory returns a run's history of one metric in (step,
// timestamp) order. maxResults <= 0 means all of it.
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
	var cur historyCursor
	q := `SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_pk = ? AND key = ?`
	args := []any{pk, key}
	if pageToken != "" {
		if cur, err = decodeCursor(pageToken); err != nil {
			return HistoryPage{}, err
		}
		q += ` AND (step, timestamp, value, is_nan) > (?, ?, ?, ?)`
		args = append(args, cur.Step, cur.TS, cur.Value, cur.NaN)
	}
	q += ` ORDER BY step, timestamp, value, is_nan`
	if maxResults > 0 {
		q += ` LIMIT ?`
		args = append(args, maxResults+1)
	}
	page := HistoryPage{Metrics: []Metric{}}
	var nans []bool
	err = s.eachRow(ctx, q, args, func(scan func(...any) error) error {
		var m Metric
		var isNaN bool
		if err := scan(&m.Key, &m.Value, &m.Timestamp, &m.Step, &isNaN); err != nil {
			return err
		}
		if isNaN {
			m.Value = math.NaN()
		}
		page.Metrics = append(page.Metrics, m)
		nans = append(nans, isNaN)
		return nil
	})
	if err != nil {
		return page, err
	}
	if maxResults > 0 && len(page.Metrics) > maxResults {
		page.Metrics = page.Metrics[:maxResults]
		last := page.Metrics[maxResults-1]
		v, _ := storedValue(last.Value)
		page.NextPageToken = encodeCursor(historyCursor{Step: last.Step, TS: last.Timestamp, Value: v, NaN: nans[maxResults-1]})
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
	args := make([]any, 0, len(runIDs)+2)
	for _, id := range runIDs {
		if err := validateRunID(id); err != nil {
			return nil, err
		}
		args = append(args, id)
	}
	args = append(args, key, maxResults)
	out := []RunMetric{}
	err := s.eachRow(ctx, `SELECT r.run_uuid, m.key, m.value, m.timestamp, m.step, m.is_nan
		FROM runs r JOIN metrics m ON m.run_pk = r.run_pk
		WHERE r.run_uuid IN (`+placeholders(len(runIDs))+`) AND m.key = ?
		ORDER BY r.run_uuid, m.step, m.timestamp, m.value LIMIT ?`, args, func(scan func(...any) error) error {
		var m RunMetric
		var isNaN bool
		if err := scan(&m.RunID, &m.Key, &m.Value, &m.Timestamp, &m.Step, &isNaN); err != nil {
			return err
		}
		if isNaN {
			m.Value = math.NaN()
		}
		out = append(out, m)
		return nil
	})
	return out, err
}
