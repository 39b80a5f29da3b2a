package filter

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Entity is the kind of thing a condition or an ordering looks at.
type Entity uint8

// The entities of MLflow's search grammar. Experiments use only Attribute
// and Tag.
const (
	Attribute Entity = iota + 1
	Metric
	Param
	Tag
	Dataset
)

// String returns the canonical prefix: "attributes", "metrics", "params",
// "tags" or "datasets".
func (e Entity) String() string {
	switch e {
	case Attribute:
		return "attributes"
	case Metric:
		return "metrics"
	case Param:
		return "params"
	case Tag:
		return "tags"
	case Dataset:
		return "datasets"
	}
	return "entity(?)"
}

// Op is a comparator.
type Op string

// The comparators of the grammar. IsNull and IsNotNull exist only for
// experiment tags, as in MLflow.
const (
	Eq        Op = "="
	Ne        Op = "!="
	Gt        Op = ">"
	Ge        Op = ">="
	Lt        Op = "<"
	Le        Op = "<="
	Like      Op = "LIKE"
	ILike     Op = "ILIKE"
	In        Op = "IN"
	NotIn     Op = "NOT IN"
	IsNull    Op = "IS NULL"
	IsNotNull Op = "IS NOT NULL"
)

// Number is a numeric literal. Float always holds its value; Int holds it
// exactly when IsInt (an integer literal that fits in int64), so that
// millisecond timestamps compare without a round trip through float64.
type Number struct {
	Text  string
	Float float64
	Int   int64
	IsInt bool
}

// Cond is one comparison of a filter.
type Cond struct {
	Entity Entity
	// Key is the metric, param or tag key, or the canonical attribute or
	// dataset field ("start_time" for "created", "run_name" for "run name").
	Key string
	Op  Op
	// Str holds the string operand: one value, or the list of IN / NOT IN.
	// It is nil for numeric comparisons and IS [NOT] NULL.
	Str []string
	// Num is the numeric operand, nil for string comparisons.
	Num *Number
	// Pos is the byte offset of the condition in the filter.
	Pos int
}

// target says which search a parsed filter belongs to, so that a runs
// filter cannot be handed to the experiments query builder.
type target uint8

const (
	runsTarget target = iota + 1
	experimentsTarget
)

// Expr is a parsed filter: the conjunction of its conditions. A nil or
// empty Expr matches everything.
type Expr struct {
	Conds  []Cond
	target target
}

// String renders the filter in canonical form (full entity prefixes,
// quoted keys where needed, single-quoted strings); parsing the result
// gives back the same conditions.
func (e *Expr) String() string {
	if e == nil {
		return ""
	}
	parts := make([]string, len(e.Conds))
	for i, c := range e.Conds {
		parts[i] = c.String()
	}
	return strings.Join(parts, " AND ")
}

// String renders the condition in canonical form.
func (c Cond) String() string {
	var b strings.Builder
	b.WriteString(c.Entity.String())
	b.WriteByte('.')
	b.WriteString(quoteKey(c.Key))
	b.WriteByte(' ')
	b.WriteString(string(c.Op))
	switch {
	case c.Op == IsNull || c.Op == IsNotNull:
	case c.Num != nil:
		b.WriteByte(' ')
		b.WriteString(c.Num.Text)
	case c.Op == In || c.Op == NotIn:
		b.WriteString(" (")
		for i, s := range c.Str {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quoteString(s))
		}
		b.WriteByte(')')
	case len(c.Str) == 1:
		b.WriteByte(' ')
		b.WriteString(quoteString(c.Str[0]))
	}
	return b.String()
}

// quoteKey leaves a key bare when it is a plain name and backticks it
// otherwise, doubling any backtick inside.
func quoteKey(k string) string {
	if k != "" && strings.IndexFunc(k, func(r rune) bool { return !isNameRune(r) }) < 0 {
		return k
	}
	return "`" + strings.ReplaceAll(k, "`", "``") + "`"
}

func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// isNameRune reports whether r may appear in an unquoted name: letters,
// digits and underscore, as in SQL identifiers.
func isNameRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func nameRuneAt(s string, i int) (rune, int, bool) {
	if i >= len(s) {
		return 0, 0, false
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && n <= 1 {
		return r, n, false
	}
	return r, n, isNameRune(r)
}
