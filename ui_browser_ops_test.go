package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// opsBrowserSetup starts Paddock with two real scikit-learn classifiers
// of iris (v1 production, v2 alpha) compared by a shadow experiment, and
// a training job whose command prints a line every 400 ms and logs no
// metric, so its gate fails with a reason.
func opsBrowserSetup(t *testing.T) *instance {
	t.Helper()
	dir := t.TempDir()
	first := startAt(t, dir, nil)
	v1 := registerModelDir(t, first, "iris", modelOnly(t, fixtureDir("sklearn", "decision_tree_classifier"), "model.pkl"))
	v2 := registerModelDir(t, first, "iris", modelOnly(t, fixtureDir("sklearn", "extra_trees_classifier"), "model.pkl"))
	setAlias(t, first, "iris", "production", v1)
	setAlias(t, first, "iris", "alpha", v2)
	first.stop()
	cfg := writeConfig(t, `
live:
  evaluate: 1h
  experiments:
    iris-shadow:
      model: iris
      mode: shadow
      rules: {min_requests: 1000000, auto_rollback: false}
training:
  jobs:
    slow:
      model: iris
      command: ["/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo step $i/12; sleep 0.4; done"]
      timeout: 1m
      gate: {rules: ["accuracy >= 0.9"]}
      on_fail: skip_registration
`)
	return startAt(t, dir, nil, "--config", cfg)
}

// The operations pages in a real browser: traffic drawn on the serving
// chart, an alpha promoted from the live page (and production moving on
// the serving page), and a training run started with "Run now" whose
// output appears in the page while it runs. Screenshots: serving.png,
// live.png, training.png.
func TestBrowserOpsServingLiveTraining(t *testing.T) {
	ctx := browser(t)
	in := opsBrowserSetup(t)
	step, shot := browserSteps(t, ctx, in)

	// Three bursts of traffic 6 s apart land in at least two of the
	// timeline's 10 s buckets, so the charts draw lines, not dots.
	rows, _ := fixtureRowsAny(t, fixtureDir("sklearn", "decision_tree_classifier"))
	var feedback []map[string]any
	for i := range 40 {
		if i == 14 || i == 27 {
			time.Sleep(6 * time.Second)
		}
		c, status, out := classify(t, in, "/api/models/iris/predict", rows[i%len(rows)])
		if status != 200 {
			t.Fatalf("predict: %d %s", status, out)
		}
		// Users confirm production's answer: its live accuracy is 1.
		feedback = append(feedback, map[string]any{"request_id": c.RequestID, "label": fmt.Sprint(c.Predictions[0])})
	}
	if status, body := api(t, in, "POST", "/api/feedback", in.Admin, map[string]any{"feedback": feedback}); status != 201 {
		t.Fatalf("feedback: %d %s", status, body)
	}
	step("sign in", chromedp.Do(within(ctx),
		signIn(in.URL+"/ui/serving/iris?window=5m", in.Admin),
		chromedp.WaitReady(`[data-testid="chart-requests"] canvas`),
		chromedp.WaitReady(`[data-testid="chart-latency"] canvas`),
	))
	buckets, err := chromedp.Run(within(ctx), chromedp.Evaluate[int](
		`JSON.parse(document.querySelector('[data-testid="chart-requests"]').dataset.chart).series[0].y.filter(y => y > 0).length`))
	step("count the busy buckets", err)
	if buckets < 2 {
		t.Errorf("traffic in %d buckets of the request chart, want at least 2", buckets)
	}
	points, err := chromedp.Run(within(ctx), chromedp.Evaluate[float64](
		`JSON.parse(document.querySelector('[data-testid="chart-requests"]').dataset.chart).series[0].y.reduce((a, y) => a + (y || 0), 0) * 10`))
	step("read the request chart", err)
	if points != 40 {
		t.Errorf("the request chart adds up to %v requests, want 40", points)
	}
	shot("serving.png")

	opsBrowserLive(t, ctx, in, step, shot)
	opsBrowserTraining(t, ctx, in, step, shot)
}

