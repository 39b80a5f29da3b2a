package registry

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/paddockml/paddock/errs"
)

// Registry searches take MLflow's filter language for registered models
// and model versions: comparisons joined by AND, such as
//
//	name LIKE 'churn%' AND tags.team = 'growth'
//	name = 'churn' AND version_number >= 3 AND run_id IN ('a1', 'b2')
//
// Models filter on name and tags.<key>; versions on name, run_id,
// source_path, version_number and tags.<key>. Strings compare with = !=
// LIKE ILIKE (run_id also IN); version_number with = != > >= < <=. A key
// with special characters is quoted with backticks or double quotes. As
// in MLflow, LIKE is case-sensitive and ILIKE is not, with % and _ as the
// only wildcards.

// cond is one comparison of a filter.
type cond struct {
	field string // name, run_id, source_path, version_number or tag
	key   string // the tag key
	op    string
	str   []string
	num   int64
}

const (
	maxConds    = 50
	maxInValues = 1000
)

var stringOps = []string{"=", "!=", "LIKE", "ILIKE"}

// filterFields lists the fields a search accepts and whether each is
// numeric; "tag" stands for tags.<key>.
type filterFields map[string]bool

var (
	modelFields   = filterFields{"name": false, "tag": false}
	versionFields = filterFields{"name": false, "run_id": false, "source_path": false, "version_number": true, "tag": false}
)

// parseFilter parses a filter over the given fields.
func parseFilter(src string, fields filterFields) ([]cond, error) {
	p := &filterParser{src: src}
	var out []cond
	for {
		p.space()
		if p.eof() {
			if len(out) > 0 {
				return nil, p.fail("expected a condition after AND")
			}
			return nil, nil
		}
		c, err := p.cond(fields)
		if err != nil {
			return nil, err
		}
		if out = append(out, c); len(out) > maxConds {
			return nil, p.fail("at most %d conditions", maxConds)
		}
		p.space()
		if p.eof() {
			return out, nil
		}
		if !p.keyword("AND") {
			return nil, p.fail("expected AND")
		}
	}
}

type filterParser struct {
	src string
	pos int
}

func (p *filterParser) fail(format string, args ...any) error {
	return errs.E(errs.Invalid, "Invalid filter '%s' at position %d: %s", p.src, p.pos, fmt.Sprintf(format, args...))
}

func (p *filterParser) eof() bool { return p.pos >= len(p.src) }

