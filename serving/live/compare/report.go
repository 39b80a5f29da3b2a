package compare

// Report compares the two arms of a live experiment over one window of
// requests. Sections that the data cannot fill (no classes, no scores,
// no labels, shadow-only figures in split mode) are nil and left out of
// the JSON.
type Report struct {
	// Mode is ModeShadow (from ComparePairs) or ModeSplit.
	Mode string `json:"mode"`
	// Requests is the number of pairs (shadow) or singles (split).
	Requests   int      `json:"requests"`
	Production ArmStats `json:"production"`
	Alpha      ArmStats `json:"alpha"`
	// LatencyRatio is alpha's latency over production's.
	LatencyRatio *LatencyRatio `json:"latency_ratio,omitempty"`
	// Agreement, Confusion, ScoreDelta and ProbShift compare the two
	// answers to the same request, so they exist only in shadow mode.
	Agreement  *Agreement  `json:"agreement,omitempty"`
	Confusion  *Confusion  `json:"confusion,omitempty"`
	ScoreDelta *ScoreDelta `json:"score_delta,omitempty"`
	ProbShift  *ProbShift  `json:"prob_shift,omitempty"`
	// Feedback scores the arms against the labels that arrived.
	Feedback *Feedback `json:"feedback,omitempty"`
	// Split checks the observed traffic split (split mode only).
	Split *SplitCheck `json:"split,omitempty"`
}

// ArmStats counts what one arm did.
type ArmStats struct {
	// Requests is how many requests the arm was asked to answer.
	Requests int `json:"requests"`
	// Answered, Errors and Missing partition Requests: usable answers,
	// failures, and requests the arm never answered (dropped, timed out).
	Answered int `json:"answered"`
	Errors   int `json:"errors"`
	Missing  int `json:"missing"`
	// CacheHits counts answers served from the prediction cache.
	CacheHits int `json:"cache_hits"`
	// ErrorRate is Errors/(Answered+Errors), 0 when both are 0: a dropped
	// shadow request is load shedding, not the model failing, so Missing
	// is kept out of it and reported as MissingRate instead.
	ErrorRate float64 `json:"error_rate"`
	// MissingRate is Missing/Requests, 0 when Requests is 0.
	MissingRate float64 `json:"missing_rate"`
	// Classes counts the predicted classes (at most MaxClasses, the most
	// frequent); OtherClasses counts answers in the classes left out.
	Classes      map[string]int `json:"classes,omitempty"`
	OtherClasses int            `json:"other_classes,omitempty"`
	// Latency is over answers the model computed: cache hits, errors and
	// missing answers are left out, as they would pull it towards zero.
	Latency *Latency `json:"latency,omitempty"`
}

// Latency holds nearest-rank latency percentiles in microseconds.
type Latency struct {
	N   int   `json:"n"`
	P50 int64 `json:"p50_us"`
	P95 int64 `json:"p95_us"`
	P99 int64 `json:"p99_us"`
}

// LatencyRatio is alpha's latency percentile over production's; a ratio
// is nil when production's percentile is 0 or either arm has none.
type LatencyRatio struct {
	P50 *float64 `json:"p50,omitempty"`
	P99 *float64 `json:"p99,omitempty"`
}

// Agreement is how often the arms predicted the same class, over pairs
// where both answered with a class, with a 95% Wilson score interval.
type Agreement struct {
	N     int     `json:"n"`
	Agree int     `json:"agree"`
	Rate  float64 `json:"rate"`
	Lo    float64 `json:"ci_lo"`
	Hi    float64 `json:"ci_hi"`
}

// Confusion crosses production's class (rows) with alpha's (columns)
// over the pairs Agreement counts. Classes is sorted. With more than
// MaxConfusionClasses classes, Classes and Counts are left out and
// Omitted is set; ClassCount still tells how many there were.
type Confusion struct {
	ClassCount int      `json:"class_count"`
	Classes    []string `json:"classes,omitempty"`
	Counts     [][]int  `json:"counts,omitempty"`
	Omitted    bool     `json:"omitted,omitempty"`
}

// ScoreDelta describes alpha's score minus production's over pairs where
// both gave a finite score. P50 and P95 are nearest-rank percentiles of
// the signed delta.
type ScoreDelta struct {
	N       int     `json:"n"`
	Mean    float64 `json:"mean"`
	MeanAbs float64 `json:"mean_abs"`
	SD      float64 `json:"sd"`
	P50     float64 `json:"p50"`
	P95     float64 `json:"p95"`
	// TTest is nil when undefined: fewer than 2 deltas, or all equal.
	TTest *TTest `json:"t_test,omitempty"`
	// Wilcoxon is nil when every delta is zero.
	Wilcoxon *Wilcoxon `json:"wilcoxon,omitempty"`
}

