package sklearn

import (
	"math"

	"github.com/paddockml/paddock/flavor"
)

// colKind is what a column holds: numbers (float64, NaN = missing) or
// strings (categories for a OneHotEncoder).
type colKind int

const (
	numCol colKind = iota
	strCol
)

// column is one column of a batch; str is used for string columns.
type column struct {
	kind colKind
	num  []float64
	str  []string
}

// frame is a batch of rows held column by column, the value that flows
// between pipeline steps. Column-major layout lets a ColumnTransformer
// hand each sub-transformer its columns without copying.
type frame struct {
	rows int
	cols []column
}

// newNumFrame allocates a numeric frame of rows x width backed by one slice.
func newNumFrame(rows, width int) *frame {
	f := &frame{rows: rows, cols: make([]column, width)}
	backing := make([]float64, rows*width)
	for j := range f.cols {
		f.cols[j] = column{kind: numCol, num: backing[j*rows : (j+1)*rows : (j+1)*rows]}
	}
	return f
}

// numeric returns the frame's columns as float64 slices, failing when a
// string column reaches an estimator that needs numbers.
func (f *frame) numeric(who string) ([][]float64, error) {
	out := make([][]float64, len(f.cols))
	for j, c := range f.cols {
		if c.kind != numCol {
			return nil, flavor.InputError("%s needs numeric input, column %d holds strings", who, j)
		}
		out[j] = c.num
	}
	return out, nil
}

// checkWidth fails when the frame does not have the columns a step was
// fitted on.
func (f *frame) checkWidth(who string, want int) error {
	if want >= 0 && len(f.cols) != want {
		return flavor.InputError("%s expects %d features, got %d", who, want, len(f.cols))
	}
	return nil
}

// finite fails on NaN or infinite values, which scikit-learn's estimators
// refuse at predict time.
func finite(who string, cols [][]float64) error {
	for j, c := range cols {
		for i, v := range c {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return flavor.InputError("%s: row %d feature %d is %v; impute missing values first", who, i, j, v)
			}
		}
	}
	return nil
}
