package sklearn

import (
	"fmt"

	"github.com/nlpodyssey/gopickle/types"

	"github.com/paddockml/paddock/flavor"
)

// columnTransformer is a fitted ColumnTransformer: each part takes some
// input columns (by name or position) through a transformer, or passes
// them through, and the outputs are concatenated in order.
type columnTransformer struct {
	n     int
	names []string
	parts []colPart
	kind  []colKind
	out   int
}

type colPart struct {
	cols   []int
	t      transformer // nil passes the columns through
	weight float64     // transformer_weights entry, 1 when absent
}

func buildColumnTransformer(b *builder, o *pyObject) (any, error) {
	n, err := nFeatures(o)
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, o.errorf("n_features_in_", "missing")
	}
	ct := &columnTransformer{n: n, kind: make([]colKind, n)}
	if v, ok := o.field("feature_names_in_"); ok {
		if ct.names, err = stringArray(v); err != nil || len(ct.names) != n {
			return nil, o.errorf("feature_names_in_", "does not name %d columns", n)
		}
	}
	v, err := o.need("transformers_")
	if err != nil {
		return nil, err
	}
	entries, ok := asList(v)
	if !ok {
		return nil, o.errorf("transformers_", "is %s, want a list", typeName(v))
	}
	weights, _ := o.field("transformer_weights")
	for i, e := range entries {
		if err := ct.addPart(b, o, i, e, weights); err != nil {
			return nil, err
		}
	}
	return ct, nil
}

// addPart rebuilds one (name, transformer, columns) entry.
func (ct *columnTransformer) addPart(b *builder, o *pyObject, i int, e any, weights any) error {
	triple, ok := asList(e)
	if !ok || len(triple) != 3 {
		return o.errorf("transformers_", "entry %d is not a (name, transformer, columns) triple", i)
	}
	if triple[1] == "drop" {
		return nil
	}
	cols, err := ct.resolve(triple[2])
	if err != nil {
		return fmt.Errorf("%w: ColumnTransformer entry %v: %v", flavor.ErrCorrupt, triple[0], err)
	}
	if len(cols) == 0 {
		return nil // scikit-learn skips empty selections
	}
	p := colPart{cols: cols, weight: 1}
	width := len(cols)
	if triple[1] != "passthrough" {
		est, err := b.build(triple[1])
		if err != nil {
			return err
		}
		t, ok := est.(transformer)
		if !ok {
			return fmt.Errorf("%w: ColumnTransformer entry %v is not a transformer", flavor.ErrCorrupt, triple[0])
		}
		in, out := t.widths()
		if in >= 0 && in != len(cols) {
			return fmt.Errorf("%w: ColumnTransformer entry %v selects %d columns but its transformer expects %d", flavor.ErrCorrupt, triple[0], len(cols), in)
		}
		p.t, width = t, out
		ct.markKinds(cols, t.kinds())
	}
	if d, ok := weights.(*types.Dict); ok {
		if w, ok := d.Get(triple[0]); ok {
			if p.weight, ok = asFloat(w); !ok {
				return o.errorf("transformer_weights", "is not numeric")
			}
		}
	}
	ct.parts = append(ct.parts, p)
	ct.out += width
	return nil
}

// markKinds records which input columns a part needs as strings.
func (ct *columnTransformer) markKinds(cols []int, kinds []colKind) {
	for k, c := range cols {
		if k < len(kinds) && kinds[k] == strCol {
			ct.kind[c] = strCol
		}
	}
}

// resolve turns a column selector into input column indexes.
func (ct *columnTransformer) resolve(sel any) ([]int, error) {
	if s, ok := sel.(*pySlice); ok {
		return ct.resolveSlice(s)
	}
	var items []any
	if a, ok := asArray(sel); ok {
		var err error
		if items, err = a.items(); err != nil {
			return nil, err
		}
	} else if items, ok = asList(sel); !ok {
		return nil, fmt.Errorf("%w: a single column selector %s (1-D transformer input)", flavor.ErrUnsupported, typeName(sel))
	}
	if len(items) == ct.n && len(items) > 0 {
		if _, isBool := items[0].(bool); isBool {
			return boolMask(items)
		}
	}
	cols := make([]int, len(items))
	for k, it := range items {
		c, err := ct.column(it)
		if err != nil {
			return nil, err
		}
		cols[k] = c
	}
	return cols, nil
}

