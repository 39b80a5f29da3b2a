package server

import (
	"math"
	"strconv"
	"time"

	"github.com/paddockml/paddock/serving/live"
	"github.com/paddockml/paddock/serving/live/compare"
	"github.com/paddockml/paddock/ui"
)

// liveFillReport puts the comparison's figures into the live page.
func liveFillReport(v *ui.LiveDetailView, r compare.Report) {
	v.Requests = r.Requests
	v.Arms = []ui.LiveArmRow{liveArmRow("production", r.Production), liveArmRow("alpha", r.Alpha)}
	if a := r.Agreement; a != nil {
		v.AgreementSummary = "The arms agreed on " + opsPct(a.Rate) + " of " + strconv.Itoa(a.N) + " requests (95% interval " +
			opsPct(a.Lo) + " – " + opsPct(a.Hi) + ")."
	}
	v.Feedback = liveFeedbackView(r.Feedback)
	if s := r.Split; s != nil {
		sv := &ui.LiveSplitView{Expected: opsPct(s.ExpectedAlphaShare), Observed: opsPct(s.ObservedAlphaShare),
			Interval: opsPct(s.ShareLo) + " – " + opsPct(s.ShareHi), ChiSquare: "–", PValue: "–",
			Alpha: s.Alpha, Production: s.Production, SRM: s.SRM}
		if s.ChiSquare != nil {
			sv.ChiSquare = opsFloat(*s.ChiSquare)
		}
		if s.PValue != nil {
			sv.PValue = opsFloat(*s.PValue)
		}
		v.Split = sv
	}
}

func liveArmRow(arm string, a compare.ArmStats) ui.LiveArmRow {
	row := ui.LiveArmRow{Arm: arm, Requests: a.Requests, Answered: a.Answered, Errors: a.Errors, Missing: a.Missing,
		ErrorRate: opsPct(a.ErrorRate), MissingRate: opsPct(a.MissingRate), P50: "–", P95: "–", P99: "–"}
	if l := a.Latency; l != nil && l.N > 0 {
		us := func(x int64) string { return opsLatency(time.Duration(x) * time.Microsecond) }
		row.P50, row.P95, row.P99 = us(l.P50), us(l.P95), us(l.P99)
	}
	return row
}

// liveFeedbackView is live accuracy per arm; nil before any label arrived.
func liveFeedbackView(f *compare.Feedback) *ui.LiveFeedbackView {
	if f == nil || f.Labeled == 0 {
		return nil
	}
	v := &ui.LiveFeedbackView{Labeled: f.Labeled}
	switch {
	case f.Classification != nil:
		c := f.Classification
		v.Kind = "classification"
		for _, a := range []struct {
			arm string
			acc *compare.ArmAccuracy
		}{{"production", c.Production}, {"alpha", c.Alpha}} {
			if a.acc != nil {
				v.Arms = append(v.Arms, ui.LiveAccuracyRow{Arm: a.arm, N: a.acc.N, Primary: opsPct(a.acc.Accuracy), Secondary: opsFloat(a.acc.MacroF1)})
			}
		}
		if c.AccuracyDelta != nil {
			v.Delta = opsSignedPct(*c.AccuracyDelta) + " accuracy"
		}
	case f.Regression != nil:
		r := f.Regression
		v.Kind = "regression"
		for _, a := range []struct {
			arm string
			reg *compare.ArmRegression
		}{{"production", r.Production}, {"alpha", r.Alpha}} {
			if a.reg != nil {
				v.Arms = append(v.Arms, ui.LiveAccuracyRow{Arm: a.arm, N: a.reg.N, Primary: opsFloat(a.reg.MAE), Secondary: opsFloat(a.reg.RMSE)})
			}
		}
		if r.MAEDelta != nil {
			v.Delta = opsFloat(*r.MAEDelta) + " MAE (negative is better)"
		}
	}
	return v
}

func opsSignedPct(x float64) string {
	if x > 0 {
		return "+" + opsPct(x)
	}
	return opsPct(x)
}

// liveFillTimeline adds the agreement chart (rate and its Wilson interval),
// the score-delta histogram and the disagreement samples.
func liveFillTimeline(v *ui.LiveDetailView, tl live.Timeline) {
	n := len(tl.Agreement)
	x, rate, lo, hi := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i, p := range tl.Agreement {
		x[i] = float64(p.Start.Add(tl.Bucket / 2).Unix())
		rate[i], lo[i], hi[i] = math.NaN(), math.NaN(), math.NaN()
		if p.N > 0 {
			rate[i], lo[i], hi[i] = 100*p.Rate, 100*p.Lo, 100*p.Hi
		}
	}
	v.Agreement = &ui.ChartData{ID: "agreement", Title: "Agreement of production and alpha (95% Wilson interval), per " + opsWindow(tl.Bucket),
		XLabel: "time", YLabel: "% of requests", XTime: true, Series: []ui.Series{
			{Label: "agreement", X: x, Y: rate}, {Label: "lower bound", X: x, Y: lo}, {Label: "upper bound", X: x, Y: hi}}}
	v.Deltas = ui.LiveDeltaHistogram{N: tl.Deltas.N, Range: tl.Deltas.Range, Counts: tl.Deltas.Counts}
	for _, s := range tl.Disagreements {
		row := ui.LiveDisagreementRow{RequestID: s.RequestID, Time: s.Time.Format("2006-01-02 15:04:05 UTC"),
			ProductionClass: s.ProductionClass, AlphaClass: s.AlphaClass, Delta: "–",
			ProductionOutputs: s.ProductionOutputs, AlphaOutputs: s.AlphaOutputs}
		if s.Delta != nil {
			row.Delta = opsFloat(*s.Delta)
		}
		v.Disagreements = append(v.Disagreements, row)
	}
}
