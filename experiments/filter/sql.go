package filter

import "strings"

// stringCmp compares a text column. MLflow's LIKE is case-sensitive, and
// SQLite's LIKE folds ASCII case, so LIKE becomes GLOB over a translated
// pattern; ILIKE folds both sides with lower() (ASCII letters on SQLite,
// as MLflow's own SQLite store does). These two are the only spots where
// the SQL is SQLite-specific: PostgreSQL would take LIKE and ILIKE as is.
func stringCmp(col string, op Op, vals []string) (string, []any) {
	switch op {
	case Like:
		return col + " GLOB ?", []any{likeToGlob(vals[0])}
	case ILike:
		return "lower(" + col + ") LIKE lower(?)", []any{vals[0]}
	case In, NotIn:
		args := make([]any, len(vals))
		for i, v := range vals {
			args[i] = v
		}
		return col + " " + string(op) + " (" + placeholders(len(vals)) + ")", args
	}
	return col + " " + string(op) + " ?", []any{vals[0]}
}

// numArg binds an integer literal exactly (timestamps) and anything else
// as a float64.
func numArg(n *Number, exactInt bool) any {
	if exactInt && n.IsInt {
		return n.Int
	}
	return n.Float
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// likeToGlob rewrites an MLflow LIKE pattern (% any run, _ one character,
// no escape character) as a GLOB pattern, which SQLite matches
// case-sensitively. GLOB's own metacharacters in the pattern are made
// literal by wrapping them in a one-character set.
func likeToGlob(p string) string {
	var b strings.Builder
	b.Grow(len(p) + 8)
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '%':
			b.WriteByte('*')
		case '_':
			b.WriteByte('?')
		case '*', '?', '[', ']':
			b.WriteByte('[')
			b.WriteByte(c)
			b.WriteByte(']')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
