package filter

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// RunQuery is SQL over `runs r` for one runs/search call. The caller adds
// its own conditions (experiment ids, lifecycle) and LIMIT/OFFSET; Select
// assembles everything with the arguments in placeholder order.
type RunQuery struct {
	// Joins follow "FROM runs r" (LEFT JOINs for ordering by metrics,
	// params and tags); JoinArgs are their arguments.
	Joins    string
	JoinArgs []any
	// Where is the filter as one boolean expression, "" for no filter;
	// Args are its arguments.
	Where string
	Args  []any
	// OrderBy is the full ordering, tie-breakers included, without the
	// ORDER BY keywords. It takes no arguments.
	OrderBy string

	// filterJoins are the filter's child-table conditions rendered as
	// joins, kept apart for DrivenJoins.
	filterJoins []childCond
}

// DrivenJoins renders the filter's child-table conditions as joins on
// driver (a run_pk column of a table that comes first) with CROSS JOIN,
// which fixes SQLite's loop order: driver first, then the conditions in
// filter order, and runs last. Arguments are JoinArgs minus those of the
// order-by joins, i.e. FilterJoinArgs. It is for queries that walk an
// index in order and must check each candidate as cheaply as possible.
func (q RunQuery) DrivenJoins(driver string) string {
	parts := make([]string, len(q.filterJoins))
	for i, c := range q.drivenOrder() {
		parts[i] = "CROSS JOIN " + c.table + " " + c.alias + " ON " + c.alias + ".run_pk = " + driver + " AND " + c.on
	}
	return strings.Join(parts, " ")
}

// drivenOrder puts equality conditions first, keeping filter order
// otherwise: each candidate is then dropped after as few lookups as
// possible.
func (q RunQuery) drivenOrder() []childCond {
	out := slices.Clone(q.filterJoins)
	slices.SortStableFunc(out, func(a, b childCond) int {
		switch {
		case a.equality == b.equality:
			return 0
		case a.equality:
			return -1
		}
		return 1
	})
	return out
}

// FilterJoinArgs are the arguments of DrivenJoins, in its order.
func (q RunQuery) FilterJoinArgs() []any {
	var args []any
	for _, c := range q.drivenOrder() {
		args = append(args, c.args...)
	}
	return args
}

// Select returns "SELECT columns FROM runs r joins WHERE where AND filter
// ORDER BY order" and its arguments: JoinArgs, then args (for the
// caller's where, which may be ""), then Args. The caller appends LIMIT
// and OFFSET.
func (q RunQuery) Select(columns, where string, args ...any) (string, []any) {
	return assemble(columns, "runs r", q.Joins, where, q.Where, q.OrderBy,
		q.JoinArgs, args, q.Args)
}

func assemble(columns, from, joins, where, filter, order string, argLists ...[]any) (string, []any) {
	var b strings.Builder
	b.WriteString("SELECT " + columns + " FROM " + from)
	if joins != "" {
		b.WriteString(" " + joins)
	}
	var conds []string
	for _, c := range []string{where, filter} {
		if c != "" {
			conds = append(conds, "("+c+")")
		}
	}
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	b.WriteString(" ORDER BY " + order)
	var all []any
	for _, l := range argLists {
		all = append(all, l...)
	}
	return b.String(), all
}

