package compare

import (
	"math"
	"testing"
)

// near reports whether got is within rel of want, relative to |want|;
// an exact 0 must be met within 1e-300.
func near(got, want, rel float64) bool {
	if want == 0 {
		return math.Abs(got) < 1e-300
	}
	return math.Abs(got-want) <= rel*math.Abs(want)
}

func checkNear(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if !near(got, want, rel) {
		t.Errorf("%s = %.17g, want %.17g (rel err %.3g > %.0g)", what, got, want, math.Abs(got-want)/math.Abs(want), rel)
	}
}
