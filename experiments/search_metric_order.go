package experiments

import (
	"context"

	"github.com/paddockml/paddock/experiments/filter"
)

// Ordering by a metric is what people do most ("best f1 first"), and the
// general query sorts every matching run before taking a page: 100 ms at
// 20,000 runs. Runs that have a real (non-NaN) value for the metric come
// first in MLflow's order, and for those the (key, value) index already
// holds them in order, so the first segment is read straight off the
// index and stops after one page. Runs with NaN, then runs without the
// metric, follow through the general query, which is only consulted when
// the first segment runs out.

// metricOrderSearch answers a search ordered by one metric clause,
// adding the page's rows (and one more, if there is one) to page. ok is
// false when the request does not have that shape.
func (s *Service) metricOrderSearch(ctx context.Context, expr *filter.Expr, order []filter.Order, full filter.RunQuery,
	scope string, scopeArgs []any, limit, offset int, page *pageLoad) (ok bool, err error) {
	if s.generalSearchOnly || len(order) != 1 || order[0].Entity != filter.Metric {
		return false, nil
	}
	base, err := filter.BuildRunQuery(expr, nil) // the filter's joins and conditions only
	if err != nil {
		return false, err
	}
	o := order[0]
	dir := "ASC"
	if o.Desc {
		dir = "DESC"
	}
	// CROSS JOIN fixes the loop order: walk the index in order, check the
	// filter's conditions on child tables by key lookups, and read the
	// run's own row last, only for candidates that passed them.
	from := "latest_metrics om " + base.DrivenJoins("om.run_pk") + " CROSS JOIN runs r ON r.run_pk = om.run_pk"
	where := "om.key = ? AND om.is_nan = 0 AND " + scope
	if base.Where != "" {
		where += " AND (" + base.Where + ")"
	}
	args := append(append([]any{}, base.FilterJoinArgs()...), o.Key)
	args = append(append(args, scopeArgs...), base.Args...)
	q := "SELECT r.run_pk FROM " + from + " WHERE " + where +
		" ORDER BY om.value " + dir + ", r.start_time DESC NULLS LAST, r.run_uuid LIMIT ? OFFSET ?"
	if err := s.queryKeys(ctx, q, append(args, limit+1, offset), page.add); err != nil {
		return true, err
	}
	got := page.count()
	if got > limit {
		return true, nil
	}
	// The first segment ran out: continue with NaN, then missing values.
	countA := offset + got
	if got == 0 && offset > 0 {
		if err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+from+" WHERE "+where, args...).Scan(&countA); err != nil {
			return true, err
		}
	}
	rest := "(o1.run_pk IS NULL OR o1.is_nan = 1) AND " + scope
	restQ, restArgs := full.Select("r.run_pk", rest, scopeArgs...)
	return true, s.queryKeys(ctx, restQ+" LIMIT ? OFFSET ?", append(restArgs, limit+1-got, max(0, offset-countA)), page.add)
}

// queryKeys runs a query for run keys and hands each to add. Searches
// select the key alone: every column the driver returns costs, and the
// runs are read by key afterwards (run_data.go).
func (s *Service) queryKeys(ctx context.Context, q string, args []any, add func(int64)) error {
	return s.eachRow(ctx, q, args, func(scan func(...any) error) error {
		var pk int64
		err := scan(&pk)
		if err == nil {
			add(pk)
		}
		return err
	})
}
