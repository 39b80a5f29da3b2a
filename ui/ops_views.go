package ui

import (
	"math"
	"net/url"
	"strconv"
	"strings"
)

// The view models of the operations pages: serving, live experiments
// and training jobs. Numbers arrive formatted where the page shows them
// as text; series arrive as ChartData; the small SVG figures (sparklines,
// the score-delta histogram) are laid out by the helpers at the end.

// ServingListView is /ui/serving: every served model with its traffic.
type ServingListView struct {
	// Off says serving is not enabled on this node.
	Off    bool
	Models []ServingModelRow
	Events []ServingEventRow
}

// ServingModelRow is one model's row: its aliases and its traffic over
// the last five minutes, with a opsSparkline of the hour's request rate.
type ServingModelRow struct {
	Name    string
	Aliases []AliasVersion
	Loaded  []int64
	// Rate, ErrorRate, P95 and CacheHitRate are formatted; "" without
	// traffic.
	Rate, ErrorRate, P95, CacheHitRate string
	// Spark is the request rate per bucket over the last hour.
	Spark []float64
}

// ServingEventRow is a recent serving event (load, swap, failure).
type ServingEventRow struct {
	At, Kind, Model, Alias, Version, Message string
	// Bad marks a failure.
	Bad bool
}

// ServingModelView is /ui/serving/:model: the model's traffic per
// version over a window of the last hour.
type ServingModelView struct {
	Model string
	// Window is the chosen window ("15m"); Windows the choices.
	Window  string
	Windows []string
	// Versions summarise each version over the window.
	Versions []ServingVersionRow
	// Requests, Errors, CacheHits and Latency have one series per
	// version (latency: p50, p95 and p99 of each); Labels is one chart
	// per version of its predicted labels' shares.
	Requests, Errors, CacheHits, Latency ChartData
	Labels                               []ChartData
	Events                               []ServingEventRow
	// NoTraffic says no version answered in the last hour.
	NoTraffic bool
}

// ServingVersionRow is one version's figures over the window.
type ServingVersionRow struct {
	Version  int64
	Aliases  string
	Requests int64
	// Formatted figures; "–" where undefined.
	Rate, ErrorRate, CacheHitRate, P50, P95, P99 string
	// Labels are the most frequent predicted labels with their share.
	Labels []ServingLabelShare
}

// ServingLabelShare is a predicted label and its share of predictions.
type ServingLabelShare struct {
	Label, Share string
}

// LiveListView is /ui/live: every live experiment.
type LiveListView struct {
	Off         bool
	Experiments []LiveRow
	// ReloadError is the problem of the last refused reload.
	ReloadError string
}

// LiveRow is one experiment in the list.
type LiveRow struct {
	Name, Model, Mode, Production, Alpha, State string
	// Routing says what the mode does now ("alpha answers 10%").
	Routing               string
	ProductionN, AlphaN   int64
	Shadowed, ShadowDrops int64
}

// LiveDetailView is /ui/live/:name: production against alpha.
type LiveDetailView struct {
	LiveRow
	Reason, Source string
	// Window is the statistics' window ("1h"); Requests how many
	// requests (pairs or singles) it holds.
	Window       string
	Requests     int
	ShadowFailed int64
	// Agreement is the agreement rate over time with its Wilson
	// interval (three series); nil outside shadow mode.
	Agreement *ChartData
	// AgreementSummary is the window's agreement with its interval.
	AgreementSummary string
	// Deltas is the score-delta histogram; DeltaN 0 hides it.
	Deltas LiveDeltaHistogram
	Arms   []LiveArmRow
	// Feedback is live accuracy per arm; nil before labels arrive.
	Feedback *LiveFeedbackView
	// Split is the traffic split check (split and canary modes).
	Split         *LiveSplitView
	Disagreements []LiveDisagreementRow
	// CanDecide shows the promote and rollback buttons (editors with a
	// session); CanPromote and CanRollback say which the state allows.
	CanDecide, CanPromote, CanRollback bool
	// Problems are sections that could not be read.
	Problems []string
}

// LiveDeltaHistogram is alpha's score minus production's, binned evenly over
// [-Range, Range].
type LiveDeltaHistogram struct {
	N      int
	Range  float64
	Counts []int
}

// LiveArmRow is one arm's traffic, errors and latency.
type LiveArmRow struct {
	Arm                                   string
	Requests, Answered, Errors, Missing   int
	ErrorRate, MissingRate, P50, P95, P99 string
}

// LiveFeedbackView scores the arms against the labels that arrived.
type LiveFeedbackView struct {
	Labeled int
	// Kind is "classification" or "regression".
	Kind string
	Arms []LiveAccuracyRow
	// Delta is alpha's accuracy (or MAE) minus production's, formatted.
	Delta string
}

// LiveAccuracyRow is one arm's live quality: accuracy and macro F1 for a
// classifier, MAE and RMSE for a regression.
type LiveAccuracyRow struct {
	Arm                string
	N                  int
	Primary, Secondary string
}

