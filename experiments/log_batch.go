package experiments

import (
	"context"
	"database/sql"
	"math"
	"strings"
	"unicode"

	"github.com/paddockml/paddock/errs"
)

// Batch is one log-batch request: metrics, params and tags of one run.
type Batch struct {
	Metrics []Metric
	Params  []Param
	Tags    []Tag
}

// LogBatch validates and stores a batch in one transaction. Either all of
// it is stored or none of it.
func (s *Service) LogBatch(ctx context.Context, runID string, b Batch) error {
	if err := validateBatch(b); err != nil {
		return err
	}
	return s.commitBatch(ctx, runID, b)
}

// applyBatch writes a validated batch inside a transaction.
func (s *Service) applyBatch(ctx context.Context, tx *sql.Tx, runID string, b Batch) error {
	pk, err := s.activeRunPK(ctx, tx, runID)
	if err != nil {
		return err
	}
	if err := s.insertParams(ctx, tx, pk, runID, b.Params); err != nil {
		return err
	}
	if err := s.insertMetrics(ctx, tx, pk, b.Metrics); err != nil {
		return err
	}
	for _, t := range b.Tags {
		if t.Key == TagRunName {
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET name = ? WHERE run_pk = ?`, t.Value, pk); err != nil {
				return err
			}
		}
	}
	if err := s.upsertTags(ctx, tx, pk, b.Tags); err != nil {
		return err
	}
	return s.refreshRunData(ctx, tx, pk, b.changes())
}

// changes are the lists of the run's copy that the batch changes.
func (b Batch) changes() copyKind {
	var k copyKind
	if len(b.Metrics) > 0 {
		k |= copyMetrics
	}
	if len(b.Params) > 0 {
		k |= copyParams
	}
	if len(b.Tags) > 0 {
		k |= copyTags
	}
	for _, t := range b.Tags {
		if t.Key == TagRunName { // renames the run
			k |= copyInfo
		}
	}
	return k
}

// LogMetric logs one metric point.
func (s *Service) LogMetric(ctx context.Context, runID string, m Metric) error {
	return s.LogBatch(ctx, runID, Batch{Metrics: []Metric{m}})
}

// LogParam logs one param; logging the same value again is allowed,
// changing it is not.
func (s *Service) LogParam(ctx context.Context, runID string, p Param) error {
	return s.LogBatch(ctx, runID, Batch{Params: []Param{p}})
}

func validateBatch(b Batch) error {
	for _, lim := range []struct {
		what  string
		n, to int
	}{
		{"metrics", len(b.Metrics), MaxMetricsPerBatch},
		{"params", len(b.Params), MaxParamsTagsPerBat},
		{"tags", len(b.Tags), MaxParamsTagsPerBat},
		{"metrics, params, and tags", len(b.Metrics) + len(b.Params) + len(b.Tags), MaxEntitiesPerBatch},
	} {
		if lim.n > lim.to {
			return invalid("A batch logging request can contain at most %d %s. Got %d %s. Please split up %s across multiple requests and try again.",
				lim.to, lim.what, lim.n, lim.what, lim.what)
		}
	}
	seenKey := map[string]bool{}
	for _, m := range b.Metrics {
		if !seenKey[m.Key] { // keys repeat across steps: check each once
			if err := validateName("Metric", m.Key); err != nil {
				return err
			}
			seenKey[m.Key] = true
		}
		if m.Timestamp < 0 {
			return invalid("Got invalid timestamp %d for metric '%s' (value=%v). Timestamp must be a nonnegative long (64-bit integer) ", m.Timestamp, m.Key, m.Value)
		}
	}
	params := map[string]bool{}
	var dupes []string
	for _, p := range b.Params {
		if err := validateName("Param", p.Key); err != nil {
			return err
		}
		if len(p.Value) > MaxParamValueLength {
			return lengthError("Param value", p.Value, MaxParamValueLength)
		}
		if params[p.Key] {
			dupes = append(dupes, "'"+p.Key+"'")
		}
		params[p.Key] = true
	}
	if len(dupes) > 0 {
		return invalid("Duplicate parameter keys have been submitted: [%s]. Please ensure the request contains only one param value per param key.", strings.Join(dupes, ", "))
	}
	for _, t := range b.Tags {
		if err := validateTag(t); err != nil {
			return err
		}
	}
	return nil
}

const (
	insertParamSQL = `INSERT INTO params (run_pk, key, value) VALUES (?, ?, ?) ON CONFLICT (run_pk, key) DO NOTHING`
	paramValueSQL  = `SELECT value FROM params WHERE run_pk = ? AND key = ?`
)

func (s *Service) insertParams(ctx context.Context, tx *sql.Tx, pk int64, runID string, params []Param) error {
	for _, p := range params {
		res, err := s.txExec(ctx, tx, insertParamSQL, pk, p.Key, p.Value)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			continue
		}
		var old string
		if err := s.txScan(ctx, tx, paramValueSQL, []any{pk, p.Key}, &old); err != nil {
			return err
		}
		if old != p.Value {
			return errs.E(errs.Invalid, "Changing param values is not allowed. Param with key='%s' was already logged with value='%s' for run ID='%s'. Attempted logging new value '%s'.", p.Key, old, runID, p.Value)
		}
	}
	return nil
}

// storedValue splits a metric value into what SQLite can hold: NaN is
// stored as 0 with is_nan set (SQLite turns NaN into NULL).
func storedValue(v float64) (float64, bool) {
	if math.IsNaN(v) {
		return 0, true
	}
	return v, false
}

func (s *Service) insertMetrics(ctx context.Context, tx *sql.Tx, pk int64, metrics []Metric) error {
	if len(metrics) == 0 {
		return nil
	}
	if err := s.insertBlocks(ctx, tx, pk, metrics); err != nil {
		return err
	}
	return s.upsertLatest(ctx, tx, pk, metrics)
}

const upsertLatestSQL = `INSERT INTO latest_metrics (run_pk, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (run_pk, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
	WHERE (excluded.step, excluded.timestamp, excluded.value) >= (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`

// upsertLatest keeps latest_metrics at the largest (step, timestamp,
// value) per key, MLflow's definition of a metric's latest value.
func (s *Service) upsertLatest(ctx context.Context, tx *sql.Tx, pk int64, metrics []Metric) error {
	latest := map[string]Metric{}
	order := []string{}
	for _, m := range metrics {
		cur, ok := latest[m.Key]
		if !ok {
			order = append(order, m.Key)
		}
		if !ok || later(m, cur) {
			latest[m.Key] = m
		}
	}
	for _, k := range order {
		m := latest[k]
		v, isNaN := storedValue(m.Value)
		if _, err := s.txExec(ctx, tx, upsertLatestSQL, pk, k, v, m.Timestamp, m.Step, isNaN); err != nil {
			return err
		}
	}
	return nil
}

func later(a, b Metric) bool {
	if a.Step != b.Step {
		return a.Step > b.Step
	}
	if a.Timestamp != b.Timestamp {
		return a.Timestamp > b.Timestamp
	}
	av, _ := storedValue(a.Value)
	bv, _ := storedValue(b.Value)
	return av >= bv
}

// isWordRune is Python's \w: letters, digits and underscore, any script.
func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
