package xgboost

import (
	"fmt"
	"math"
	"strconv"

	"github.com/paddockml/paddock/flavor"
)

// corrupt returns an error wrapping flavor.ErrCorrupt.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", flavor.ErrCorrupt, fmt.Sprintf(format, args...))
}

// parseCount parses one of the non-negative integers XGBoost stores as
// decimal strings ("97").
func parseCount(s, name string) (int, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 {
		return 0, corrupt("%s %q is not a count", name, s)
	}
	return int(n), nil
}

// parseFloat32 parses one of the floats XGBoost stores as strings ("5E-1").
func parseFloat32(s, name string) (float32, error) {
	v, err := strconv.ParseFloat(s, 32)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, corrupt("%s %q is not a finite number", name, s)
	}
	return float32(v), nil
}
