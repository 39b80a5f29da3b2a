package xgboost

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLessBound checks lessBound's promise, float32(v) < t ⇔ v < b, on the
// values where it can fail: the float64 neighbours of each threshold, of the
// midpoints to its float32 neighbours, and random values, for random
// thresholds and the special ones.
func TestLessBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	thresholds := []float32{
		0, float32(math.Copysign(0, -1)), 1, -1, 0.5, 1.5, 3, -3,
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		float32(math.Inf(1)), float32(math.Inf(-1)), 1 << 24, 16777215,
	}
	for range 20000 {
		b := rng.Uint32()
		if f := math.Float32frombits(b); !math.IsNaN(float64(f)) {
			thresholds = append(thresholds, f)
		}
	}
	for _, th := range thresholds {
		bound := lessBound(th)
		for _, v := range probes(th, rng) {
			if got, want := v < bound, float32(v) < th; got != want {
				t.Fatalf("threshold %g (bound %g): v=%g: float64 test %v, float32 test %v", th, bound, v, got, want)
			}
		}
	}
}

// probes returns float64 values around t and around the midpoints between t
// and its float32 neighbours.
func probes(t float32, rng *rand.Rand) []float64 {
	inf := float32(math.Inf(1))
	centres := []float64{float64(t), math.Inf(1), math.Inf(-1)}
	for _, n := range []float32{math.Nextafter32(t, -inf), math.Nextafter32(t, inf)} {
		if !math.IsInf(float64(n), 0) {
			centres = append(centres, float64(n)/2+float64(t)/2)
		}
	}
	// The rounding boundaries beyond MaxFloat32.
	overflow := math.MaxFloat32 + math.Ldexp(1, 103)
	centres = append(centres, overflow, -overflow)
	var out []float64
	for _, c := range centres {
		out = append(out, c, -c, rng.NormFloat64()*math.Abs(c))
		lo, hi := c, c
		for range 3 {
			lo, hi = math.Nextafter(lo, math.Inf(-1)), math.Nextafter(hi, math.Inf(1))
			out = append(out, lo, hi)
		}
	}
	return out
}
