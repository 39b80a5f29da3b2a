package filter

import (
	"fmt"
	"strings"
)

// ExperimentQuery is SQL over `experiments e` for one experiments/search
// call; the caller adds the lifecycle condition and LIMIT/OFFSET.
type ExperimentQuery struct {
	// Where is the filter as one boolean expression, "" for no filter;
	// Args are its arguments.
	Where string
	Args  []any
	// OrderBy is the full ordering without the ORDER BY keywords.
	OrderBy string
}

// Select returns "SELECT columns FROM experiments e WHERE where AND
// filter ORDER BY order" with args (for the caller's where, which may be
// "") followed by Args.
func (q ExperimentQuery) Select(columns, where string, args ...any) (string, []any) {
	return assemble(columns, "experiments e", "", where, q.Where, q.OrderBy, args, q.Args)
}

// BuildExperimentQuery turns a parsed experiments filter and order into
// SQL over `experiments e`. Without order_by, experiments come newest
// first (creation_time DESC, experiment_id ASC); with one, experiment_id
// DESC breaks ties unless ordered on already, as in MLflow.
func BuildExperimentQuery(e *Expr, order []Order) (ExperimentQuery, error) {
	if err := checkTarget(e, experimentsTarget); err != nil {
		return ExperimentQuery{}, err
	}
	var q ExperimentQuery
	if e != nil {
		where := make([]string, 0, len(e.Conds))
		for _, c := range e.Conds {
			sql, args, err := experimentCondSQL(c)
			if err != nil {
				return ExperimentQuery{}, err
			}
			where = append(where, sql)
			q.Args = append(q.Args, args...)
		}
		q.Where = strings.Join(where, " AND ")
	}
	orderBy, err := experimentOrderSQL(order)
	q.OrderBy = orderBy
	return q, err
}

// experimentCondSQL: a tag comparison needs the tag to exist (so != skips
// experiments without it); IS NULL means the tag is absent.
func experimentCondSQL(c Cond) (string, []any, error) {
	if c.Entity == Tag {
		const tagged = "e.experiment_id IN (SELECT t.experiment_id FROM experiment_tags t WHERE t.key = ?"
		switch c.Op {
		case IsNull:
			return "e.experiment_id NOT IN (SELECT t.experiment_id FROM experiment_tags t WHERE t.key = ?)", []any{c.Key}, nil
		case IsNotNull:
			return tagged + ")", []any{c.Key}, nil
		}
		if len(c.Str) == 0 {
			return "", nil, fmt.Errorf("filter: tag condition without a string")
		}
		cmp, args := stringCmp("t.value", c.Op, c.Str)
		return tagged + " AND " + cmp + ")", append([]any{c.Key}, args...), nil
	}
	a, ok := expAttrs[c.Key]
	switch {
	case c.Entity != Attribute || !ok || !a.filter:
		return "", nil, fmt.Errorf("filter: cannot filter experiments on %s.%s", c.Entity, c.Key)
	case a.numeric && c.Num != nil:
		return a.column + " " + string(c.Op) + " ?", []any{numArg(c.Num, true)}, nil
	case !a.numeric && len(c.Str) > 0:
		sql, args := stringCmp(a.column, c.Op, c.Str)
		return sql, args, nil
	}
	return "", nil, fmt.Errorf("filter: operand does not fit %s", c.Key)
}

func experimentOrderSQL(order []Order) (string, error) {
	if len(order) == 0 {
		return "e.creation_time DESC, e.experiment_id ASC", nil
	}
	terms := make([]string, 0, len(order)+1)
	byID := false
	for _, o := range order {
		a, ok := expAttrs[o.Key]
		if o.Entity != Attribute || !ok {
			return "", fmt.Errorf("filter: cannot order experiments by %s.%s", o.Entity, o.Key)
		}
		dir := " ASC"
		if o.Desc {
			dir = " DESC"
		}
		terms = append(terms, a.column+dir)
		byID = byID || o.Key == "experiment_id"
	}
	if !byID {
		terms = append(terms, "e.experiment_id DESC")
	}
	return strings.Join(terms, ", "), nil
}
