package filter

import "strings"

// resolver turns a comparison as written into a condition of one search
// (runs or experiments), checking entity, key, comparator and operand.
type resolver func(s *scanner, rc rawCond) (Cond, *Error)

// Limits that keep a hostile filter from turning into SQL that SQLite
// refuses (too many variables, too deep an expression): a 400 instead of
// a 500. Real filters stay far below them.
const (
	maxConds      = 200
	maxListValues = 10000
)

// parseFilter reads `cond { AND cond }`. An empty or blank filter has no
// conditions.
func parseFilter(src string, resolve resolver) ([]Cond, *Error) {
	s := &scanner{src: src, input: "filter"}
	s.skipSpace()
	if s.eof() {
		return nil, nil
	}
	var conds []Cond
	values := 0
	for {
		if len(conds) == maxConds {
			return nil, s.errorf(s.pos, "a filter holds at most %d conditions", maxConds)
		}
		rc, err := s.comparison()
		if err != nil {
			return nil, err
		}
		c, err := resolve(s, rc)
		if err != nil {
			return nil, err
		}
		if values += len(c.Str); values > maxListValues {
			return nil, s.errorf(c.Pos, "a filter holds at most %d values", maxListValues)
		}
		conds = append(conds, c)
		if err := s.conjunction(); err != nil {
			return nil, err
		}
		if s.eof() {
			return conds, nil
		}
	}
}

// conjunction consumes the AND between two conditions, or stops at the
// end of the filter.
func (s *scanner) conjunction() *Error {
	s.skipSpace()
	if s.eof() {
		return nil
	}
	start := s.pos
	switch strings.ToUpper(s.name()) {
	case "AND":
		s.skipSpace()
		if s.eof() {
			return s.errorf(s.pos, "expected a condition after AND, found %s", s.found(s.pos))
		}
		return nil
	case "OR":
		return s.errorf(start, "OR is not supported: MLflow filters join conditions with AND only")
	}
	return s.errorf(start, "expected AND or the end of the filter, found %s", s.found(start))
}

// comparison reads `identifier comparator [value]`.
func (s *scanner) comparison() (rawCond, *Error) {
	start := s.pos
	if s.src[s.pos] == '(' {
		return rawCond{}, s.errorf(start, "parentheses are not supported: write conditions joined by AND")
	}
	id, err := s.ident()
	if err != nil {
		return rawCond{}, err
	}
	if id.bareWord && strings.EqualFold(id.key, "NOT") {
		return rawCond{}, s.errorf(start, "NOT is not supported: use != or NOT IN")
	}
	s.skipSpace()
	rc := rawCond{id: id, opPos: s.pos}
	if rc.op, err = s.comparator(id.text); err != nil {
		return rawCond{}, err
	}
	if rc.op == IsNull || rc.op == IsNotNull {
		return rc, nil
	}
	s.skipSpace()
	rc.val, err = s.value(id.text, rc.op)
	rc.val.text = s.src[rc.val.pos:s.pos]
	return rc, err
}
