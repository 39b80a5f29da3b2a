package experiments

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments/filter"
)

// RunSearch is a runs/search request.
type RunSearch struct {
	ExperimentIDs []string
	Filter        string
	ViewType      string // ACTIVE_ONLY (default), DELETED_ONLY or ALL
	MaxResults    int    // default 1000, at most 50000
	OrderBy       []string
	PageToken     string
}

// RunPage is one page of search results.
type RunPage struct {
	Runs          []Run
	NextPageToken string
}

// SearchRuns finds runs by MLflow's filter language. The filter and order
// become one SQL query over indexed tables; only the page asked for is
// read, and its runs' data is read from their copies while the query
// runs (page_load.go).
func (s *Service) SearchRuns(ctx context.Context, req RunSearch) (RunPage, error) {
	limit, err := pageSize(req.MaxResults, MaxResultsRuns)
	if err != nil {
		return RunPage{}, err
	}
	offset, err := decodeOffset(req.PageToken)
	if err != nil {
		return RunPage{}, err
	}
	expr, err := filter.ParseRunFilter(req.Filter)
	if err != nil {
		return RunPage{}, filterError(err)
	}
	order, err := filter.ParseRunOrderBy(req.OrderBy)
	if err != nil {
		return RunPage{}, filterError(err)
	}
	q, err := filter.BuildRunQuery(expr, order)
	if err != nil {
		return RunPage{}, filterError(err)
	}
	if len(req.ExperimentIDs) == 0 {
		return RunPage{Runs: []Run{}}, nil
	}
	where, args, err := scopeWhere("r.experiment_id", "r.lifecycle_stage", req.ExperimentIDs, req.ViewType)
	if err != nil {
		return RunPage{}, err
	}
	load := s.startPageLoad(ctx)
	handled, err := s.metricOrderSearch(ctx, expr, order, q, where, args, limit, offset, load)
	if err == nil && !handled {
		sqlText, sqlArgs := q.Select("r.run_pk", where, args...)
		err = s.queryKeys(ctx, sqlText+" LIMIT ? OFFSET ?", append(sqlArgs, limit+1, offset), load.add)
	}
	runs, more, err := load.finish(err, limit)
	if err != nil {
		return RunPage{}, err
	}
	page := RunPage{Runs: runs}
	if runs == nil {
		page.Runs = []Run{}
	}
	if more {
		page.NextPageToken = encodeOffset(offset + limit)
	}
	return page, nil
}

type rowScanner func(...any) error

func (f rowScanner) Scan(dest ...any) error { return f(dest...) }

// scopeWhere restricts a search to experiments and a lifecycle view.
func scopeWhere(idCol, stageCol string, ids []string, view string) (string, []any, error) {
	args := make([]any, 0, len(ids)+1)
	for _, raw := range ids {
		id, err := ParseExperimentID(raw)
		if err != nil {
			return "", nil, err
		}
		args = append(args, id)
	}
	where := ""
	if ids != nil {
		where = idCol + " IN (" + placeholders(len(args)) + ")"
	}
	stage, err := viewStage(view)
	if err != nil {
		return "", nil, err
	}
	if stage != "" {
		if where != "" {
			where += " AND "
		}
		where += stageCol + " = ?"
		args = append(args, stage)
	}
	return where, args, nil
}

func viewStage(view string) (string, error) {
	switch strings.ToUpper(view) {
	case "", ViewActiveOnly, "1":
		return StageActive, nil
	case ViewDeletedOnly, "2":
		return StageDeleted, nil
	case ViewAll, "3":
		return "", nil
	}
	return "", invalid("Invalid value for view type: '%s' (want ACTIVE_ONLY, DELETED_ONLY or ALL)", view)
}

func pageSize(n, limit int) (int, error) {
	if n == 0 {
		return DefaultMaxResults, nil
	}
	if n < 0 || n > limit {
		return 0, invalid("Invalid value for request parameter max_results. It must be at most %d, but got value %d", limit, n)
	}
	return n, nil
}

func filterError(err error) error {
	return errs.Wrap(errs.Invalid, err, "%s", err.Error())
}

// Page tokens are MLflow's: base64 of {"offset": N}.
func encodeOffset(n int) string {
	b, _ := json.Marshal(map[string]int{"offset": n})
	return base64.StdEncoding.EncodeToString(b)
}

func decodeOffset(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.StdEncoding.DecodeString(tok)
	var v struct {
		Offset *int `json:"offset"`
	}
	if err != nil || json.Unmarshal(b, &v) != nil || v.Offset == nil || *v.Offset < 0 {
		return 0, invalid("Invalid page token, could not base64-decode")
	}
	return *v.Offset, nil
}

// ExperimentSearch is an experiments/search request.
type ExperimentSearch struct {
	Filter     string
	OrderBy    []string
	ViewType   string
	MaxResults int
	PageToken  string
}

// ExperimentPage is one page of experiments.
type ExperimentPage struct {
	Experiments   []Experiment
	NextPageToken string
}

// SearchExperiments finds experiments by name, tags and times.
func (s *Service) SearchExperiments(ctx context.Context, req ExperimentSearch) (ExperimentPage, error) {
	limit, err := pageSize(req.MaxResults, MaxResultsExperiment)
	if err != nil {
		return ExperimentPage{}, err
	}
	offset, err := decodeOffset(req.PageToken)
	if err != nil {
		return ExperimentPage{}, err
	}
	expr, err := filter.ParseExperimentFilter(req.Filter)
	if err != nil {
		return ExperimentPage{}, filterError(err)
	}
	order, err := filter.ParseExperimentOrderBy(req.OrderBy)
	if err != nil {
		return ExperimentPage{}, filterError(err)
	}
	q, err := filter.BuildExperimentQuery(expr, order)
	if err != nil {
		return ExperimentPage{}, filterError(err)
	}
	where, args, err := scopeWhere("", "e.lifecycle_stage", nil, req.ViewType)
	if err != nil {
		return ExperimentPage{}, err
	}
	cols := "e." + strings.ReplaceAll(experimentColumns, ", ", ", e.")
	sqlText, sqlArgs := q.Select(cols, where, args...)
	sqlText += " LIMIT ? OFFSET ?"
	sqlArgs = append(sqlArgs, limit+1, offset)
	var exps []Experiment
	err = s.eachRow(ctx, sqlText, sqlArgs, func(scan func(...any) error) error {
		e, err := scanExperiment(rowScanner(scan))
		exps = append(exps, e)
		return err
	})
	if err != nil {
		return ExperimentPage{}, err
	}
	page := ExperimentPage{}
	if len(exps) > limit {
		exps = exps[:limit]
		page.NextPageToken = encodeOffset(offset + limit)
	}
	ptrs := make([]*Experiment, len(exps))
	for i := range exps {
		ptrs[i] = &exps[i]
	}
	if err := s.loadExperimentTags(ctx, ptrs); err != nil {
		return page, err
	}
	page.Experiments = exps
	return page, nil
}
