package sklearn

import (
	"fmt"
	"math"

	"github.com/paddockml/paddock/flavor"
)

// imputer is a fitted SimpleImputer: it replaces missing values with the
// per-column statistics_ and, like scikit-learn, drops columns whose
// statistic is NaN (no value was observed in training) unless the
// strategy is "constant" or keep_empty_features is set.
type imputer struct {
	n       int
	kind    []colKind
	num     []float64 // numeric statistic per input column
	str     []string  // string statistic per input column
	keep    []int     // input columns kept in the output
	nanMiss bool      // missing_values is NaN (or None)
	numMiss float64   // missing_values when numeric
	strMiss *string   // missing_values when a string
}

func buildImputer(_ *builder, o *pyObject) (any, error) {
	if ind, _ := o.boolean("add_indicator", false); ind {
		return nil, fmt.Errorf("%w: SimpleImputer(add_indicator=True)", flavor.ErrUnsupported)
	}
	stats, err := o.array("statistics_")
	if err != nil {
		return nil, err
	}
	items, err := stats.items()
	if err != nil || len(stats.shape) != 1 {
		return nil, o.errorf("statistics_", "is not a 1-D array of values")
	}
	im := &imputer{n: len(items), kind: make([]colKind, len(items)), num: make([]float64, len(items)), str: make([]string, len(items))}
	if err := checkFeatures(o, im.n); err != nil {
		return nil, err
	}
	if err := im.setMissing(o); err != nil {
		return nil, err
	}
	strategy, err := o.strOr("strategy", "mean")
	if err != nil {
		return nil, err
	}
	keepEmpty, err := o.boolean("keep_empty_features", false)
	if err != nil {
		return nil, err
	}
	for j, it := range items {
		if s, ok := it.(string); ok {
			im.kind[j], im.str[j] = strCol, s
			im.keep = append(im.keep, j)
			continue
		}
		f, ok := asFloat(it)
		if !ok && it != nil {
			return nil, o.errorf("statistics_", "holds %s", typeName(it))
		}
		if !ok {
			f = math.NaN()
		}
		im.num[j] = f
		if !math.IsNaN(f) || strategy == "constant" || keepEmpty {
			im.keep = append(im.keep, j)
		}
	}
	return im, nil
}

// setMissing reads missing_values: NaN (the default), None, a number or
// a string.
func (im *imputer) setMissing(o *pyObject) error {
	mv, ok := o.field("missing_values")
	switch x := mv.(type) {
	case nil:
		im.nanMiss = true
	case string:
		im.strMiss = &x
	default:
		f, isNum := asFloat(mv)
		if !isNum {
			return o.errorf("missing_values", "is %s", typeName(mv))
		}
		im.nanMiss, im.numMiss = math.IsNaN(f), f
	}
	if !ok {
		im.nanMiss = true
	}
	return nil
}

func (im *imputer) widths() (int, int) { return im.n, len(im.keep) }
func (im *imputer) kinds() []colKind   { return im.kind }

func (im *imputer) transform(f *frame) (*frame, error) {
	if err := f.checkWidth("SimpleImputer", im.n); err != nil {
		return nil, err
	}
	out := &frame{rows: f.rows, cols: make([]column, len(im.keep))}
	for k, j := range im.keep {
		c := f.cols[j]
		if c.kind != im.kind[j] {
			return nil, flavor.InputError("SimpleImputer: column %d holds the wrong type (numbers vs strings)", j)
		}
		if c.kind == strCol {
			out.cols[k] = im.strColumn(j, c)
			continue
		}
		dst := make([]float64, f.rows)
		for i, v := range c.num {
			if (im.nanMiss && math.IsNaN(v)) || (!im.nanMiss && v == im.numMiss) {
				v = im.num[j]
			}
			dst[i] = v
		}
		out.cols[k] = column{kind: numCol, num: dst}
	}
	return out, nil
}

// strColumn fills a string column. Strings only count as missing when
// missing_values is itself a string: a string tensor has no NaN.
func (im *imputer) strColumn(j int, c column) column {
	if im.strMiss == nil {
		return c
	}
	dst := make([]string, len(c.str))
	for i, v := range c.str {
		if v == *im.strMiss {
			v = im.str[j]
		}
		dst[i] = v
	}
	return column{kind: strCol, str: dst}
}