// column resolves one column name or (possibly negative) position.
func (ct *columnTransformer) column(it any) (int, error) {
	if name, ok := it.(string); ok {
		for j, n := range ct.names {
			if n == name {
				return j, nil
			}
		}
		return 0, fmt.Errorf("unknown column %q", clip(name))
	}
	c, ok := asInt(it)
	if !ok {
		return 0, fmt.Errorf("column selector %s", typeName(it))
	}
	if c < 0 {
		c += ct.n
	}
	if c < 0 || c >= ct.n {
		return 0, fmt.Errorf("column %v out of range [0, %d)", it, ct.n)
	}
	return c, nil
}

func boolMask(items []any) ([]int, error) {
	var cols []int
	for j, it := range items {
		b, ok := it.(bool)
		if !ok {
			return nil, fmt.Errorf("mixed boolean mask")
		}
		if b {
			cols = append(cols, j)
		}
	}
	return cols, nil
}

// resolveSlice handles slice(start, stop, step) of positions or of names
// (a name slice includes its stop, as in pandas).
func (ct *columnTransformer) resolveSlice(s *pySlice) ([]int, error) {
	start, stop, step := 0, ct.n, 1
	var err error
	bound := func(v any, def int, inclusive bool) (int, error) {
		if v == nil {
			return def, nil
		}
		c, err := ct.column(v)
		if _, named := v.(string); named && inclusive {
			c++
		}
		return c, err
	}
	if start, err = bound(s.start, 0, false); err != nil {
		return nil, err
	}
	if stop, err = bound(s.stop, ct.n, true); err != nil {
		if n, ok := asInt(s.stop); ok && n >= ct.n {
			stop, err = ct.n, nil // Python clamps slice bounds
		} else {
			return nil, err
		}
	}
	if s.step != nil {
		if step, _ = asInt(s.step); step <= 0 {
			return nil, fmt.Errorf("%w: column slice step %v", flavor.ErrUnsupported, s.step)
		}
	}
	var cols []int
	for c := start; c < stop; c += step {
		cols = append(cols, c)
	}
	return cols, nil
}

func (ct *columnTransformer) widths() (int, int) { return ct.n, ct.out }
func (ct *columnTransformer) kinds() []colKind   { return ct.kind }

func (ct *columnTransformer) transform(f *frame) (*frame, error) {
	if err := f.checkWidth("ColumnTransformer", ct.n); err != nil {
		return nil, err
	}
	out := &frame{rows: f.rows, cols: make([]column, 0, ct.out)}
	for _, p := range ct.parts {
		sub := &frame{rows: f.rows, cols: make([]column, len(p.cols))}
		for k, c := range p.cols {
			sub.cols[k] = f.cols[c]
		}
		if p.t != nil {
			var err error
			if sub, err = p.t.transform(sub); err != nil {
				return nil, err
			}
		}
		for _, c := range sub.cols {
			out.cols = append(out.cols, weigh(c, p.weight))
		}
	}
	return out, nil
}

// weigh scales a numeric column by a transformer weight.
func weigh(c column, w float64) column {
	if w == 1 || c.kind != numCol {
		return c
	}
	dst := make([]float64, len(c.num))
	for i, v := range c.num {
		dst[i] = v * w
	}
	return column{kind: numCol, num: dst}
}

// stringArray reads an array or list of strings (feature_names_in_).
func stringArray(v any) ([]string, error) {
	var items []any
	if a, ok := asArray(v); ok {
		var err error
		if items, err = a.items(); err != nil {
			return nil, err
		}
	} else if items, ok = asList(v); !ok {
		return nil, fmt.Errorf("%w: names are %s", flavor.ErrCorrupt, typeName(v))
	}
	out := make([]string, len(items))
	for i, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("%w: name %d is %s", flavor.ErrCorrupt, i, typeName(it))
		}
		out[i] = s
	}
	return out, nil
}
