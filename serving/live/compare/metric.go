package compare

// metrics maps each rule-visible figure to how it is read off a Report;
// metricNames fixes their documented order.
var (
	metricNames = []string{
		"requests", "agreement_rate", "accuracy_delta", "alpha_accuracy", "production_accuracy",
		"latency_ratio", "alpha_error_rate", "production_error_rate", "error_rate", "score_delta_mean",
		"srm_p_value",
	}
	metrics = map[string]func(*Report) (float64, bool){
		"requests":              func(r *Report) (float64, bool) { return float64(r.Requests), true },
		"agreement_rate":        agreementRate,
		"accuracy_delta":        func(r *Report) (float64, bool) { return deref(classFeedback(r).delta()) },
		"alpha_accuracy":        func(r *Report) (float64, bool) { return classFeedback(r).alpha() },
		"production_accuracy":   func(r *Report) (float64, bool) { return classFeedback(r).prod() },
		"latency_ratio":         latencyRatioP99,
		"alpha_error_rate":      func(r *Report) (float64, bool) { return errorRate(r.Alpha) },
		"production_error_rate": func(r *Report) (float64, bool) { return errorRate(r.Production) },
		"error_rate":            func(r *Report) (float64, bool) { return errorRate(r.Alpha) },
		"score_delta_mean":      scoreDeltaMean,
		"srm_p_value":           srmPValue,
	}
)

// MetricNames lists the figures Metric knows, for rule validation:
//
//   - requests: pairs (shadow) or singles (split) compared
//   - agreement_rate: share of pairs where both arms predicted the same class
//   - accuracy_delta: alpha's accuracy minus production's, on labeled requests
//   - alpha_accuracy, production_accuracy: each arm's accuracy on labels
//   - latency_ratio: alpha's p99 latency over production's
//   - alpha_error_rate, production_error_rate: each arm's failures over attempts
//   - error_rate: alpha's error rate (the arm under test)
//   - score_delta_mean: mean of alpha's score minus production's
//   - srm_p_value: p-value of the sample-ratio-mismatch test (split mode)
func MetricNames() []string { return append([]string(nil), metricNames...) }

// Metric returns the named figure of the report for rule evaluation;
// ok is false for an unknown name or a figure the data does not define
// (no labels yet, no classes, shadow mode's srm_p_value, ...), which a
// rule should treat as "not yet decidable" rather than as zero.
func (r Report) Metric(name string) (float64, bool) {
	f, known := metrics[name]
	if !known {
		return 0, false
	}
	return f(&r)
}

func agreementRate(r *Report) (float64, bool) {
	if r.Agreement == nil {
		return 0, false
	}
	return r.Agreement.Rate, true
}

func latencyRatioP99(r *Report) (float64, bool) {
	if r.LatencyRatio == nil {
		return 0, false
	}
	return deref(r.LatencyRatio.P99)
}

// errorRate is defined once the arm attempted at least one answer.
func errorRate(a ArmStats) (float64, bool) {
	return a.ErrorRate, a.Answered+a.Errors > 0
}

func scoreDeltaMean(r *Report) (float64, bool) {
	if r.ScoreDelta == nil {
		return 0, false
	}
	return r.ScoreDelta.Mean, true
}

func srmPValue(r *Report) (float64, bool) {
	if r.Split == nil {
		return 0, false
	}
	return deref(r.Split.PValue)
}

// classFeedback is the report's classification feedback, possibly nil;
// its methods are nil-safe.
func classFeedback(r *Report) *ClassFeedback {
	if r.Feedback == nil {
		return nil
	}
	return r.Feedback.Classification
}

func (c *ClassFeedback) delta() *float64 {
	if c == nil {
		return nil
	}
	return c.AccuracyDelta
}

func (c *ClassFeedback) alpha() (float64, bool) {
	if c == nil || c.Alpha == nil {
		return 0, false
	}
	return c.Alpha.Accuracy, true
}

func (c *ClassFeedback) prod() (float64, bool) {
	if c == nil || c.Production == nil {
		return 0, false
	}
	return c.Production.Accuracy, true
}

func deref(p *float64) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}
