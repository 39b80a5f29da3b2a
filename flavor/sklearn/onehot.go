package sklearn

import (
	"fmt"
	"math"

	"github.com/paddockml/paddock/flavor"
)

// oneHot is a fitted OneHotEncoder. Each input column maps its category to
// one output column; categories are strings or numbers, as in categories_.
type oneHot struct {
	kind    []colKind
	strCats []map[string]int
	numCats []map[float64]int
	nanCat  []int // index of a NaN category, or -1
	drop    []int // category index dropped per feature, or -1
	offset  []int // first output column per feature
	ignore  bool  // unknown categories encode as all zeros
	out     int
}

func buildOneHot(_ *builder, o *pyObject) (any, error) {
	if inf, _ := o.boolean("_infrequent_enabled", false); inf {
		return nil, fmt.Errorf("%w: OneHotEncoder with infrequent categories", flavor.ErrUnsupported)
	}
	v, err := o.need("categories_")
	if err != nil {
		return nil, err
	}
	cats, ok := asList(v)
	if !ok || len(cats) == 0 {
		return nil, o.errorf("categories_", "is %s, want a list of arrays", typeName(v))
	}
	h := &oneHot{}
	if h.drop, err = dropIndexes(o, len(cats)); err != nil {
		return nil, err
	}
	for i, c := range cats {
		if err := h.addFeature(o, i, c); err != nil {
			return nil, err
		}
	}
	if err := checkFeatures(o, len(cats)); err != nil {
		return nil, err
	}
	unknown, err := o.strOr("handle_unknown", "error")
	if err != nil {
		return nil, err
	}
	h.ignore = unknown == "ignore" || unknown == "infrequent_if_exist"
	return h, nil
}

// addFeature indexes the categories of input column i.
func (h *oneHot) addFeature(o *pyObject, i int, v any) error {
	a, ok := asArray(v)
	if !ok || len(a.shape) != 1 {
		return o.errorf("categories_", "entry %d is %s, want a 1-D array", i, typeName(v))
	}
	items, err := a.items()
	if err != nil {
		return err
	}
	kind, err := categoryKind(items)
	if err != nil {
		return o.errorf("categories_", "entry %d: %v", i, err)
	}
	strs, nums, nan := map[string]int{}, map[float64]int{}, -1
	for k, it := range items {
		if s, ok := it.(string); ok {
			strs[s] = k
		} else if f, ok := asFloat(it); ok && !math.IsNaN(f) {
			nums[f] = k
		} else {
			nan = k // None or NaN, sorted last by scikit-learn
		}
	}
	if h.drop[i] >= len(items) {
		return o.errorf("drop_idx_", "drops category %d of %d", h.drop[i], len(items))
	}
	width := len(items)
	if h.drop[i] >= 0 {
		width--
	}
	h.kind = append(h.kind, kind)
	h.strCats = append(h.strCats, strs)
	h.numCats = append(h.numCats, nums)
	h.nanCat = append(h.nanCat, nan)
	h.offset = append(h.offset, h.out)
	h.out += width
	return nil
}

// categoryKind decides whether a feature's categories are strings or
// numbers (a missing-value category may sit among either).
func categoryKind(items []any) (colKind, error) {
	strs, nums := 0, 0
	for _, it := range items {
		switch it.(type) {
		case string:
			strs++
		case float64, int, bool:
			nums++
		case nil:
		default:
			return 0, fmt.Errorf("category of type %s", typeName(it))
		}
	}
	if strs > 0 && nums > 0 && !(nums == 1 && isNaN(items[len(items)-1])) {
		return 0, fmt.Errorf("categories mix strings and numbers")
	}
	if strs > 0 {
		return strCol, nil
	}
	return numCol, nil
}

func isNaN(v any) bool {
	f, ok := v.(float64)
	return ok && math.IsNaN(f)
}

// dropIndexes reads drop_idx_: None, or one index (or None) per feature.
func dropIndexes(o *pyObject, n int) ([]int, error) {
	drop := make([]int, n)
	for i := range drop {
		drop[i] = -1
	}
	v, _ := o.field("drop_idx_")
	if v == nil {
		return drop, nil
	}
	a, ok := asArray(v)
	if !ok {
		return nil, o.errorf("drop_idx_", "is %s", typeName(v))
	}
	items, err := a.items()
	if err != nil || len(items) != n {
		return nil, o.errorf("drop_idx_", "does not hold one entry per feature")
	}
	for i, it := range items {
		if it == nil {
			continue
		}
		k, ok := asInt(it)
		if !ok || k < 0 {
			return nil, o.errorf("drop_idx_", "entry %d is %v", i, it)
		}
		drop[i] = k
	}
	return drop, nil
}

func (h *oneHot) widths() (int, int) { return len(h.kind), h.out }
func (h *oneHot) kinds() []colKind   { return h.kind }

func (h *oneHot) transform(f *frame) (*frame, error) {
	if err := f.checkWidth("OneHotEncoder", len(h.kind)); err != nil {
		return nil, err
	}
	out := newNumFrame(f.rows, h.out)
	for j, c := range f.cols {
		if c.kind != h.kind[j] {
			return nil, flavor.InputError("OneHotEncoder: column %d holds the wrong type (numbers vs strings)", j)
		}
		for i := 0; i < f.rows; i++ {
			k, ok := h.category(j, c, i)
			if !ok {
				if h.ignore {
					continue
				}
				return nil, flavor.InputError("OneHotEncoder: row %d column %d holds an unknown category", i, j)
			}
			if d := h.drop[j]; d >= 0 {
				if k == d {
					continue
				}
				if k > d {
					k--
				}
			}
			out.cols[h.offset[j]+k].num[i] = 1
		}
	}
	return out, nil
}

// category finds the category index of row i in column c (feature j).
func (h *oneHot) category(j int, c column, i int) (int, bool) {
	if c.kind == strCol {
		k, ok := h.strCats[j][c.str[i]]
		return k, ok
	}
	v := c.num[i]
	if math.IsNaN(v) {
		return h.nanCat[j], h.nanCat[j] >= 0
	}
	k, ok := h.numCats[j][v]
	return k, ok
}
