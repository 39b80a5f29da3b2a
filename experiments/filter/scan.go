package filter

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// scanner walks a filter or order_by clause byte by byte. It knows the
// shape of the grammar (identifiers, comparators, literals) but not which
// entities, keys or comparators a search accepts: the resolvers in
// run_filter.go and experiment_filter.go decide that.
type scanner struct {
	src   string
	pos   int
	input string // "filter" or "order_by[i]", for error messages
}

// ident is an identifier as written: an optional prefix before the first
// dot, and a key.
type ident struct {
	prefix    string
	prefixPos int
	hasPrefix bool
	key       string
	keyPos    int
	bareWord  bool   // unquoted and without prefix, e.g. AND or NOT
	text      string // as written, for messages
}

// value is the right-hand side of a comparison.
type value struct {
	pos  int
	text string // as written, for messages
	str  *string
	num  *Number
	list []string
}

// rawCond is a comparison before the search-specific checks.
type rawCond struct {
	id    ident
	op    Op
	opPos int
	val   value
}

func (s *scanner) errorf(pos int, format string, args ...any) *Error {
	return errorf(s.input, pos, format, args...)
}

func (s *scanner) eof() bool { return s.pos >= len(s.src) }

func (s *scanner) skipSpace() {
	for s.pos < len(s.src) {
		switch s.src[s.pos] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			s.pos++
		default:
			return
		}
	}
}

// found describes what sits at pos, for "expected X, found Y" messages.
func (s *scanner) found(pos int) string {
	if pos >= len(s.src) {
		return "the end of the " + s.input
	}
	end := pos
	for end < len(s.src) && end-pos < 24 {
		_, n, ok := nameRuneAt(s.src, end)
		if !ok {
			break
		}
		end += n
	}
	if end == pos {
		_, n := utf8.DecodeRuneInString(s.src[pos:])
		end = pos + n
	}
	return strconv.Quote(s.src[pos:end])
}

// name reads a run of name runes (letters, digits, underscore).
func (s *scanner) name() string {
	start := s.pos
	for {
		_, n, ok := nameRuneAt(s.src, s.pos)
		if !ok {
			return s.src[start:s.pos]
		}
		s.pos += n
	}
}

// quoted reads a string or identifier enclosed in q; a doubled q inside
// stands for one q. Backslashes are kept as written, as MLflow does.
func (s *scanner) quoted(what string) (string, *Error) {
	start, q := s.pos, s.src[s.pos]
	var b strings.Builder
	i := start + 1
	for i < len(s.src) {
		j := strings.IndexByte(s.src[i:], q)
		if j < 0 {
			break
		}
		b.WriteString(s.src[i : i+j])
		i += j + 1
		if i < len(s.src) && s.src[i] == q {
			b.WriteByte(q)
			i++
			continue
		}
		s.pos = i
		return b.String(), nil
	}
	return "", s.errorf(start, "unterminated %s starting with %c", what, q)
}

// part reads one identifier part: a name, or a backticked or
// double-quoted name.
func (s *scanner) part() (text string, quoted bool, err *Error) {
	if s.eof() {
		return "", false, s.errorf(s.pos, "expected an identifier such as metrics.f1, found %s", s.found(s.pos))
	}
	if c := s.src[s.pos]; c == '`' || c == '"' {
		t, err := s.quoted("quoted name")
		return t, true, err
	}
	r, _, ok := nameRuneAt(s.src, s.pos)
	if !ok || (r >= '0' && r <= '9') {
		return "", false, s.errorf(s.pos, "expected an identifier such as metrics.f1, found %s", s.found(s.pos))
	}
	return s.name(), false, nil
}

// ident reads `name`, `prefix.key`, with keys that are either quoted or
// dotted names (tags.mlflow.source.name, as MLflow's parser allows).
func (s *scanner) ident() (ident, *Error) {
	start := s.pos
	first, quoted, err := s.part()
	if err != nil {
		return ident{}, err
	}
	if s.eof() || s.src[s.pos] != '.' {
		id := ident{key: first, keyPos: start, bareWord: !quoted, text: s.src[start:s.pos]}
		return id, nil
	}
	s.pos++ // the dot
	id := ident{prefix: first, prefixPos: start, hasPrefix: true, keyPos: s.pos}
	if !s.eof() && (s.src[s.pos] == '`' || s.src[s.pos] == '"') {
		if id.key, err = s.quoted("quoted key"); err != nil {
			return ident{}, err
		}
	} else {
		key := s.name()
		for key != "" && s.pos+1 < len(s.src) && s.src[s.pos] == '.' {
			if _, _, ok := nameRuneAt(s.src, s.pos+1); !ok {
				break
			}
			s.pos++
			key += "." + s.name()
		}
		id.key = key
	}
	id.text = s.src[start:s.pos]
	if id.key == "" {
		return ident{}, s.errorf(id.keyPos, "expected a key after %s., found %s", first, s.found(id.keyPos))
	}
	return id, nil
}

