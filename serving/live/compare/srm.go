package compare

// SRMThreshold is the p-value under which a split is flagged as a sample
// ratio mismatch. It is strict on purpose: the check runs again and
// again on a live experiment, and a real mismatch (a bug in assignment
// or logging) drives p far lower than this.
const SRMThreshold = 0.001

// SampleRatio tests whether alpha and production requests fit the
// configured alpha share: Pearson's chi-square goodness of fit on two
// cells, 1 dof. ok is false when it cannot be tested: no requests, or a
// share outside (0, 1) where one cell expects nothing.
func SampleRatio(alpha, production int, alphaShare float64) (stat, p float64, ok bool) {
	n := float64(alpha) + float64(production)
	if alpha < 0 || production < 0 || n == 0 || !(alphaShare > 0 && alphaShare < 1) {
		return 0, 0, false
	}
	ea, ep := n*alphaShare, n*(1-alphaShare)
	da, dp := float64(alpha)-ea, float64(production)-ep
	stat = da*da/ea + dp*dp/ep
	return stat, ChiSquareSF(stat, 1), true
}

// splitCheck builds the report's split section.
func splitCheck(alpha, production, unknown int, alphaShare float64) *SplitCheck {
	s := &SplitCheck{Alpha: alpha, Production: production, UnknownArm: unknown}
	if finite(alphaShare) {
		s.ExpectedAlphaShare = alphaShare
	}
	n := alpha + production
	if n > 0 {
		s.ObservedAlphaShare = float64(alpha) / float64(n)
	}
	s.ShareLo, s.ShareHi = Wilson(alpha, n, Z95)
	s.WithinInterval = finite(alphaShare) && alphaShare >= s.ShareLo && alphaShare <= s.ShareHi
	if stat, p, ok := SampleRatio(alpha, production, alphaShare); ok {
		s.ChiSquare, s.PValue = &stat, &p
		s.SRM = p < SRMThreshold
	}
	return s
}
