package sklearn

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paddockml/paddock/flavor"
)

// labels holds a classifier's classes_: the values predict() returns,
// in the order of predict_proba's columns.
type labels struct {
	dtype flavor.DType
	i64   []int64
	f64   []float64
	str   []string
	bools []bool
	names []string // str() of each class, for the signature
}

// newLabels reads a classes_ attribute.
func newLabels(o *pyObject, key string) (*labels, error) {
	a, err := o.array(key)
	if err != nil {
		return nil, err
	}
	items, err := a.items()
	if err != nil {
		return nil, fmt.Errorf("%s.%s: %w", shortName(o.class), key, err)
	}
	if len(items) < 1 || len(a.shape) != 1 {
		return nil, o.errorf(key, "has shape %v, want one or more classes", a.shape)
	}
	l := &labels{names: make([]string, len(items))}
	switch items[0].(type) {
	case int:
		l.dtype = flavor.Int64
	case float64:
		l.dtype = flavor.Float64
	case string:
		l.dtype = flavor.String
	case bool:
		l.dtype = flavor.Bool
	default:
		return nil, fmt.Errorf("%w: %s.%s holds %s labels", flavor.ErrUnsupported, shortName(o.class), key, typeName(items[0]))
	}
	for i, it := range items {
		if err := l.add(i, it); err != nil {
			return nil, fmt.Errorf("%w: %s.%s mixes label types", flavor.ErrUnsupported, shortName(o.class), key)
		}
	}
	return l, nil
}

func (l *labels) add(i int, v any) error {
	ok := false
	switch x := v.(type) {
	case int:
		l.i64, ok = append(l.i64, int64(x)), l.dtype == flavor.Int64
	case float64:
		l.f64, ok = append(l.f64, x), l.dtype == flavor.Float64
	case string:
		l.str, ok = append(l.str, x), l.dtype == flavor.String
	case bool:
		l.bools, ok = append(l.bools, x), l.dtype == flavor.Bool
	}
	if !ok {
		return fmt.Errorf("mixed labels")
	}
	l.names[i] = pyStr(v)
	return nil
}

// pyStr formats a label as Python's str() does.
func pyStr(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case float64:
		return pyFloat(x)
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	}
	return fmt.Sprint(v)
}

// pyFloat formats a float the way Python's str() does for the common
// cases (1.0, 0.5, 1e-07).
func pyFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eIN") {
		s += ".0"
	}
	return s
}

func (l *labels) n() int { return len(l.names) }

// same reports whether two estimators agree on their classes.
func (l *labels) same(o *labels) bool {
	if l.dtype != o.dtype || len(l.names) != len(o.names) {
		return false
	}
	for i := range l.names {
		if l.names[i] != o.names[i] {
			return false
		}
	}
	return true
}

// tensor builds the predictions output from predicted class indexes.
func (l *labels) tensor(pred []int) flavor.Tensor {
	t := flavor.Tensor{Name: flavor.OutputPredictions, DType: l.dtype, Shape: []int{len(pred)}}
	switch l.dtype {
	case flavor.Int64:
		t.I64 = make([]int64, len(pred))
		for i, p := range pred {
			t.I64[i] = l.i64[p]
		}
	case flavor.Float64:
		t.F64 = make([]float64, len(pred))
		for i, p := range pred {
			t.F64[i] = l.f64[p]
		}
	case flavor.String:
		t.Str = make([]string, len(pred))
		for i, p := range pred {
			t.Str[i] = l.str[p]
		}
	case flavor.Bool:
		t.Bool = make([]bool, len(pred))
		for i, p := range pred {
			t.Bool[i] = l.bools[p]
		}
	}
	return t
}
