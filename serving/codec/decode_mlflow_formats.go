package codec

import (
	"strconv"

	"github.com/paddockml/paddock/flavor"
	"github.com/valyala/fastjson"
)

var splitKeys = []string{"columns", "data", "index"}

// mlflowSplit decodes dataframe_split, {"columns": [...], "data": [[...]],
// "index": [...]}, checked as mlflow.utils.proto_json_utils'
// dataframe_from_parsed_json and pandas.DataFrame check it. The index is
// checked for length and otherwise ignored: rows keep their order.
func (d *decoder) mlflowSplit(v *fastjson.Value) (*Table, error) {
	o, err := v.Object()
	if err != nil {
		return nil, inputErr("Invalid input. Dataframe split format must be a dictionary. Got %s.", d.pyTypeMessage(v))
	}
	var f [3]*fastjson.Value
	if err := pickFields(o, splitKeys, f[:], true); err != nil || f[1] == nil {
		return nil, inputErr("Invalid input. Dataframe split format must have 'data' field and optionally 'columns' "+
			"and 'index' fields. Got %s.'", pyKeySet(o))
	}
	t, err := d.splitData(f[1])
	if err != nil {
		return nil, err
	}
	if f[0] != nil {
		if t.Columns, err = splitColumns(f[0]); err != nil {
			return nil, err
		}
		if len(t.Columns) != t.Width {
			return nil, splitErr("%d columns passed, passed data had %d columns", len(t.Columns), t.Width)
		}
	}
	if f[2] != nil {
		idx, err := f[2].Array()
		if err != nil {
			return nil, splitErr("Index(...) must be called with a collection of some kind, %s was passed", jsonType(f[2]))
		}
		if len(idx) != t.Rows {
			return nil, splitErr("Shape of passed values is (%d, %d), indices imply (%d, %d)", t.Rows, t.Width, len(idx), t.Width)
		}
	}
	return t, nil
}

// splitErr words a malformed split frame as MLflow wraps pandas' errors.
func splitErr(format string, args ...any) error {
	return inputErr("Invalid input. Provided dataframe_split field is not a valid dataframe representation in "+
		"'split' format. Error: '%s'", inputErr(format, args...))
}

// splitData decodes the data of a split frame: rows as lists, or a flat
// list that pandas reads as a single column.
func (d *decoder) splitData(v *fastjson.Value) (*Table, error) {
	rows, err := v.Array()
	if err != nil {
		return nil, splitErr("data is %s, not a list of rows", jsonType(v))
	}
	if len(rows) > 0 && rows[0].Type() != fastjson.TypeArray {
		return d.scalarTable("dataframe_split: data", rows)
	}
	return d.positionalTable("dataframe_split: data", rows)
}

// splitColumns reads the column names: strings, each once. pandas takes
// repeated or non-string names, but a model's columns are matched by
// name, where those could only mislead.
func splitColumns(v *fastjson.Value) ([]string, error) {
	vals, err := v.Array()
	if err != nil {
		return nil, splitErr("columns is %s, not a list of names", jsonType(v))
	}
	names := newKeyList(len(vals))
	for i, c := range vals {
		b, err := c.StringBytes()
		if err != nil {
			return nil, inputErr("dataframe_split: column %d is %s, not a name", i, jsonType(c))
		}
		if names.find(b, i) >= 0 {
			return nil, inputErr("dataframe_split: duplicate column %q", b)
		}
		names.add(b)
	}
	return names.strings(), nil
}

// mlflowRecords decodes dataframe_records: records, or rows as lists,
// which pandas.DataFrame also takes.
func (d *decoder) mlflowRecords(v *fastjson.Value) (*Table, error) {
	rows, err := v.Array()
	if err != nil {
		return nil, inputErr("Invalid input. Dataframe records format must be a list of records. Got %s.", d.pyTypeMessage(v))
	}
	switch {
	case len(rows) > 0 && rows[0].Type() == fastjson.TypeArray:
		return d.positionalTable("dataframe_records", rows)
	case len(rows) > 0 && rows[0].Type() != fastjson.TypeObject:
		return d.scalarTable("dataframe_records", rows)
	}
	return d.recordsTable("dataframe_records", rows)
}

// pyTypeMessage words a wrong type as dataframe_from_parsed_json does.
func (d *decoder) pyTypeMessage(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeObject:
		return "dictionary"
	case fastjson.TypeArray:
		return "list"
	}
	return "type " + d.pyType(v)
}

// mlflowInstances decodes TF-serving "instances" as parse_instances_data
// does: a list of records becomes columns (every record must have every
// key), any other list one unnamed tensor, and an object named tensors.
// Records of single values make a Table; records holding lists make one
// tensor per key, stacked along the batch.
func (d *decoder) mlflowInstances(v *fastjson.Value) (Input, error) {
	items, err := v.Array()
	if err != nil || len(items) == 0 || items[0].Type() != fastjson.TypeObject {
		ts, err := d.tensorInputs("instances", v)
		return Input{Tensors: ts}, err
	}
	objs := make([]*fastjson.Object, len(items))
	for i, it := range items {
		if objs[i], err = it.Object(); err != nil {
			return Input{}, inputErr("instances: item %d is %s, not a record like item 0", i, jsonType(it))
		}
	}
	names := newKeyList(objs[0].Len())
	if err := collectKeys("instances", objs, &names); err != nil {
		return Input{}, err
	}
	for _, o := range objs {
		if o.Len() != len(names.keys) {
			return Input{}, inputErr("Invalid input. The length of values for each input/column name are not the same")
		}
	}
	if !holdsLists(objs) {
		t, err := d.recordsTable("instances", items)
		return Input{Table: t}, err
	}
	ts, err := d.stackInstances(objs, &names)
	return Input{Tensors: ts}, err
}

func holdsLists(objs []*fastjson.Object) bool {
	found := false
	for _, o := range objs {
		o.Visit(func(_ []byte, v *fastjson.Value) {
			found = found || v.Type() == fastjson.TypeArray
		})
	}
	return found
}

// stackInstances builds one tensor per key from records whose values are
// lists: key k's tensor is [len(objs), shape of each value...].
func (d *decoder) stackInstances(objs []*fastjson.Object, names *keyList) ([]flavor.Tensor, error) {
	cols := names.strings()
	lists := make([][]*fastjson.Value, len(cols))
	for j := range lists {
		lists[j] = make([]*fastjson.Value, len(objs))
	}
	for i, o := range objs {
		pos := 0
		o.Visit(func(k []byte, v *fastjson.Value) {
			lists[names.find(k, pos)][i] = v
			pos++
		})
	}
	ts := make([]flavor.Tensor, len(cols))
	for j, name := range cols {
		t, err := d.inferTensor("instances: input "+strconv.Quote(name), name, lists[j])
		if err != nil {
			return nil, err
		}
		ts[j] = t
	}
	return ts, nil
}
