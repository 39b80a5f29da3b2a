package ui

import (
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
)

func opsChart(id string, series ...Series) ChartData {
	return ChartData{ID: id, Title: id, XTime: true, Series: series}
}

// The serving list shows each model's traffic and a sparkline; a model
// without traffic shows dashes and no sparkline.
func TestServingListRendersModels(t *testing.T) {
	v := ServingListView{
		Models: []ServingModelRow{
			{Name: "iris", Aliases: []AliasVersion{{"production", 1}}, Loaded: []int64{1}, Rate: "2.50", ErrorRate: "0.0%", P95: "1.2 ms", CacheHitRate: "10.0%", Spark: []float64{0, 1, 3, 2}},
			{Name: "idle"},
		},
		Events: []ServingEventRow{{At: "2026-01-01 00:00:00 UTC", Kind: "swap_failed", Model: "iris", Message: "<kept v1>", Bad: true}},
	}
	html := render(t, ServingList(v))
	for id, want := range map[string]int{"serving-model": 2, "sparkline": 1, "serving-event": 1, "serving-off": 0} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	for _, want := range []string{`href="/ui/serving/iris"`, `hx-get="/ui/serving/iris"`, "production → v1", "2.50", "1.2 ms", `<polyline points="0.0,23.0 `, "&lt;kept v1&gt;", `class="bad"`} {
		if !strings.Contains(html, want) {
			t.Errorf("serving list lacks %q", want)
		}
	}
	if !strings.Contains(render(t, ServingList(ServingListView{Off: true})), `data-testid="serving-off"`) {
		t.Error("serving off is not said")
	}
}

// The model page has the four traffic charts with their data, one label
// chart per classifier version, the version rows and the window links.
func TestServingModelRendersCharts(t *testing.T) {
	x := []float64{100, 110, 120}
	v := ServingModelView{Model: "iris", Window: "15m", Windows: []string{"1h", "15m", "5m"},
		Versions:  []ServingVersionRow{{Version: 2, Aliases: "production", Requests: 30, Rate: "1.00", Labels: []ServingLabelShare{{"setosa", "50.0%"}}}},
		Requests:  opsChart("requests", Series{Label: "v2 (production)", X: x, Y: []float64{1, 2, 3}}),
		Errors:    opsChart("errors", Series{Label: "v2", X: x, Y: []float64{0, math.NaN(), 0}}),
		CacheHits: opsChart("cache", Series{Label: "v2", X: x, Y: []float64{0, 0, 0}}),
		Latency:   opsChart("latency", Series{Label: "v2 p50", X: x, Y: []float64{1, 1, 1}}),
		Labels:    []ChartData{opsChart("labels-v2", Series{Label: "setosa", X: x, Y: []float64{50, 50, 50}})},
	}
	html := render(t, ServingModel(v))
	for id, want := range map[string]int{"chart-requests": 1, "chart-errors": 1, "chart-cache": 1, "chart-latency": 1, "chart-labels-v2": 1, "serving-version": 1, "serving-no-traffic": 0} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	for _, want := range []string{`href="/ui/serving/iris?window=1h"`, `<strong aria-current="true">15m</strong>`, "setosa 50.0%", "v2 (production)"} {
		if !strings.Contains(html, want) {
			t.Errorf("model page lacks %q", want)
		}
	}
	html = render(t, ServingModel(ServingModelView{Model: "iris", Window: "1h", NoTraffic: true}))
	if count(html, "serving-no-traffic") != 1 || strings.Contains(html, "chart-requests") {
		t.Error("a model without traffic shows charts")
	}
}

