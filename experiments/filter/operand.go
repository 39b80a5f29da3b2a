package filter

import (
	"strings"
	"unicode/utf8"
)

// Comparator sets, after MLflow's SearchUtils. Params and tags also take
// IN / NOT IN here, which MLflow refuses (see doc.go).
var (
	numericOps   = []Op{Eq, Ne, Gt, Ge, Lt, Le}
	stringOps    = []Op{Eq, Ne, Like, ILike, In, NotIn}
	expStringOps = []Op{Eq, Ne, Like, ILike}
	expTagOps    = []Op{Eq, Ne, Like, ILike, IsNull, IsNotNull}
)

// start is where the identifier begins in the source.
func (id ident) start() int {
	if id.hasPrefix {
		return id.prefixPos
	}
	return id.keyPos
}

// operand checks the comparator against the field's allowed set and the
// operand against the field's type, and builds the condition.
func operand(s *scanner, rc rawCond, e Entity, key string, numeric bool, allowed []Op) (Cond, *Error) {
	c := Cond{Entity: e, Key: key, Op: rc.op, Pos: rc.id.start()}
	if !hasOp(allowed, rc.op) {
		if rc.op == IsNull || rc.op == IsNotNull {
			return c, s.errorf(rc.opPos, "%s is only supported for experiment tags", rc.op)
		}
		return c, s.errorf(rc.opPos, "%s does not support %s: use %s", rc.id.text, rc.op, joinOps(allowed))
	}
	switch {
	case rc.op == IsNull || rc.op == IsNotNull:
	case numeric:
		if rc.val.num == nil {
			return c, s.errorf(rc.val.pos, "%s compares with a number, found %s", rc.id.text, clip(rc.val.text))
		}
		c.Num = rc.val.num
	case rc.op == In || rc.op == NotIn:
		c.Str = rc.val.list
	default:
		if rc.val.str == nil {
			return c, s.errorf(rc.val.pos, "%s compares with a quoted string such as '0.01', found %s", rc.id.text, clip(rc.val.text))
		}
		c.Str = []string{*rc.val.str}
	}
	return c, nil
}

func hasOp(ops []Op, op Op) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

func joinOps(ops []Op) string {
	parts := make([]string, len(ops))
	for i, o := range ops {
		parts[i] = string(o)
	}
	return strings.Join(parts, ", ")
}

// clip shortens a literal quoted in a message, cutting between runes.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 37
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}
