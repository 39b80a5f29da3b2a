package ui

// Downsample reduces a series to at most n points with Largest-Triangle-
// Three-Buckets (Steinarsson 2013): the first and last points stay, and
// each bucket in between keeps the point that spans the largest triangle
// with its neighbours, so peaks and dips survive while a million-point
// curve becomes a few hundred. x must be ascending; a series already
// short enough, or n < 3, comes back as it is.
func Downsample(x, y []float64, n int) ([]float64, []float64) {
	size := min(len(x), len(y))
	if n < 3 || size <= n {
		return x[:size], y[:size]
	}
	ox := make([]float64, 0, n)
	oy := make([]float64, 0, n)
	ox, oy = append(ox, x[0]), append(oy, y[0])
	every := float64(size-2) / float64(n-2)
	a := 0
	for i := 0; i < n-2; i++ {
		// The next bucket's average is the triangle's third corner.
		nextStart := int(float64(i+1)*every) + 1
		nextEnd := min(int(float64(i+2)*every)+1, size)
		var avgX, avgY float64
		for j := nextStart; j < nextEnd; j++ {
			avgX += x[j]
			avgY += y[j]
		}
		if span := float64(nextEnd - nextStart); span > 0 {
			avgX, avgY = avgX/span, avgY/span
		} else {
			avgX, avgY = x[size-1], y[size-1]
		}
		start := int(float64(i)*every) + 1
		end := int(float64(i+1)*every) + 1
		best, bestArea := start, -1.0
		for j := start; j < end; j++ {
			area := (x[a]-avgX)*(y[j]-y[a]) - (x[a]-x[j])*(avgY-y[a])
			if area < 0 {
				area = -area
			}
			if area > bestArea {
				best, bestArea = j, area
			}
		}
		ox, oy = append(ox, x[best]), append(oy, y[best])
		a = best
	}
	return append(ox, x[size-1]), append(oy, y[size-1])
}