func (p *filterParser) space() {
	for !p.eof() && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

// keyword consumes kw (any case) when a word boundary follows it.
func (p *filterParser) keyword(kw string) bool {
	end := p.pos + len(kw)
	if end > len(p.src) || !strings.EqualFold(p.src[p.pos:end], kw) {
		return false
	}
	if end < len(p.src) && isIdentByte(p.src[end]) {
		return false
	}
	p.pos = end
	return true
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func (p *filterParser) cond(fields filterFields) (cond, error) {
	field, key, err := p.lhs(fields)
	if err != nil {
		return cond{}, err
	}
	c := cond{field: field, key: key}
	p.space()
	if c.op, err = p.operator(); err != nil {
		return cond{}, err
	}
	p.space()
	if fields[field] {
		return c, p.numberOperand(&c)
	}
	return c, p.stringOperand(&c)
}

// lhs reads name, run_id, ..., or tags.<key> (also tag.<key>, and the
// attributes./attribute./attr. prefixes MLflow documents).
func (p *filterParser) lhs(fields filterFields) (string, string, error) {
	start := p.pos
	word := p.word()
	if word == "" {
		return "", "", p.fail("expected a field name")
	}
	switch lw := strings.ToLower(word); {
	case lw == "tags" || lw == "tag":
		if p.eof() || p.src[p.pos] != '.' {
			return "", "", p.fail("expected tags.<key>")
		}
		p.pos++
		key, err := p.key()
		return "tag", key, err
	case lw == "attributes" || lw == "attribute" || lw == "attr":
		if !p.eof() && p.src[p.pos] == '.' {
			p.pos++
			word = p.word()
		}
	}
	if _, ok := fields[word]; !ok || word == "tag" {
		p.pos = start
		return "", "", p.fail("invalid attribute %q: filters use %s", word, fieldList(fields))
	}
	return word, "", nil
}

func fieldList(fields filterFields) string {
	var names []string
	for _, f := range []string{"name", "run_id", "source_path", "version_number"} {
		if _, ok := fields[f]; ok {
			names = append(names, f)
		}
	}
	return strings.Join(append(names, "tags.<key>"), ", ")
}

func (p *filterParser) word() string {
	start := p.pos
	for !p.eof() && isIdentByte(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

// key reads a tag key: quoted with ` or ", or bare up to a space or an
// operator character.
func (p *filterParser) key() (string, error) {
	if !p.eof() && (p.src[p.pos] == '`' || p.src[p.pos] == '"') {
		return p.quoted(p.src[p.pos])
	}
	start := p.pos
	for !p.eof() && !strings.ContainsRune(" \t\r\n=!<>(", rune(p.src[p.pos])) {
		p.pos++
	}
	if p.pos == start {
		return "", p.fail("expected a tag key")
	}
	return p.src[start:p.pos], nil
}

func (p *filterParser) quoted(q byte) (string, error) {
	start := p.pos
	p.pos++
	var b strings.Builder
	for !p.eof() {
		c := p.src[p.pos]
		p.pos++
		if c != q {
			b.WriteByte(c)
			continue
		}
		if !p.eof() && p.src[p.pos] == q { // a doubled quote stands for one
			b.WriteByte(q)
			p.pos++
			continue
		}
		return b.String(), nil
	}
	p.pos = start
	return "", p.fail("unterminated quoted string")
}

func (p *filterParser) operator() (string, error) {
	for _, op := range []string{"!=", ">=", "<=", "=", ">", "<"} {
		if strings.HasPrefix(p.src[p.pos:], op) {
			p.pos += len(op)
			return op, nil
		}
	}
	for _, kw := range []string{"LIKE", "ILIKE", "IN"} {
		if p.keyword(kw) {
			return kw, nil
		}
	}
	if save := p.pos; p.keyword("NOT") {
		p.space()
		if p.keyword("IN") {
			return "NOT IN", nil
		}
		p.pos = save
	}
	return "", p.fail("expected a comparator (=, !=, LIKE, ILIKE, IN, >, >=, <, <=)")
}

func (p *filterParser) stringOperand(c *cond) error {
	if c.op == "IN" || c.op == "NOT IN" {
		if c.field != "run_id" {
			return p.fail("%s only works on run_id", c.op)
		}
		return p.list(c)
	}
	if !slices.Contains(stringOps, c.op) {
		return p.fail("%s cannot compare %s (use =, !=, LIKE or ILIKE)", c.op, fieldName(*c))
	}
	if p.eof() || (p.src[p.pos] != '\'' && p.src[p.pos] != '"') {
		return p.fail("expected a quoted string for %s", fieldName(*c))
	}
	s, err := p.quoted(p.src[p.pos])
	c.str = []string{s}
	return err
}

func (p *filterParser) list(c *cond) error {
	if p.eof() || p.src[p.pos] != '(' {
		return p.fail("expected ( after %s", c.op)
	}
	p.pos++
	for {
		p.space()
		if p.eof() || (p.src[p.pos] != '\'' && p.src[p.pos] != '"') {
			return p.fail("expected a quoted string in the list")
		}
		s, err := p.quoted(p.src[p.pos])
		if err != nil {
			return err
		}
		if c.str = append(c.str, s); len(c.str) > maxInValues {
			return p.fail("at most %d values in a list", maxInValues)
		}
		p.space()
		if !p.eof() && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if !p.eof() && p.src[p.pos] == ')' {
			p.pos++
			return nil
		}
		return p.fail("expected , or ) in the list")
	}
}

func (p *filterParser) numberOperand(c *cond) error {
	if !slices.Contains([]string{"=", "!=", ">", ">=", "<", "<="}, c.op) {
		return p.fail("%s cannot compare %s", c.op, c.field)
	}
	start := p.pos
	if !p.eof() && (p.src[p.pos] == '-' || p.src[p.pos] == '+') {
		p.pos++
	}
	for !p.eof() && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	n, err := strconv.ParseInt(p.src[start:p.pos], 10, 64)
	if err != nil {
		p.pos = start
		return p.fail("expected an integer for %s", c.field)
	}
	c.num = n
	return nil
}

func fieldName(c cond) string {
	if c.field == "tag" {
		return "tags." + c.key
	}
	return c.field
}

// stringSQL compares a text column. LIKE becomes GLOB because SQLite's
// LIKE ignores ASCII case and MLflow's does not; ILIKE lowers both sides.
func stringSQL(col string, c cond) (string, []any) {
	switch c.op {
	case "LIKE":
		return col + " GLOB ?", []any{likeToGlob(c.str[0])}
	case "ILIKE":
		return "lower(" + col + ") LIKE lower(?)", []any{c.str[0]}
	case "IN", "NOT IN":
		args := make([]any, len(c.str))
		for i, v := range c.str {
			args[i] = v
		}
		return col + " " + c.op + " (" + strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ") + ")", args
	}
	return col + " " + c.op + " ?", []any{c.str[0]}
}

// likeToGlob rewrites a LIKE pattern (% and _ wildcards, no escape) as a
// GLOB pattern, making GLOB's own metacharacters literal.
func likeToGlob(pat string) string {
	var b strings.Builder
	for i := 0; i < len(pat); i++ {
		switch c := pat[i]; c {
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
