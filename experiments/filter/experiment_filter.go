package filter

// expAttrs are the experiment attributes filters compare and orders sort
// on, with their column on `experiments e`. experiment_id is orderable
// only, as in MLflow.
var expAttrs = map[string]struct {
	column  string
	numeric bool
	filter  bool
}{
	"name":             {column: "e.name", filter: true},
	"creation_time":    {column: "e.creation_time", numeric: true, filter: true},
	"last_update_time": {column: "e.last_update_time", numeric: true, filter: true},
	"experiment_id":    {column: "e.experiment_id", numeric: true},
}

// expEntities accepts MLflow's "attribute", "tag" and "tags" prefixes,
// plus "attributes" and "attr", which its docs use.
var expEntities = map[string]Entity{
	"attribute": Attribute, "attributes": Attribute, "attr": Attribute,
	"tag": Tag, "tags": Tag,
}

// ParseExperimentFilter parses an MLflow experiments filter such as
// `name LIKE 'nlp-%' and tags.team = 'search' and creation_time > 0`.
// Malformed input gives an *Error.
func ParseExperimentFilter(filter string) (*Expr, error) {
	conds, err := parseFilter(filter, resolveExperiment)
	if err != nil {
		return nil, err
	}
	return &Expr{Conds: conds, target: experimentsTarget}, nil
}

// ParseExperimentOrderBy parses experiments/search order_by clauses over
// name, experiment_id, creation_time and last_update_time.
func ParseExperimentOrderBy(clauses []string) ([]Order, error) {
	return parseOrderBy(clauses, func(s *scanner, id ident) (Entity, string, *Error) {
		e, err := expEntity(s, id)
		if err != nil {
			return 0, "", err
		}
		if e != Attribute {
			return 0, "", s.errorf(id.prefixPos, "experiments can only be ordered by name, experiment_id, creation_time or last_update_time")
		}
		if _, ok := expAttrs[id.key]; !ok {
			return 0, "", s.errorf(id.keyPos, "unknown attribute %q: experiments are ordered by name, experiment_id, creation_time or last_update_time", id.key)
		}
		return e, id.key, nil
	})
}

func expEntity(s *scanner, id ident) (Entity, *Error) {
	if !id.hasPrefix {
		return Attribute, nil
	}
	e, ok := expEntities[id.prefix]
	if !ok {
		return 0, s.errorf(id.prefixPos, "unknown entity %q in %s: experiment filters use attributes. or tags.", id.prefix, id.text)
	}
	return e, nil
}

func resolveExperiment(s *scanner, rc rawCond) (Cond, *Error) {
	e, err := expEntity(s, rc.id)
	if err != nil {
		return Cond{}, err
	}
	if e == Tag {
		return operand(s, rc, e, rc.id.key, false, expTagOps)
	}
	a, ok := expAttrs[rc.id.key]
	if !ok || !a.filter {
		return Cond{}, s.errorf(rc.id.keyPos, "unknown attribute %q: experiment filters use name, creation_time, last_update_time or tags.<key>", rc.id.key)
	}
	if a.numeric {
		return operand(s, rc, e, rc.id.key, true, numericOps)
	}
	return operand(s, rc, e, rc.id.key, false, expStringOps)
}
