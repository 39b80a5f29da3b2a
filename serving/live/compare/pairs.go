package compare

// pairAcc accumulates everything ComparePairs reports.
type pairAcc struct {
	n         int
	prod      *armAcc
	alpha     *armAcc
	agreement *agreementAcc
	deltas    []float64
	tv        []float64
	feedback  *feedbackAcc
}

func newPairAcc(n int) *pairAcc {
	return &pairAcc{prod: newArmAcc(n), alpha: newArmAcc(n), agreement: newAgreementAcc(),
		deltas: make([]float64, 0, n), tv: make([]float64, 0, n), feedback: newFeedbackAcc(true)}
}

// add takes in one pair.
func (a *pairAcc) add(p *Pair) {
	a.n++
	a.prod.add(p.Prod)
	a.alpha.add(p.Alpha)
	if pc, ok := p.Prod.class(); ok {
		if ac, ok := p.Alpha.class(); ok {
			a.agreement.add(pc, ac)
		}
	}
	if ps, ok := p.Prod.score(); ok {
		if as, ok := p.Alpha.score(); ok {
			// Both finite, but their difference can still overflow.
			if d := as - ps; finite(d) {
				a.deltas = append(a.deltas, d)
			}
		}
	}
	if p.Prod.answered() && p.Alpha.answered() {
		if tv, ok := totalVariation(p.Alpha.Probs, p.Prod.Probs); ok {
			a.tv = append(a.tv, tv)
		}
	}
	a.feedback.addPair(p)
}

// ComparePairs compares the arms of a shadow-mode experiment, where
// every request was answered (or dropped) by both. It never fails: with
// no pairs the report holds zero counts and no sections.
func ComparePairs(pairs []Pair) Report {
	acc := newPairAcc(len(pairs))
	for i := range pairs {
		acc.add(&pairs[i])
	}
	r := Report{Mode: ModeShadow, Requests: acc.n, Production: acc.prod.result(), Alpha: acc.alpha.result(),
		Agreement: acc.agreement.agreement(), Confusion: acc.agreement.confusion(),
		ScoreDelta: scoreDelta(acc.deltas), ProbShift: probShift(acc.tv), Feedback: acc.feedback.result()}
	r.LatencyRatio = latencyRatio(r.Production.Latency, r.Alpha.Latency)
	return r
}