// TTest is a paired t-test of the mean delta against zero.
type TTest struct {
	T   float64 `json:"t"`
	DOF int     `json:"dof"`
	// P is the two-sided p-value.
	P float64 `json:"p_value"`
}

// Wilcoxon is the Wilcoxon signed-rank test by its normal approximation
// with tie correction; zero deltas are dropped (Wilcoxon's method, as
// scipy.stats.wilcoxon does by default, without continuity correction).
type Wilcoxon struct {
	// N is the number of non-zero deltas ranked.
	N int `json:"n"`
	// WPlus and WMinus are the rank sums of positive and negative deltas.
	WPlus  float64 `json:"w_plus"`
	WMinus float64 `json:"w_minus"`
	// Z is (WPlus - N(N+1)/4)/sd: positive when alpha tends to score higher.
	Z float64 `json:"z"`
	// P is the two-sided p-value.
	P float64 `json:"p_value"`
}

// ProbShift is the total variation distance (half the L1 distance)
// between the arms' class probability vectors, over pairs where both
// gave finite vectors of the same length.
type ProbShift struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean_tv"`
	P95  float64 `json:"p95_tv"`
	Max  float64 `json:"max_tv"`
}

// Feedback scores the arms against labels. In shadow mode each figure
// is over the labeled pairs where both arms answered, so the arms are
// judged on the same requests; in split mode each arm is judged on its
// own labeled answers. Failed or missing answers are not counted as
// wrong here: the error rates already count them.
type Feedback struct {
	// Labeled is how many requests carried a label.
	Labeled        int                 `json:"labeled"`
	Classification *ClassFeedback      `json:"classification,omitempty"`
	Regression     *RegressionFeedback `json:"regression,omitempty"`
}

// ClassFeedback compares the arms' classification accuracy.
type ClassFeedback struct {
	Production *ArmAccuracy `json:"production,omitempty"`
	Alpha      *ArmAccuracy `json:"alpha,omitempty"`
	// AccuracyDelta is alpha's accuracy minus production's.
	AccuracyDelta *float64 `json:"accuracy_delta,omitempty"`
	// McNemar tests paired correctness (shadow mode only).
	McNemar *McNemarResult `json:"mcnemar,omitempty"`
}

// ArmAccuracy is one arm's classification quality.
type ArmAccuracy struct {
	N        int     `json:"n"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"`
	// MacroF1 averages F1 over every class seen as a label or a
	// prediction, a class never predicted scoring 0 (as scikit-learn).
	MacroF1 float64 `json:"macro_f1"`
	// Recall is per true class (at most MaxClasses, the most frequent);
	// RecallOmitted counts the classes left out.
	Recall        map[string]float64 `json:"recall,omitempty"`
	RecallOmitted int                `json:"recall_omitted,omitempty"`
}

// McNemarResult is McNemar's test on paired correctness: B pairs where
// only production was right, C where only alpha was.
type McNemarResult struct {
	B int `json:"b"`
	C int `json:"c"`
	// Exact is set when B+C < 25 and P is the exact binomial p-value;
	// Statistic is then min(B, C). Otherwise Statistic is the chi-square
	// with continuity correction.
	Exact     bool    `json:"exact"`
	Statistic float64 `json:"statistic"`
	P         float64 `json:"p_value"`
}

// RegressionFeedback compares the arms' errors against true values.
type RegressionFeedback struct {
	Production *ArmRegression `json:"production,omitempty"`
	Alpha      *ArmRegression `json:"alpha,omitempty"`
	// MAEDelta is alpha's MAE minus production's (negative is better).
	MAEDelta *float64 `json:"mae_delta,omitempty"`
}

// ArmRegression is one arm's error against true values.
type ArmRegression struct {
	N    int     `json:"n"`
	MAE  float64 `json:"mae"`
	RMSE float64 `json:"rmse"`
}

// SplitCheck compares the observed split with the configured alpha share.
type SplitCheck struct {
	ExpectedAlphaShare float64 `json:"expected_alpha_share"`
	Alpha              int     `json:"alpha"`
	Production         int     `json:"production"`
	// UnknownArm counts singles naming neither arm; they are left out.
	UnknownArm int `json:"unknown_arm,omitempty"`
	// ObservedAlphaShare is Alpha/(Alpha+Production) with its 95% Wilson
	// interval; WithinInterval is whether the expected share lies in it.
	ObservedAlphaShare float64 `json:"observed_alpha_share"`
	ShareLo            float64 `json:"share_ci_lo"`
	ShareHi            float64 `json:"share_ci_hi"`
	WithinInterval     bool    `json:"within_interval"`
	// ChiSquare and PValue are the sample-ratio-mismatch test (goodness
	// of fit, 1 dof); nil without traffic or with a share outside (0, 1).
	ChiSquare *float64 `json:"chi_square,omitempty"`
	PValue    *float64 `json:"p_value,omitempty"`
	// SRM is set when PValue < SRMThreshold.
	SRM bool `json:"srm"`
}
