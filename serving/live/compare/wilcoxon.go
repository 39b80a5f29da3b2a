package compare

import "math"

// wilcoxon is the signed-rank test of the sorted deltas, nil when every
// delta is zero. Zeros are dropped, tied |d| share their average rank,
// and the variance n(n+1)(2n+1)/24 loses Σ(t³−t)/48 over the tie groups
// (the normal approximation of scipy.stats.wilcoxon with its defaults).
func wilcoxon(sorted []float64) *Wilcoxon {
	abs, pos := byMagnitude(sorted)
	n := len(abs)
	if n == 0 {
		return nil
	}
	var wPlus, ties float64
	for i := 0; i < n; {
		j := i + 1
		for j < n && abs[j] == abs[i] {
			j++
		}
		rank := float64(i+j+1) / 2 // ranks i+1..j averaged
		for k := i; k < j; k++ {
			if pos[k] {
				wPlus += rank
			}
		}
		t := float64(j - i)
		ties += t*t*t - t
		i = j
	}
	nf := float64(n)
	total := nf * (nf + 1) / 2
	sd := math.Sqrt(nf*(nf+1)*(2*nf+1)/24 - ties/48)
	z := (wPlus - total/2) / sd
	return &Wilcoxon{N: n, WPlus: wPlus, WMinus: total - wPlus, Z: z, P: math.Min(1, 2*NormalSF(math.Abs(z)))}
}

// byMagnitude lists the non-zero values of sorted by increasing |v|, with
// whether each is positive. Sorted by signed value, the negatives are in
// decreasing magnitude and the positives in increasing magnitude, so a
// merge from the middle outwards orders them in linear time.
func byMagnitude(sorted []float64) (abs []float64, pos []bool) {
	neg := 0 // sorted[:neg] < 0
	for neg < len(sorted) && sorted[neg] < 0 {
		neg++
	}
	p := neg // sorted[p:] > 0
	for p < len(sorted) && sorted[p] == 0 {
		p++
	}
	n := neg + len(sorted) - p
	abs, pos = make([]float64, 0, n), make([]bool, 0, n)
	i := neg - 1
	for i >= 0 || p < len(sorted) {
		if p >= len(sorted) || (i >= 0 && -sorted[i] <= sorted[p]) {
			abs, pos = append(abs, -sorted[i]), append(pos, false)
			i--
		} else {
			abs, pos = append(abs, sorted[p]), append(pos, true)
			p++
		}
	}
	return abs, pos
}