// opsBrowserLive waits for the shadow to answer, reads the comparison,
// promotes alpha through the confirmation and sees production move.
func opsBrowserLive(t *testing.T, ctx context.Context, in *instance, step func(string, error), shot func(string)) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for s := stats(t, in, "iris-shadow"); s.Alpha.Answered < 40; s = stats(t, in, "iris-shadow") {
		if time.Now().After(deadline) {
			t.Fatalf("the shadow answered %d of 40 requests", s.Alpha.Answered)
		}
		time.Sleep(100 * time.Millisecond)
	}
	step("open the live experiment", chromedp.Do(within(ctx),
		chromedp.Navigate(in.URL+"/ui/live/iris-shadow?window=2m"), // 2 s buckets: one point per burst
		chromedp.WaitReady(`[data-testid="chart-agreement"] canvas`),
		chromedp.WaitVisible(`[data-testid="delta-histogram"] svg`),
		chromedp.WaitVisible(`[data-testid="live-arm"][data-arm="alpha"]`),
	))
	summary, err := chromedp.Run(within(ctx), chromedp.Text(`[data-testid="agreement-summary"]`))
	step("read the agreement", err)
	if !strings.Contains(summary, "of 40 requests") {
		t.Errorf("agreement summary %q, want it over the 40 requests", summary)
	}
	prodAcc, err := chromedp.Run(within(ctx), chromedp.Text(`[data-testid="accuracy-row"][data-arm="production"] [data-testid="accuracy"]`))
	step("read production's live accuracy", err)
	if prodAcc != "100.0%" {
		t.Errorf("production's live accuracy %q, want 100.0%% (the labels are its answers)", prodAcc)
	}
	shot("live.png")
	step("promote alpha", chromedp.Do(within(ctx),
		chromedp.Click(`[data-testid="promote"]`),
		chromedp.WaitVisible(`[data-testid="confirm-promote"]`),
		chromedp.SendKeys(`#reason`, "alpha agrees with production"),
		chromedp.Click(`[data-testid="confirm-promote"]`),
		chromedp.WaitVisible(`[data-testid="decision"][data-state="promoted"]`),
	))
	where, err := chromedp.Run(within(ctx), chromedp.Text(`[data-testid="decision-where"]`))
	step("read the decision", err)
	if !strings.Contains(where, "now answers with v2") {
		t.Errorf("decision says %q, want production on v2", where)
	}
	// Serving follows the registry's feed: production moves to v2.
	const row = `[data-testid="serving-model"][data-model="iris"]`
	deadline = time.Now().Add(10 * time.Second)
	for {
		step("open serving", chromedp.Do(within(ctx), chromedp.Navigate(in.URL+"/ui/serving"), chromedp.WaitVisible(row)))
		text, err := chromedp.Run(within(ctx), chromedp.Text(row))
		step("read the served model", err)
		if strings.Contains(text, "production → v2") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the promotion serving shows %q, want production → v2", text)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// opsBrowserTraining presses "Run now" and watches the log tail grow
// while the job runs, then end.
func opsBrowserTraining(t *testing.T, ctx context.Context, in *instance, step func(string, error), shot func(string)) {
	t.Helper()
	lines := func() string {
		text, err := chromedp.Run(within(ctx), chromedp.Evaluate[string](`document.querySelector('[data-testid="log-tail"]').textContent`))
		step("read the log tail", err)
		return text
	}
	step("run now", chromedp.Do(within(ctx),
		chromedp.Navigate(in.URL+"/ui/training/slow"),
		chromedp.Click(`[data-testid="run-now"]`),
		chromedp.WaitVisible(`[data-testid="run-started"]`),
		chromedp.Poll[chromedp.Void](`document.querySelector('[data-testid="log-tail"]').textContent.includes("step 2/12")`),
	))
	early := lines()
	step("watch the log grow", chromedp.Do(within(ctx),
		chromedp.Poll[chromedp.Void](`document.querySelector('[data-testid="log-tail"]').textContent.includes("step 6/12")`),
	))
	step("see the run end", chromedp.Do(within(ctx),
		chromedp.Poll[chromedp.Void](`document.querySelector('[data-testid="log-tail"]').dataset.logtailEnded === "1"`),
	))
	late := lines()
	if strings.Contains(early, "step 12/12") || !strings.Contains(late, "step 12/12") || strings.Count(late, "step ") != 12 {
		t.Errorf("log tail did not grow while the run went: first read %q, last %q", early, late)
	}
	status, err := chromedp.Run(within(ctx), chromedp.Text(`[data-testid="log-status"]`))
	step("read the status", err)
	if status != "ended" {
		t.Errorf("log status %q after the run, want ended", status)
	}
	// The run's row shows the gate's verdict with its reason.
	step("reload the job", chromedp.Do(within(ctx),
		chromedp.Navigate(in.URL+"/ui/training/slow"),
		chromedp.WaitVisible(`[data-testid="training-run"] [data-testid="gate-reason"]`),
	))
	gate, err := chromedp.Run(within(ctx), chromedp.Text(`[data-testid="training-run"] [data-testid="gate"]`))
	step("read the gate", err)
	runs := trainingRuns(t, in, "slow")
	if len(runs) != 1 || runs[0].FiredBy != "manual" || runs[0].Gate != "fail" || !strings.Contains(gate, "gate failed") || !strings.Contains(gate, "accuracy") {
		t.Errorf("runs %s; gate cell %q", fmt.Sprint(runs), gate)
	}
	shot("training.png")
	// In-page navigation (htmx) to the run brings logtail.js's stream up
	// again in the swapped content.
	step("follow the run through htmx", chromedp.Do(within(ctx),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="log-tail"]').setAttribute('data-before-swap', '1')`),
		chromedp.Click(`[data-testid="training-run"] th a`),
		chromedp.WaitNotPresent(`[data-before-swap]`),
		chromedp.Poll[chromedp.Void](`document.querySelector('[data-testid="log-tail"]').textContent.includes("step 12/12")`),
	))
}
