package predlog

import (
	"fmt"
	"math"
	"testing"
)

// The decision depends on the request id alone, so both arms of a
// request are kept or dropped together.
func TestSampleIsDeterministic(t *testing.T) {
	for i := range 1000 {
		id := fmt.Sprintf("req-%d", i)
		production, alpha := Sample(0.3, id), Sample(0.3, id)
		if production != alpha {
			t.Fatalf("%s: production %v, alpha %v", id, production, alpha)
		}
	}
}

// Over 100k ids the kept share is within five standard deviations of the
// rate (a false failure has odds below one in a million), for sequential
// ids, which differ only in their last characters, and for UUID-like ids.
func TestSampleRateWithinBinomialBound(t *testing.T) {
	const n = 100_000
	formats := map[string]func(int) string{
		"sequential": func(i int) string { return fmt.Sprintf("req-%d", i) },
		"uuid-like":  func(i int) string { return fmt.Sprintf("%08x-4e2b-4c1d-9a3f-%012x", i*2654435761, i) },
	}
	for name, id := range formats {
		for _, rate := range []float64{0.001, 0.01, 0.1, 0.5, 0.9, 0.99} {
			kept := 0
			for i := range n {
				if Sample(rate, id(i)) {
					kept++
				}
			}
			mean, sd := n*rate, math.Sqrt(n*rate*(1-rate))
			if math.Abs(float64(kept)-mean) > 5*sd {
				t.Errorf("%s ids at rate %v: kept %d of %d, want %.0f ± %.0f", name, rate, kept, n, mean, 5*sd)
			}
		}
	}
}

// Raising the rate keeps every request a lower rate kept, so changing the
// sampling rate does not reshuffle which requests are logged.
func TestSampleIsMonotoneInRate(t *testing.T) {
	for i := range 10_000 {
		id := fmt.Sprintf("req-%d", i)
		if Sample(0.2, id) && !Sample(0.7, id) {
			t.Fatalf("%s kept at 0.2 but not at 0.7", id)
		}
	}
}

func TestSampleEdges(t *testing.T) {
	for _, id := range []string{"", "a", "req-1"} {
		if Sample(0, id) || Sample(-1, id) || Sample(math.NaN(), id) {
			t.Errorf("%q sampled at rate 0, -1 or NaN", id)
		}
		if !Sample(1, id) || !Sample(2, id) {
			t.Errorf("%q not sampled at rate 1 or 2", id)
		}
	}
}
