package compare

// CompareSplit compares the arms of a split-mode experiment, where each
// request was answered by one arm, and checks the observed split against
// alphaShare, the configured share of requests alpha answers (0 to 1,
// e.g. split_percent/100). Singles naming neither arm count towards
// Requests and Split.UnknownArm only. It never fails: an empty input
// gives zero counts, and an alphaShare outside (0, 1) skips the
// sample-ratio test.
func CompareSplit(singles []Single, alphaShare float64) Report {
	prod, alpha := newArmAcc(len(singles)), newArmAcc(len(singles))
	fb := newFeedbackAcc(false)
	unknown := 0
	for i := range singles {
		s := &singles[i]
		switch s.Arm {
		case ArmProduction:
			prod.add(s.Answer)
		case ArmAlpha:
			alpha.add(s.Answer)
		default:
			unknown++
			continue
		}
		fb.addSingle(s.Arm == ArmAlpha, s.Answer, s.Label)
	}
	r := Report{Mode: ModeSplit, Requests: len(singles), Production: prod.result(), Alpha: alpha.result(),
		Feedback: fb.result()}
	r.LatencyRatio = latencyRatio(r.Production.Latency, r.Alpha.Latency)
	r.Split = splitCheck(r.Alpha.Requests, r.Production.Requests, unknown, alphaShare)
	return r
}