// comparator reads one of = != > >= < <= LIKE ILIKE IN, NOT IN,
// IS NULL, IS NOT NULL (words in any case).
func (s *scanner) comparator(after string) (Op, *Error) {
	start := s.pos
	rest := s.src[s.pos:]
	for _, bad := range [...]struct{ op, use string }{{"==", "="}, {"<>", "!="}} {
		if strings.HasPrefix(rest, bad.op) {
			return "", s.errorf(start, "%q is not a comparator, use %s", bad.op, bad.use)
		}
	}
	for _, op := range [...]Op{Ge, Le, Ne, Gt, Lt, Eq} {
		if strings.HasPrefix(rest, string(op)) {
			s.pos += len(op)
			return op, nil
		}
	}
	switch w := strings.ToUpper(s.name()); w {
	case "LIKE", "ILIKE", "IN":
		return Op(w), nil
	case "NOT":
		s.skipSpace()
		if p := s.pos; strings.ToUpper(s.name()) != "IN" {
			return "", s.errorf(p, "expected IN after NOT, found %s", s.found(p))
		}
		return NotIn, nil
	case "IS":
		return s.isNull()
	}
	return "", s.errorf(start, "expected a comparator after %s, found %s", after, s.found(start))
}

func (s *scanner) isNull() (Op, *Error) {
	s.skipSpace()
	p := s.pos
	w := strings.ToUpper(s.name())
	op := IsNull
	if w == "NOT" {
		s.skipSpace()
		p = s.pos
		w = strings.ToUpper(s.name())
		op = IsNotNull
	}
	if w != "NULL" {
		return "", s.errorf(p, "expected NULL after IS, found %s", s.found(p))
	}
	return op, nil
}

// value reads the right-hand side: a list for IN / NOT IN, otherwise a
// quoted string or a number.
func (s *scanner) value(lhs string, op Op) (value, *Error) {
	v := value{pos: s.pos}
	if op == In || op == NotIn {
		list, err := s.list(op)
		v.list = list
		return v, err
	}
	c := byte(0)
	if !s.eof() {
		c = s.src[s.pos]
	}
	switch {
	case c == '\'' || c == '"':
		str, err := s.quoted("string")
		v.str = &str
		return v, err
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		n, err := s.number()
		v.num = n
		return v, err
	case c == '(':
		return v, s.errorf(s.pos, "a list is only allowed after IN or NOT IN")
	}
	return v, s.errorf(s.pos, "expected a quoted string or a number after %s %s, found %s", lhs, op, s.found(s.pos))
}

// list reads ('a', "b", ...): quoted strings only, at least one.
func (s *scanner) list(op Op) ([]string, *Error) {
	if s.eof() || s.src[s.pos] != '(' {
		return nil, s.errorf(s.pos, "%s takes a parenthesized list such as ('a', 'b'), found %s", op, s.found(s.pos))
	}
	open := s.pos
	s.pos++
	s.skipSpace()
	if !s.eof() && s.src[s.pos] == ')' {
		return nil, s.errorf(open, "empty %s list", op)
	}
	var out []string
	for {
		if s.eof() {
			return nil, s.errorf(open, "unterminated %s list", op)
		}
		if c := s.src[s.pos]; c != '\'' && c != '"' {
			return nil, s.errorf(s.pos, "%s lists hold quoted strings, found %s", op, s.found(s.pos))
		}
		str, err := s.quoted("string")
		if err != nil {
			return nil, err
		}
		out = append(out, str)
		s.skipSpace()
		switch {
		case s.eof():
			return nil, s.errorf(open, "unterminated %s list", op)
		case s.src[s.pos] == ',':
			s.pos++
			s.skipSpace()
		case s.src[s.pos] == ')':
			s.pos++
			return out, nil
		default:
			return nil, s.errorf(s.pos, "expected , or ) in the %s list, found %s", op, s.found(s.pos))
		}
	}
}

// number reads [+-] digits [. digits] [e [+-] digits], or [+-] . digits
// with the same exponent, and refuses a name glued to it (1abc).
func (s *scanner) number() (*Number, *Error) {
	start := s.pos
	i := start
	if s.src[i] == '+' || s.src[i] == '-' {
		i++
	}
	intDigits := digits(s.src, i)
	i += intDigits
	fracDigits := 0
	if i < len(s.src) && s.src[i] == '.' {
		fracDigits = digits(s.src, i+1)
		i += 1 + fracDigits
	}
	if intDigits+fracDigits == 0 {
		return nil, s.errorf(start, "malformed number %s", s.found(start))
	}
	if i < len(s.src) && (s.src[i] == 'e' || s.src[i] == 'E') {
		j := i + 1
		if j < len(s.src) && (s.src[j] == '+' || s.src[j] == '-') {
			j++
		}
		if d := digits(s.src, j); d > 0 {
			i = j + d
		}
	}
	if _, _, ok := nameRuneAt(s.src, i); ok || (i < len(s.src) && s.src[i] == '.') {
		return nil, s.errorf(start, "malformed number starting %s", strconv.Quote(s.src[start:min(i+1, len(s.src))]))
	}
	s.pos = i
	return parseNumber(s.src[start:i]), nil
}

func digits(s string, i int) int {
	n := 0
	for i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '9' {
		n++
	}
	return n
}

// parseNumber converts a literal the scanner has already checked. Values
// beyond float64's range become ±Inf (as Python's float does) and tiny
// ones 0.
func parseNumber(text string) *Number {
	n := &Number{Text: text}
	n.Float, _ = strconv.ParseFloat(text, 64)
	if i, err := strconv.ParseInt(strings.TrimPrefix(text, "+"), 10, 64); err == nil {
		n.Int, n.IsInt = i, true
	}
	return n
}