func sampleLive() LiveDetailView {
	x := []float64{1, 2}
	chart := opsChart("agreement", Series{Label: "agreement", X: x, Y: []float64{90, 95}},
		Series{Label: "lower bound", X: x, Y: []float64{80, 85}}, Series{Label: "upper bound", X: x, Y: []float64{97, 99}})
	return LiveDetailView{
		LiveRow: LiveRow{Name: "iris-shadow", Model: "iris", Mode: "shadow", Production: "production", Alpha: "alpha",
			State: "running", Routing: "alpha shadows 100.0% of requests", ProductionN: 40, Shadowed: 38, ShadowDrops: 2},
		Window: "1h", Requests: 40, Agreement: &chart, AgreementSummary: "The arms agreed on 92.5% of 40 requests",
		Deltas: LiveDeltaHistogram{N: 40, Range: 0.5, Counts: []int{0, 3, 30, 7, 0}},
		Arms:   []LiveArmRow{{Arm: "production", Requests: 40, P50: "1.0 ms"}, {Arm: "alpha", Requests: 40, Missing: 2}},
		Feedback: &LiveFeedbackView{Labeled: 10, Kind: "classification", Delta: "+5.0% accuracy",
			Arms: []LiveAccuracyRow{{Arm: "production", N: 10, Primary: "90.0%"}, {Arm: "alpha", N: 10, Primary: "95.0%"}}},
		Disagreements: []LiveDisagreementRow{{RequestID: "r1", ProductionClass: "setosa", AlphaClass: "virginica",
			ProductionOutputs: `{"predictions":["<setosa>"]}`, AlphaOutputs: `{"predictions":["virginica"]}`}},
		CanPromote: true, CanRollback: true,
	}
}

// The live page draws agreement with its interval (three series), the
// delta histogram's non-empty bins, both arms, accuracy per arm and the
// disagreements, escaping the logged outputs.
func TestLiveDetailRendersComparison(t *testing.T) {
	html := render(t, LiveDetail(sampleLive()))
	for id, want := range map[string]int{"chart-agreement": 1, "delta-histogram": 1, "delta-bar": 3, "live-arm": 2,
		"accuracy-row": 2, "disagreement": 1, "live-split": 0, "promote": 0, "rollback": 0} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	var wire struct{ Series []struct{ Label string } }
	attr := opsGroup(t, `data-chart="([^"]*)"`, html)
	if err := json.Unmarshal([]byte(strings.ReplaceAll(attr, "&#34;", `"`)), &wire); err != nil || len(wire.Series) != 3 {
		t.Errorf("agreement chart carries %d series (%v), want 3", len(wire.Series), err)
	}
	if !strings.Contains(html, "&lt;setosa&gt;") || strings.Contains(html, "<setosa>") {
		t.Error("logged outputs are not escaped")
	}
	if !strings.Contains(html, `class="bad">dropped 2`) {
		t.Error("shadow drops are not flagged")
	}
}

// Promote and rollback are buttons leading to the confirmation step,
// only for a caller who may decide, and only those the state allows.
func TestLiveDetailDecisionButtons(t *testing.T) {
	v := sampleLive()
	v.CanDecide = true
	html := render(t, LiveDetail(v))
	if count(html, "promote") != 1 || count(html, "rollback") != 1 ||
		!strings.Contains(html, `action="/ui/live/iris-shadow/confirm"`) || !strings.Contains(html, `name="action" value="promote"`) {
		t.Errorf("decider lacks the confirmation forms")
	}
	v.CanPromote = false
	if html := render(t, LiveDetail(v)); count(html, "promote") != 0 || count(html, "rollback") != 1 {
		t.Error("promote offered where the state does not allow it")
	}
	confirm := render(t, LiveConfirm(LiveConfirmView{Name: "iris-shadow", Action: "promote", Effect: "moves <production>"}, "tok9"))
	for _, want := range []string{`method="post"`, `action="/ui/live/iris-shadow/promote"`, `name="csrf" value="tok9"`, `data-testid="confirm-promote"`, "&lt;production&gt;", `<label for="reason">`} {
		if !strings.Contains(confirm, want) {
			t.Errorf("confirmation lacks %q", want)
		}
	}
	done := render(t, LiveDecision(LiveDecisionView{Name: "iris-shadow", Action: "promote", State: "awaiting_approval", Where: "keeps v1", ApprovalID: 4}))
	if count(done, "decision") != 1 || count(done, "decision-approval") != 1 || !strings.Contains(done, "#4") {
		t.Error("the decision page lacks the state or the approval request")
	}
}

// Split experiments show the split check and flag a mismatch; they have
// no disagreements section.
func TestLiveDetailSplit(t *testing.T) {
	v := sampleLive()
	v.Mode, v.Agreement, v.Deltas, v.Disagreements = "split", nil, LiveDeltaHistogram{}, nil
	v.Split = &LiveSplitView{Expected: "10.0%", Observed: "30.0%", SRM: true}
	html := render(t, LiveDetail(v))
	if count(html, "live-split") != 1 || count(html, "srm") != 1 || count(html, "chart-agreement") != 0 || count(html, "disagreements") != 0 || count(html, "delta-histogram") != 0 {
		t.Error("split page shows shadow sections or misses the SRM flag")
	}
}

