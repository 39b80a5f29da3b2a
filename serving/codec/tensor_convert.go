package codec

import (
	"github.com/paddockml/paddock/flavor"
)

// convertTensor returns t under name with dtype dt. A tensor already of
// dt is returned as it is, sharing its data. Numbers convert between
// numeric dtypes as MLflow's schema enforcement allows: any number to a
// float, integral values to int64, 0 and 1 to bool; strings convert to
// nothing else and nothing else to strings.
func convertTensor(t flavor.Tensor, dt flavor.DType, name string) (flavor.Tensor, error) {
	t.Name = name
	if t.DType == dt {
		return t, nil
	}
	if t.DType == flavor.String || dt == flavor.String || dataLen(&t) < 0 || !knownDType(dt) {
		return flavor.Tensor{}, inputErr("input %q holds %s values, the model takes %s", name, t.DType, dt)
	}
	n := dataLen(&t)
	out := flavor.Tensor{Name: name, DType: dt, Shape: t.Shape}
	allocData(&out, n)
	for i := 0; i < n; i++ {
		if !setNum(&out, i, numAt(&t, i)) {
			return flavor.Tensor{}, inputErr("input %q: value %d (%v) does not convert to %s", name, i, numAt(&t, i), dt)
		}
	}
	return out, nil
}

func knownDType(dt flavor.DType) bool {
	switch dt {
	case flavor.Float32, flavor.Float64, flavor.Int64, flavor.String, flavor.Bool:
		return true
	}
	return false
}

// numAt reads element i of a numeric or boolean tensor as a float64.
func numAt(t *flavor.Tensor, i int) float64 {
	switch t.DType {
	case flavor.Float32:
		return float64(t.F32[i])
	case flavor.Float64:
		return t.F64[i]
	case flavor.Int64:
		return float64(t.I64[i])
	case flavor.Bool:
		if t.Bool[i] {
			return 1
		}
	}
	return 0
}

// setNum stores f as element i of a numeric or boolean tensor; false
// when f has no exact value there (a fraction or NaN for int64, anything
// but 0 and 1 for bool).
func setNum(t *flavor.Tensor, i int, f float64) bool {
	switch t.DType {
	case flavor.Float32:
		t.F32[i] = float32(f)
	case flavor.Float64:
		t.F64[i] = f
	case flavor.Int64:
		n, ok := cellInt(&Cell{Kind: Number, Num: f})
		t.I64[i] = n
		return ok
	case flavor.Bool:
		t.Bool[i] = f == 1
		return f == 0 || f == 1
	}
	return true
}
