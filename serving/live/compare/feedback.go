package compare

// feedbackAcc accumulates both arms' results against labels.
type feedbackAcc struct {
	labeled   int
	prod      *accuracyAcc
	alpha     *accuracyAcc
	prodReg   regressionAcc
	alphaReg  regressionAcc
	paired    bool // shadow mode: McNemar's b and c are meaningful
	onlyProd  int  // McNemar's b: production right, alpha wrong
	onlyAlpha int  // McNemar's c: alpha right, production wrong
}

func newFeedbackAcc(paired bool) *feedbackAcc {
	return &feedbackAcc{prod: newAccuracyAcc(), alpha: newAccuracyAcc(), paired: paired}
}

// addPair scores both answers of a labeled pair, counting a figure only
// where both arms answered, so the arms are judged on the same requests.
func (f *feedbackAcc) addPair(p *Pair) {
	if p.Label == nil {
		return
	}
	f.labeled++
	if truth, ok := p.Label.class(); ok {
		pc, pok := p.Prod.class()
		ac, aok := p.Alpha.class()
		if pok && aok {
			f.prod.add(truth, pc)
			f.alpha.add(truth, ac)
			switch pr, ar := pc == truth, ac == truth; {
			case pr && !ar:
				f.onlyProd++
			case ar && !pr:
				f.onlyAlpha++
			}
		}
	}
	if truth, ok := p.Label.value(); ok {
		ps, pok := p.Prod.score()
		as, aok := p.Alpha.score()
		if pok && aok {
			f.prodReg.add(ps, truth)
			f.alphaReg.add(as, truth)
		}
	}
}

// addSingle scores one arm's labeled answer (split mode).
func (f *feedbackAcc) addSingle(alpha bool, ans Answer, label *Label) {
	if label == nil {
		return
	}
	f.labeled++
	acc, reg := f.prod, &f.prodReg
	if alpha {
		acc, reg = f.alpha, &f.alphaReg
	}
	if truth, ok := label.class(); ok {
		if pred, ok := ans.class(); ok {
			acc.add(truth, pred)
		}
	}
	if truth, ok := label.value(); ok {
		if pred, ok := ans.score(); ok {
			reg.add(pred, truth)
		}
	}
}

// result is the feedback section, nil when no request carried a label.
func (f *feedbackAcc) result() *Feedback {
	if f.labeled == 0 {
		return nil
	}
	fb := &Feedback{Labeled: f.labeled, Regression: regressionFeedback(&f.prodReg, &f.alphaReg)}
	p, a := f.prod.result(), f.alpha.result()
	if p != nil || a != nil {
		c := &ClassFeedback{Production: p, Alpha: a, AccuracyDelta: accuracyDelta(p, a)}
		if f.paired {
			c.McNemar = mcnemarResult(f.onlyProd, f.onlyAlpha)
		}
		fb.Classification = c
	}
	return fb
}