// BuildRunQuery turns a parsed runs filter and order into SQL fragments
// over `runs r`. Every condition reaches its table through an index:
// metrics through latest_metrics (key, value), params and tags through
// their (key, value) indexes, attributes on runs itself. A nil Expr
// filters nothing; the order always ends with MLflow's tie-breakers,
// start_time DESC (unless ordered on already) and run_id.
func BuildRunQuery(e *Expr, order []Order) (RunQuery, error) {
	if err := checkTarget(e, runsTarget); err != nil {
		return RunQuery{}, err
	}
	var q RunQuery
	var joins, where []string
	for i, c := range e.conds() {
		if c.Entity == Attribute || c.Entity == Dataset {
			sql, args, err := runRowCondSQL(c)
			if err != nil {
				return RunQuery{}, err
			}
			where = append(where, sql)
			q.Args = append(q.Args, args...)
			continue
		}
		cc, err := runChildCond(c, "f"+strconv.Itoa(i+1))
		if err != nil {
			return RunQuery{}, err
		}
		if len(joins) < maxFilterJoins {
			joins = append(joins, cc.join())
			q.filterJoins = append(q.filterJoins, cc)
			q.JoinArgs = append(q.JoinArgs, cc.args...)
		} else {
			where = append(where, cc.subquery())
			q.Args = append(q.Args, cc.args...)
		}
	}
	q.Where = strings.Join(where, " AND ")
	if err := q.order(order, joins); err != nil {
		return RunQuery{}, err
	}
	return q, nil
}

// conds is nil-safe.
func (e *Expr) conds() []Cond {
	if e == nil {
		return nil
	}
	return e.Conds
}

// childCond is a condition on the run's row of a child table keyed by
// (run_pk, key): latest_metrics, params or tags.
type childCond struct {
	table, alias, on string
	args             []any
	// equality is set for = and IN on params and tags: usually the most
	// selective conditions, so DrivenJoins checks them first.
	equality bool
}

// join renders the condition as an inner join. The primary key makes it
// match at most one row per run, and as a join SQLite may drive the whole
// query from the (key, value) index instead of walking every run of the
// experiment (which it does with IN or EXISTS subqueries).
func (c childCond) join() string {
	return "JOIN " + c.table + " " + c.alias + " ON " + c.alias + ".run_pk = r.run_pk AND " + c.on
}

// subquery renders the same condition where joins have run out: SQLite
// joins at most 64 tables, and subqueries do not count.
func (c childCond) subquery() string {
	return "r.run_pk IN (SELECT " + c.alias + ".run_pk FROM " + c.table + " " + c.alias + " WHERE " + c.on + ")"
}

// maxFilterJoins bounds the conditions rendered as joins, leaving room
// for the order_by joins under SQLite's 64-table limit.
const maxFilterJoins = 24

// runChildCond renders a metric, param or tag condition. The run must
// have the key: != and NOT IN never match runs without it, as in MLflow.
// Metrics follow IEEE semantics for NaN (stored as is_nan = 1): NaN
// satisfies != and no other comparison.
func runChildCond(c Cond, a string) (childCond, error) {
	cc := childCond{alias: a, on: a + ".key = ? AND "}
	switch {
	case c.Entity == Metric && c.Num != nil:
		cc.table = "latest_metrics"
		if c.Op == Ne {
			cc.on += "(" + a + ".is_nan = 1 OR " + a + ".value != ?)"
		} else {
			cc.on += a + ".is_nan = 0 AND " + a + ".value " + string(c.Op) + " ?"
		}
		cc.args = []any{c.Key, c.Num.Float}
		return cc, nil
	case (c.Entity == Param || c.Entity == Tag) && len(c.Str) > 0:
		cc.table = map[Entity]string{Param: "params", Tag: "tags"}[c.Entity]
		cc.equality = c.Op == Eq || c.Op == In
		cmp, args := stringCmp(a+".value", c.Op, c.Str)
		cc.on += cmp
		cc.args = append([]any{c.Key}, args...)
		return cc, nil
	}
	return cc, fmt.Errorf("filter: malformed %s condition on %q", c.Entity, c.Key)
}

// runRowCondSQL renders an attribute or dataset condition as a boolean
// expression over r.
func runRowCondSQL(c Cond) (string, []any, error) {
	if c.Entity == Dataset {
		return datasetCondSQL(c)
	}
	a, ok := runAttrs[c.Key]
	switch {
	case !ok:
		return "", nil, fmt.Errorf("filter: unknown run attribute %q", c.Key)
	case a.numeric && c.Num != nil:
		return a.column + " " + string(c.Op) + " ?", []any{numArg(c.Num, true)}, nil
	case !a.numeric && len(c.Str) > 0:
		sql, args := stringCmp(a.column, c.Op, c.Str)
		return sql, args, nil
	}
	return "", nil, fmt.Errorf("filter: operand does not fit attribute %q", c.Key)
}

