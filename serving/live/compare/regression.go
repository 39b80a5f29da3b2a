package compare

import "math"

// regressionAcc accumulates one arm's errors against true values.
type regressionAcc struct {
	n             int
	sumAbs, sumSq float64
}

// add counts one prediction against its true value.
func (a *regressionAcc) add(pred, truth float64) {
	e := pred - truth
	a.n++
	a.sumAbs += math.Abs(e)
	a.sumSq += e * e
}

// result is the arm's MAE and RMSE, nil without values or when they
// overflow float64.
func (a *regressionAcc) result() *ArmRegression {
	if a.n == 0 {
		return nil
	}
	n := float64(a.n)
	r := &ArmRegression{N: a.n, MAE: a.sumAbs / n, RMSE: math.Sqrt(a.sumSq / n)}
	if !finite(r.MAE) || !finite(r.RMSE) {
		return nil
	}
	return r
}

// regressionFeedback compares the arms' errors, nil when neither has any.
func regressionFeedback(prod, alpha *regressionAcc) *RegressionFeedback {
	p, a := prod.result(), alpha.result()
	if p == nil && a == nil {
		return nil
	}
	f := &RegressionFeedback{Production: p, Alpha: a}
	if p != nil && a != nil {
		d := a.MAE - p.MAE
		f.MAEDelta = &d
	}
	return f
}
