package filter

import (
	"fmt"
	"strings"
)

// Order is one order_by clause: ascending unless Desc, missing values
// last in both directions.
type Order struct {
	Entity Entity
	Key    string
	Desc   bool
}

// String renders the clause in canonical form, e.g. "metrics.f1 DESC".
func (o Order) String() string {
	dir := "ASC"
	if o.Desc {
		dir = "DESC"
	}
	return o.Entity.String() + "." + quoteKey(o.Key) + " " + dir
}

// orderResolver maps an identifier to the entity and key one search can
// order by.
type orderResolver func(s *scanner, id ident) (Entity, string, *Error)

// ParseRunOrderBy parses runs/search order_by clauses such as
// "metrics.f1 DESC", "params.lr" or "attributes.start_time ASC". The
// same field twice is an error, as in MLflow.
func ParseRunOrderBy(clauses []string) ([]Order, error) {
	return parseOrderBy(clauses, resolveRunOrder)
}

func resolveRunOrder(s *scanner, id ident) (Entity, string, *Error) {
	e, err := runEntity(s, id)
	switch {
	case err != nil:
		return 0, "", err
	case e == Dataset:
		return 0, "", s.errorf(id.prefixPos, "runs cannot be ordered by dataset fields")
	case e != Attribute:
		return e, id.key, nil
	}
	name, _, err := runAttribute(s, id, false)
	return e, name, err
}

// maxOrderClauses bounds order_by. Each metric, param or tag clause is a
// join, and SQLite joins at most 64 tables; no real client sends more
// than a handful.
const maxOrderClauses = 20

func parseOrderBy(clauses []string, resolve orderResolver) ([]Order, error) {
	if len(clauses) > maxOrderClauses {
		return nil, errorf(fmt.Sprintf("order_by[%d]", maxOrderClauses), 0, "at most %d order_by clauses are supported", maxOrderClauses)
	}
	out := make([]Order, 0, len(clauses))
	seen := map[Order]int{}
	for i, src := range clauses {
		s := &scanner{src: src, input: fmt.Sprintf("order_by[%d]", i)}
		o, err := s.orderClause(resolve)
		if err != nil {
			return nil, err
		}
		field := Order{Entity: o.Entity, Key: o.Key}
		if j, dup := seen[field]; dup {
			return nil, s.errorf(0, "%s.%s is already ordered on in order_by[%d]", o.Entity, quoteKey(o.Key), j)
		}
		seen[field] = i
		out = append(out, o)
	}
	return out, nil
}

// orderClause reads `identifier [ASC|DESC]`.
func (s *scanner) orderClause(resolve orderResolver) (Order, *Error) {
	s.skipSpace()
	if s.eof() {
		return Order{}, s.errorf(s.pos, "empty order_by clause")
	}
	id, err := s.ident()
	if err != nil {
		return Order{}, err
	}
	var o Order
	if o.Entity, o.Key, err = resolve(s, id); err != nil {
		return Order{}, err
	}
	s.skipSpace()
	if s.eof() {
		return o, nil
	}
	p := s.pos
	switch strings.ToUpper(s.name()) {
	case "ASC":
	case "DESC":
		o.Desc = true
	default:
		return Order{}, s.errorf(p, "expected ASC or DESC after %s, found %s", id.text, s.found(p))
	}
	s.skipSpace()
	if !s.eof() {
		return Order{}, s.errorf(s.pos, "unexpected %s after the direction", s.found(s.pos))
	}
	return o, nil
}
