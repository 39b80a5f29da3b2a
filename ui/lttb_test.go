package ui

import (
	"math"
	"testing"
)

// A long series keeps its ends, its spike and ascending x, in n points.
func TestDownsampleKeepsEndsAndPeaks(t *testing.T) {
	const size = 100_000
	x, y := make([]float64, size), make([]float64, size)
	for i := range x {
		x[i] = float64(i)
		y[i] = math.Sin(float64(i) / 5000)
	}
	y[61_234] = 50 // one spike a mean-based reduction would flatten
	dx, dy := Downsample(x, y, 500)
	if len(dx) != 500 || len(dy) != 500 {
		t.Fatalf("got %d/%d points, want 500", len(dx), len(dy))
	}
	if dx[0] != 0 || dx[499] != size-1 {
		t.Errorf("ends %v..%v, want 0..%d", dx[0], dx[499], size-1)
	}
	spike := false
	for i := range dx {
		if i > 0 && dx[i] <= dx[i-1] {
			t.Fatalf("x not ascending at %d: %v after %v", i, dx[i], dx[i-1])
		}
		spike = spike || dy[i] == 50
	}
	if !spike {
		t.Error("the spike was lost")
	}
}

// Short series and tiny targets come back unchanged; mismatched lengths
// are cut to the shorter.
func TestDownsampleShort(t *testing.T) {
	x, y := []float64{1, 2, 3}, []float64{4, 5, 6, 7}
	if dx, dy := Downsample(x, y, 10); len(dx) != 3 || len(dy) != 3 {
		t.Errorf("short series: %v %v", dx, dy)
	}
	if dx, _ := Downsample([]float64{1, 2, 3, 4, 5}, []float64{1, 2, 3, 4, 5}, 2); len(dx) != 5 {
		t.Errorf("n < 3 should keep the series, got %v", dx)
	}
}
