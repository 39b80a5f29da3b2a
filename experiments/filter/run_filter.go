package filter

import "fmt"

// runAttr describes a run attribute: its column on `runs r` and whether
// it is a number (millisecond timestamp) or a string.
type runAttr struct {
	column   string
	numeric  bool
	nullable bool
}

// runAttrs holds the canonical attribute names of MLflow's RunInfo that
// search and order_by accept. lifecycle_stage is deliberately absent: the
// caller handles it through run_view_type.
var runAttrs = map[string]runAttr{
	"run_id":       {column: "r.run_uuid"},
	"run_name":     {column: "r.name"},
	"user_id":      {column: "r.user_id"},
	"status":       {column: "r.status"},
	"artifact_uri": {column: "r.artifact_uri"},
	"start_time":   {column: "r.start_time", numeric: true, nullable: true},
	"end_time":     {column: "r.end_time", numeric: true, nullable: true},
}

// runAttrAliases are MLflow's other spellings. The "run name" forms are
// accepted by filters only, as in MLflow.
var runAttrAliases = map[string]string{
	"created":  "start_time",
	"Created":  "start_time",
	"run name": "run_name",
	"Run name": "run_name",
	"Run Name": "run_name",
}

const runAttrList = "run_id, run_name, status, user_id, start_time, end_time, artifact_uri, created"

// runEntities maps every prefix MLflow accepts to its entity.
var runEntities = map[string]Entity{
	"metric": Metric, "metrics": Metric,
	"param": Param, "params": Param, "parameter": Param, "parameters": Param,
	"tag": Tag, "tags": Tag,
	"attribute": Attribute, "attributes": Attribute, "attr": Attribute, "run": Attribute,
	"dataset": Dataset, "datasets": Dataset,
}

// datasetFields are the dataset fields a filter may compare; context is
// the mlflow.data.context tag of the run's input.
var datasetFields = map[string]bool{"name": true, "digest": true, "context": true}

// ParseRunFilter parses an MLflow runs filter such as
// `metrics.f1 > 0.8 and params.lr = '0.01'`. An empty or blank filter
// gives an Expr without conditions. Malformed input gives an *Error.
func ParseRunFilter(filter string) (*Expr, error) {
	conds, err := parseFilter(filter, resolveRun)
	if err != nil {
		return nil, err
	}
	return &Expr{Conds: conds, target: runsTarget}, nil
}

// runEntity finds the entity of an identifier; no prefix means attribute.
func runEntity(s *scanner, id ident) (Entity, *Error) {
	if !id.hasPrefix {
		return Attribute, nil
	}
	e, ok := runEntities[id.prefix]
	if !ok {
		return 0, s.errorf(id.prefixPos, "unknown entity %q in %s: use metrics., params., tags., attributes. or datasets.", id.prefix, id.text)
	}
	return e, nil
}

// runAttribute resolves an attribute name (or alias) to its canonical
// name. Filters accept the "run name" aliases, order_by does not.
func runAttribute(s *scanner, id ident, inFilter bool) (string, runAttr, *Error) {
	name := id.key
	if alias, ok := runAttrAliases[name]; ok && (inFilter || alias == "start_time") {
		name = alias
	}
	a, ok := runAttrs[name]
	switch {
	case ok:
		return name, a, nil
	case name == "lifecycle_stage":
		return "", a, s.errorf(id.keyPos, "lifecycle_stage cannot be filtered or ordered on: use run_view_type")
	}
	return "", a, s.errorf(id.keyPos, "unknown attribute %q: valid attributes are %s", id.key, runAttrList)
}

func resolveRun(s *scanner, rc rawCond) (Cond, *Error) {
	e, err := runEntity(s, rc.id)
	if err != nil {
		return Cond{}, err
	}
	switch e {
	case Metric:
		return operand(s, rc, e, rc.id.key, true, numericOps)
	case Param, Tag:
		return operand(s, rc, e, rc.id.key, false, stringOps)
	case Dataset:
		if !datasetFields[rc.id.key] {
			return Cond{}, s.errorf(rc.id.keyPos, "unknown dataset field %q: use datasets.name, datasets.digest or datasets.context", rc.id.key)
		}
		return operand(s, rc, e, rc.id.key, false, stringOps)
	}
	name, a, err := runAttribute(s, rc.id, true)
	if err != nil {
		return Cond{}, err
	}
	if a.numeric {
		return operand(s, rc, e, name, true, numericOps)
	}
	return operand(s, rc, e, name, false, stringOps)
}

// checkTarget refuses an Expr parsed for the other search.
func checkTarget(e *Expr, want target) error {
	if e != nil && len(e.Conds) > 0 && e.target != want {
		return fmt.Errorf("filter: expression was not parsed for this search")
	}
	return nil
}