// datasetContextTag is the run-input tag datasets.context compares.
const datasetContextTag = "mlflow.data.context"

// datasetCondSQL matches runs with at least one input dataset satisfying
// the condition, as MLflow does. context lives in run_inputs.tags, a
// JSON list of {key, value}; a malformed list counts as empty rather than
// failing the whole search.
func datasetCondSQL(c Cond) (string, []any, error) {
	if len(c.Str) == 0 {
		return "", nil, fmt.Errorf("filter: dataset condition without a string")
	}
	if c.Key == "context" {
		cmp, args := stringCmp("json_extract(j.value, '$.value')", c.Op, c.Str)
		return "r.run_pk IN (SELECT ri.run_pk FROM run_inputs ri," +
				" json_each(CASE WHEN json_valid(ri.tags) THEN ri.tags ELSE '[]' END) j" +
				" WHERE json_extract(j.value, '$.key') = ? AND " + cmp + ")",
			append([]any{datasetContextTag}, args...), nil
	}
	if !datasetFields[c.Key] {
		return "", nil, fmt.Errorf("filter: unknown dataset field %q", c.Key)
	}
	cmp, args := stringCmp("d."+c.Key, c.Op, c.Str)
	return "r.run_pk IN (SELECT ri.run_pk FROM run_inputs ri" +
		" JOIN datasets d ON d.dataset_pk = ri.dataset_pk WHERE " + cmp + ")", args, nil
}

// order renders the ORDER BY with missing values last in both directions
// and MLflow's tie-breakers.
func (q *RunQuery) order(order []Order, joins []string) error {
	var terms []string
	startTime := false
	for i, o := range order {
		alias := "o" + strconv.Itoa(i+1)
		t, join, err := runOrderTerm(alias, o)
		if err != nil {
			return err
		}
		terms = append(terms, t...)
		if join != "" {
			joins = append(joins, join)
			q.JoinArgs = append(q.JoinArgs, o.Key)
		}
		startTime = startTime || (o.Entity == Attribute && o.Key == "start_time")
	}
	if !startTime {
		terms = append(terms, "r.start_time DESC NULLS LAST")
	}
	q.Joins = strings.Join(joins, " ")
	q.OrderBy = strings.Join(append(terms, "r.run_uuid"), ", ")
	return nil
}

// runOrderTerm gives the ORDER BY terms for one clause and, for metrics,
// params and tags, the LEFT JOIN (taking the key as its one argument)
// that brings the value in. Metrics sort real values, then NaN, then
// missing, as MLflow does.
func runOrderTerm(alias string, o Order) (terms []string, join string, err error) {
	dir := " ASC"
	if o.Desc {
		dir = " DESC"
	}
	on := " " + alias + " ON " + alias + ".run_pk = r.run_pk AND " + alias + ".key = ?"
	switch o.Entity {
	case Attribute:
		a, ok := runAttrs[o.Key]
		if !ok {
			return nil, "", fmt.Errorf("filter: cannot order runs by attribute %q", o.Key)
		}
		if a.nullable {
			dir += " NULLS LAST"
		}
		return []string{a.column + dir}, "", nil
	case Metric:
		rank := "CASE WHEN " + alias + ".is_nan = 0 THEN 0 WHEN " + alias + ".is_nan = 1 THEN 1 ELSE 2 END"
		return []string{rank, alias + ".value" + dir}, "LEFT JOIN latest_metrics" + on, nil
	case Param:
		return []string{alias + ".value" + dir + " NULLS LAST"}, "LEFT JOIN params" + on, nil
	case Tag:
		return []string{alias + ".value" + dir + " NULLS LAST"}, "LEFT JOIN tags" + on, nil
	}
	return nil, "", fmt.Errorf("filter: cannot order runs by %s", o.Entity)
}
