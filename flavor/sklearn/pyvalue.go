package sklearn

import (
	"fmt"
	"math"
	"math/big"

	"github.com/nlpodyssey/gopickle/types"

	"github.com/paddockml/paddock/flavor"
)

// Conversions from unpickled Python values to Go values. Every accessor
// reports a wrong type as a corrupt model: sklearn writes fixed types.

func asInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case *big.Int:
		if x.IsInt64() {
			return int(x.Int64()), true
		}
	case float64:
		// numpy integer scalars unpickled from object arrays stay exact.
		if x == math.Trunc(x) && math.Abs(x) <= 1<<53 {
			return int(x), true
		}
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	}
	return 0, false
}

func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case *types.List:
		return *x, true
	case *types.Tuple:
		return *x, true
	}
	return nil, false
}

// asArray returns a rebuilt numpy array, unwrapping joblib's wrapper.
func asArray(v any) (*ndarray, bool) {
	switch x := v.(type) {
	case *ndarray:
		return x, x.filled
	case *joblibArray:
		return x.arr, x.arr != nil
	}
	return nil, false
}

// field is a helper for reading one estimator's attributes with errors
// that name the estimator and attribute.
func (o *pyObject) field(key string) (any, bool) {
	v, ok := o.state[key]
	return v, ok
}

func (o *pyObject) errorf(key, format string, args ...any) error {
	return fmt.Errorf("%w: %s.%s: %s", flavor.ErrCorrupt, shortName(o.class), key, fmt.Sprintf(format, args...))
}

func (o *pyObject) need(key string) (any, error) {
	v, ok := o.state[key]
	if !ok {
		return nil, o.errorf(key, "missing (is the estimator fitted?)")
	}
	return v, nil
}

func (o *pyObject) str(key string) (string, error) {
	v, err := o.need(key)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", o.errorf(key, "is %s, want str", typeName(v))
	}
	return s, nil
}

// strOr returns a string attribute, or def when it is absent or None.
func (o *pyObject) strOr(key, def string) (string, error) {
	if v, ok := o.state[key]; !ok || v == nil {
		return def, nil
	}
	return o.str(key)
}

func (o *pyObject) integer(key string) (int, error) {
	v, err := o.need(key)
	if err != nil {
		return 0, err
	}
	n, ok := asInt(v)
	if !ok {
		return 0, o.errorf(key, "is %s, want int", typeName(v))
	}
	return n, nil
}

func (o *pyObject) float(key string) (float64, error) {
	v, err := o.need(key)
	if err != nil {
		return 0, err
	}
	f, ok := asFloat(v)
	if !ok {
		return 0, o.errorf(key, "is %s, want float", typeName(v))
	}
	return f, nil
}

func (o *pyObject) boolean(key string, def bool) (bool, error) {
	v, ok := o.state[key]
	if !ok || v == nil {
		return def, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, o.errorf(key, "is %s, want bool", typeName(v))
	}
	return b, nil
}

func (o *pyObject) array(key string) (*ndarray, error) {
	v, err := o.need(key)
	if err != nil {
		return nil, err
	}
	a, ok := asArray(v)
	if !ok {
		return nil, o.errorf(key, "is %s, want ndarray", typeName(v))
	}
	return a, nil
}

// floats returns a numeric array attribute with its shape; a Python float
// or numpy scalar gives shape [].
func (o *pyObject) floats(key string) ([]float64, []int, error) {
	v, err := o.need(key)
	if err != nil {
		return nil, nil, err
	}
	if f, ok := asFloat(v); ok {
		return []float64{f}, nil, nil
	}
	a, ok := asArray(v)
	if !ok {
		return nil, nil, o.errorf(key, "is %s, want ndarray", typeName(v))
	}
	fs, err := a.float64s()
	if err != nil {
		return nil, nil, fmt.Errorf("%s.%s: %w", shortName(o.class), key, err)
	}
	return fs, a.shape, nil
}

// vector returns a numeric attribute that must hold exactly n values.
func (o *pyObject) vector(key string, n int) ([]float64, error) {
	fs, _, err := o.floats(key)
	if err != nil {
		return nil, err
	}
	if len(fs) != n {
		return nil, o.errorf(key, "holds %d values, want %d", len(fs), n)
	}
	return fs, nil
}

// shortName drops the private module path: sklearn.preprocessing._data.
// StandardScaler becomes StandardScaler.
func shortName(class string) string {
	for i := len(class) - 1; i >= 0; i-- {
		if class[i] == '.' {
			return class[i+1:]
		}
	}
	return class
}