// LiveSplitView checks the observed split against the configured one.
type LiveSplitView struct {
	Expected, Observed, Interval, ChiSquare, PValue string
	Alpha, Production                               int
	SRM                                             bool
}

// LiveDisagreementRow is a request the arms answered differently.
type LiveDisagreementRow struct {
	RequestID, Time                    string
	ProductionClass, AlphaClass, Delta string
	ProductionOutputs, AlphaOutputs    string
}

// LiveConfirmView asks before a promotion or rollback.
type LiveConfirmView struct {
	Name string
	// Action is "promote" or "rollback".
	Action string
	// Effect says what the action will do.
	Effect string
}

// LiveDecisionView shows what a promotion or rollback did.
type LiveDecisionView struct {
	Name, Action, State, Reason string
	// Where says where production points now ("" when it did not move).
	Where string
	// ApprovalID is the approval request filed when the alias is
	// guarded; 0 for none.
	ApprovalID int64
}

// TrainingListView is /ui/training: every training job.
type TrainingListView struct {
	Off bool
	// Leader says this process fires the jobs.
	Leader bool
	Jobs   []TrainingJobRow
	// CanRun shows the "Run now" buttons (editors with a session).
	CanRun bool
}

// TrainingJobRow is a configured job.
type TrainingJobRow struct {
	Name, Model string
	Enabled     bool
	// Schedule is the cron expression with its time zone; NextFire is
	// formatted ("" without a schedule).
	Schedule, NextFire    string
	Triggers, Concurrency string
	Running, Queued       int
	// Last is the newest run, nil before the first.
	Last *TrainingRunRow
}

// TrainingJobView is /ui/training/:job: the job, its runs and the live
// log of one of them.
type TrainingJobView struct {
	Job              TrainingJobRow
	Skipped, Dropped int
	Runs             []TrainingRunRow
	// Tail is the run whose log the page follows; nil when there is none.
	Tail   *TrainingLogTail
	CanRun bool
	// Started names the run "Run now" just queued; 0 otherwise.
	Started int64
}

// TrainingRunRow is one run of a job.
type TrainingRunRow struct {
	ID                          int64
	FiredBy, FireDetail, Status string
	Reason                      string
	Attempts                    int
	Queued, Started, Duration   string
	ExitCode                    string
	// Gate is "pass", "fail" or "" (not evaluated); GateReason says why,
	// and GateChecks are the individual checks.
	Gate, GateReason string
	GateChecks       []string
	ModelVersion     string
	Promotion        string
	TrackingRunID    string
}

// TrainingLogTail is a run's live output: logtail.js follows URL (server-
// sent events) into the page.
type TrainingLogTail struct {
	RunID  int64
	Status string
	URL    string
}

// Active reports whether the run may still write output.
func (l TrainingLogTail) Active() bool { return l.Status == "RUNNING" || l.Status == "QUEUED" }

// opsBar is one bar of a histogram in a viewBox of opsHistW×opsHistH.
type opsBar struct {
	X, Y, W, H float64
	Label      string
}

const (
	opsHistW, opsHistH   = 400.0, 120.0
	opsSparkW, opsSparkH = 120.0, 24.0
)

// liveDeltaBars lays out the histogram's bars; empty bins get no bar.
func liveDeltaBars(h LiveDeltaHistogram) []opsBar {
	most := 0
	for _, c := range h.Counts {
		most = max(most, c)
	}
	if most == 0 {
		return nil
	}
	w := opsHistW / float64(len(h.Counts))
	bars := make([]opsBar, 0, len(h.Counts))
	for i, c := range h.Counts {
		if c == 0 {
			continue
		}
		bh := opsHistH * float64(c) / float64(most)
		lo := -h.Range + 2*h.Range*float64(i)/float64(len(h.Counts))
		hi := lo + 2*h.Range/float64(len(h.Counts))
		bars = append(bars, opsBar{X: float64(i) * w, Y: opsHistH - bh, W: w - 1, H: bh,
			Label: opsNum(lo) + " to " + opsNum(hi) + ": " + strconv.Itoa(c)})
	}
	return bars
}

// opsSparkPoints is the polyline of a opsSparkline: values scaled to the box,
// NaN read as 0.
func opsSparkPoints(v []float64) string {
	if len(v) < 2 {
		return ""
	}
	most := 0.0
	for _, x := range v {
		if x > most {
			most = x
		}
	}
	var b strings.Builder
	for i, x := range v {
		if math.IsNaN(x) || most == 0 {
			x = 0
		}
		px := opsSparkW * float64(i) / float64(len(v)-1)
		py := opsSparkH - 1 - (opsSparkH-2)*x/max(most, 1e-12)
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(opsNum1(px) + "," + opsNum1(py))
	}
	return b.String()
}

func opsNum(x float64) string  { return strconv.FormatFloat(x, 'g', 3, 64) }
func opsNum1(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

// opsF formats a coordinate for an SVG attribute.
func opsF(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

// opsHref is prefix followed by name as one escaped path segment.
func opsHref(prefix, name string) string { return prefix + url.PathEscape(name) }
