package experiments

import (
	"math"

	"github.com/paddockml/paddock/experiments/filter"
)

// keysetQuery is the SQL of one keyset-paged listing: by start time, or
// by one metric, param or tag with start time and run id breaking ties,
// as SearchRuns orders them.
type keysetQuery struct {
	// child is the table of the value ordered by (latest_metrics, params
	// or tags), "" for start time.
	child string
	key   string
	desc  bool
	// base is the filter alone, full the filter with the order (for the
	// rest segment of a value order).
	base, full filter.RunQuery
	scope      string
	scopeArgs  []any
	args       []any // of the last firstSegment
}

// keysetTables are the child tables whose (key, value) index a value
// order walks.
var keysetTables = map[filter.Entity]string{filter.Metric: "latest_metrics", filter.Param: "params", filter.Tag: "tags"}

// newKeysetQuery says whether an order can be keyset-paged.
func newKeysetQuery(order []filter.Order) (keysetQuery, bool) {
	switch {
	case len(order) == 0:
		return keysetQuery{desc: true}, true
	case len(order) > 1:
		return keysetQuery{}, false
	}
	o := order[0]
	if o.Entity == filter.Attribute && o.Key == "start_time" {
		return keysetQuery{desc: o.Desc}, true
	}
	if t, ok := keysetTables[o.Entity]; ok {
		return keysetQuery{child: t, key: o.Key, desc: o.Desc}, true
	}
	return keysetQuery{}, false
}

func (q *keysetQuery) metric() bool { return q.child == "latest_metrics" }

// firstSegment selects run_pk, sort value, start time and run id of the
// runs after k in the first segment (runs with a value of the key, real
// for a metric; or with a start time), at most n; its arguments go to
// q.args. A value order walks the child table's (key, value) index and
// checks the filter by key lookups, as metricOrderSearch does.
func (q *keysetQuery) firstSegment(k keyset, n int) string {
	cmp, dir := ">", "ASC"
	if q.desc {
		cmp, dir = "<", "DESC"
	}
	var from, where, order, value string
	var args []any
	if q.child != "" {
		from = q.child + " om " + q.base.DrivenJoins("om.run_pk") + " CROSS JOIN runs r ON r.run_pk = om.run_pk"
		where = "om.key = ? AND " + q.scope
		if q.metric() {
			where = "om.key = ? AND om.is_nan = 0 AND " + q.scope
		}
		args = append(append(q.base.FilterJoinArgs(), q.key), q.scopeArgs...)
		order = "om.value " + dir + ", r.start_time DESC NULLS LAST, r.run_uuid"
		value = "om.value"
	} else {
		from = "runs r " + q.base.Joins
		where = "r.start_time IS NOT NULL AND " + q.scope
		args = append(append([]any{}, q.base.JoinArgs...), q.scopeArgs...)
		order = "r.start_time " + dir + ", r.run_uuid"
		value = "NULL"
	}
	if q.base.Where != "" {
		where += " AND (" + q.base.Where + ")"
		args = append(args, q.base.Args...)
	}
	if k.RunID != "" {
		c, cArgs := q.after(k, cmp)
		where += " AND " + c
		args = append(args, cArgs...)
	}
	q.args = append(args, n)
	return "SELECT r.run_pk, " + value + ", COALESCE(r.start_time, " + nullStart + "), r.run_uuid FROM " + from +
		" WHERE " + where + " ORDER BY " + order + " LIMIT ?"
}

// nullStart stands for a missing start time in a cursor; a run never
// starts at it.
const nullStart = "-9223372036854775808"

// after is the condition "comes after k" in the first segment, with a
// range on the leading column that the index can start from.
func (q *keysetQuery) after(k keyset, cmp string) (string, []any) {
	if q.child == "" {
		return "r.start_time " + cmp + "= ? AND (r.start_time " + cmp + " ? OR r.run_uuid > ?)", []any{k.Start, k.Start, k.RunID}
	}
	var v any = k.Text
	if q.metric() {
		v = math.Float64frombits(k.Value)
	}
	tie, tieArgs := startTie(k)
	return "om.value " + cmp + "= ? AND (om.value " + cmp + " ? OR (om.value = ? AND " + tie + "))",
		append([]any{v, v, v}, tieArgs...)
}

// startTie is "comes after k" among runs of equal value: start time
// descending with missing ones last, then run id.
func startTie(k keyset) (string, []any) {
	if k.Start == math.MinInt64 {
		return "(r.start_time IS NULL AND r.run_uuid > ?)", []any{k.RunID}
	}
	return "(r.start_time < ? OR r.start_time IS NULL OR (r.start_time = ? AND r.run_uuid > ?))", []any{k.Start, k.Start, k.RunID}
}

// restSegment selects run_pk and run id of the second segment in order:
// for a metric, runs whose value is NaN, then those without it; for a
// param or tag, runs without it; else runs without a start time.
func (q *keysetQuery) restSegment() (string, []any) {
	switch {
	case q.metric():
		return q.full.Select("r.run_pk, r.run_uuid", "(o1.run_pk IS NULL OR o1.is_nan = 1) AND "+q.scope, q.scopeArgs...)
	case q.child != "":
		return q.full.Select("r.run_pk, r.run_uuid", "o1.run_pk IS NULL AND "+q.scope, q.scopeArgs...)
	}
	where := "r.start_time IS NULL AND " + q.scope
	args := append(append([]any{}, q.base.JoinArgs...), q.scopeArgs...)
	if q.base.Where != "" {
		where += " AND (" + q.base.Where + ")"
		args = append(args, q.base.Args...)
	}
	return "SELECT r.run_pk, r.run_uuid FROM runs r " + q.base.Joins + " WHERE " + where + " ORDER BY r.run_uuid", args
}