func sampleJob() TrainingJobView {
	last := TrainingRunRow{ID: 3, Status: "FINISHED", Gate: "fail", GateReason: "auc 0.61 below baseline"}
	return TrainingJobView{
		Job: TrainingJobRow{Name: "nightly", Model: "churn", Enabled: true, Schedule: "@every 1h (UTC)", NextFire: "2026-01-01 01:00:00 UTC", Last: &last},
		Runs: []TrainingRunRow{{ID: 4, Status: "RUNNING", FiredBy: "manual"}, {ID: 3, Status: "FINISHED", Gate: "fail",
			GateReason: "auc 0.61 below baseline", GateChecks: []string{"auc 0.61 >= baseline (baseline 0.7): fail"}}},
		Tail: &TrainingLogTail{RunID: 4, Status: "RUNNING", URL: "/ui/training/runs/4/log"},
	}
}

// The job page lists runs with gate verdicts and their reasons, and the
// log tail points logtail.js at the run's stream.
func TestTrainingJobRendersRunsAndTail(t *testing.T) {
	html := render(t, TrainingJob(sampleJob(), "tok"))
	for id, want := range map[string]int{"training-run": 2, "gate-reason": 1, "log-tail": 1, "run-now": 0, "next-fire": 1} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	for _, want := range []string{`data-logtail="/ui/training/runs/4/log"`, `data-logtail-active="true"`,
		"gate failed", "auc 0.61 below baseline", "(baseline 0.7): fail", `href="/ui/training/nightly?run=3"`} {
		if !strings.Contains(html, want) {
			t.Errorf("job page lacks %q", want)
		}
	}
	v := sampleJob()
	v.CanRun, v.Started = true, 4
	html = render(t, TrainingJob(v, "tok"))
	if count(html, "run-now") != 1 || !strings.Contains(html, `action="/ui/training/jobs/nightly/run"`) || !strings.Contains(html, `name="csrf" value="tok"`) || count(html, "run-started") != 1 {
		t.Error("an editor lacks the Run now form or the started notice")
	}
}

// The job list shows schedule, next fire, the last run's verdict, and
// Run now only to editors.
func TestTrainingListRendersJobs(t *testing.T) {
	j := sampleJob().Job
	v := TrainingListView{Leader: false, Jobs: []TrainingJobRow{j, {Name: "adhoc", Model: "churn"}}}
	html := render(t, TrainingList(v, ""))
	for id, want := range map[string]int{"training-job": 2, "run-now": 0, "not-leader": 1} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	for _, want := range []string{"@every 1h (UTC)", "2026-01-01 01:00:00 UTC", "never run", "gate failed"} {
		if !strings.Contains(html, want) {
			t.Errorf("job list lacks %q", want)
		}
	}
	v.CanRun, v.Leader = true, true
	if html := render(t, TrainingList(v, "tok")); count(html, "run-now") != 2 || count(html, "not-leader") != 0 {
		t.Error("an editor does not get a Run now button per job")
	}
}

// The histogram's bars scale to the fullest bin; the sparkline keeps to
// its box.
func TestOpsSVGLayout(t *testing.T) {
	bars := liveDeltaBars(LiveDeltaHistogram{N: 6, Range: 1, Counts: []int{1, 0, 4, 1}})
	if len(bars) != 3 || bars[1].H != opsHistH || bars[0].H != opsHistH/4 || bars[1].X != opsHistW/2 || !strings.HasPrefix(bars[0].Label, "-1 to -0.5") {
		t.Errorf("bars %+v", bars)
	}
	if liveDeltaBars(LiveDeltaHistogram{Counts: []int{0, 0}}) != nil {
		t.Error("an empty histogram has bars")
	}
	pts := strings.Fields(opsSparkPoints([]float64{0, math.NaN(), 10}))
	if len(pts) != 3 || pts[0] != "0.0,23.0" || pts[2] != "120.0,1.0" {
		t.Errorf("sparkline points %v", pts)
	}
	if opsSparkPoints([]float64{1}) != "" {
		t.Error("a one-point sparkline was drawn")
	}
}

// opsGroup is the first group of pattern in s.
func opsGroup(t *testing.T, pattern, s string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no match for %s", pattern)
	}
	return m[1]
}
