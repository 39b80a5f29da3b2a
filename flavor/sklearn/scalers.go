package sklearn

// affine is a per-column x*mul + add, optionally clipped: the shape of
// both StandardScaler and MinMaxScaler. The operations run in the same
// order as scikit-learn's so results match bit for bit.
type affine struct {
	name       string
	n          int
	sub, div   []float64 // StandardScaler: (x - sub) / div; nil skips
	mul, add   []float64 // MinMaxScaler: x*mul + add
	clip       bool
	clipLo, hi float64
}

func (a *affine) widths() (int, int) { return a.n, a.n }
func (a *affine) kinds() []colKind   { return nil }

func (a *affine) transform(f *frame) (*frame, error) {
	if err := f.checkWidth(a.name, a.n); err != nil {
		return nil, err
	}
	in, err := f.numeric(a.name)
	if err != nil {
		return nil, err
	}
	out := newNumFrame(f.rows, a.n)
	for j, col := range in {
		dst := out.cols[j].num
		copy(dst, col)
		a.column(j, dst)
	}
	return out, nil
}

// column applies the scaling of feature j to x in place.
func (a *affine) column(j int, x []float64) {
	if a.sub != nil {
		for i := range x {
			x[i] -= a.sub[j]
		}
	}
	if a.div != nil {
		for i := range x {
			x[i] /= a.div[j]
		}
	}
	if a.mul != nil {
		for i := range x {
			// The conversion keeps the compiler from fusing into an
			// FMA: numpy rounds the product before adding.
			x[i] = float64(x[i]*a.mul[j]) + a.add[j]
		}
	}
	if a.clip {
		for i := range x {
			// NaN stays NaN, as with np.clip.
			if x[i] < a.clipLo {
				x[i] = a.clipLo
			} else if x[i] > a.hi {
				x[i] = a.hi
			}
		}
	}
}

// buildStandardScaler reads mean_ and scale_ (None when with_mean or
// with_std is off).
func buildStandardScaler(_ *builder, o *pyObject) (any, error) {
	withMean, err := o.boolean("with_mean", true)
	if err != nil {
		return nil, err
	}
	withStd, err := o.boolean("with_std", true)
	if err != nil {
		return nil, err
	}
	n, err := nFeatures(o)
	if err != nil {
		return nil, err
	}
	a := &affine{name: "StandardScaler", n: n}
	if withMean {
		if a.sub, _, err = o.floats("mean_"); err != nil {
			return nil, err
		}
		a.n = len(a.sub)
	}
	if withStd {
		if a.div, _, err = o.floats("scale_"); err != nil {
			return nil, err
		}
		a.n = len(a.div)
	}
	if a.sub != nil && a.div != nil && len(a.sub) != len(a.div) {
		return nil, o.errorf("scale_", "holds %d values but mean_ holds %d", len(a.div), len(a.sub))
	}
	if a.n >= 0 {
		if err := checkFeatures(o, a.n); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// buildMinMaxScaler reads scale_ and min_ (X*scale_ + min_) and the
// clip range.
func buildMinMaxScaler(_ *builder, o *pyObject) (any, error) {
	mul, _, err := o.floats("scale_")
	if err != nil {
		return nil, err
	}
	add, err := o.vector("min_", len(mul))
	if err != nil {
		return nil, err
	}
	if err := checkFeatures(o, len(mul)); err != nil {
		return nil, err
	}
	a := &affine{name: "MinMaxScaler", n: len(mul), mul: mul, add: add}
	if a.clip, err = o.boolean("clip", false); err != nil {
		return nil, err
	}
	if a.clip {
		rng, ok := asList(o.state["feature_range"])
		lo, ok1 := asFloat(index(rng, 0))
		hi, ok2 := asFloat(index(rng, 1))
		if !ok || len(rng) != 2 || !ok1 || !ok2 {
			return nil, o.errorf("feature_range", "is not a (min, max) pair")
		}
		a.clipLo, a.hi = lo, hi
	}
	return a, nil
}

func index(items []any, i int) any {
	if i < len(items) {
		return items[i]
	}
	return nil
}
