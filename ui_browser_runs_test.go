package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// browserRun is a run logged through the MLflow REST API.
type browserRun struct {
	ID, Name, LR string
}

// logBrowserRuns logs four runs of experiment "browser-runs" over the
// MLflow REST API the process serves: lr alternating 0.1 and 0.01, a
// 300-step loss curve and an f1.
func logBrowserRuns(t *testing.T, in *instance) (string, []browserRun) {
	t.Helper()
	m := mlflowClient{t: t, in: in}
	var exp struct {
		ID string `json:"experiment_id"`
	}
	status, body := m.post("/experiments/create", map[string]any{"name": "browser-runs"})
	m.ok(status, body, &exp)
	var runs []browserRun
	for i := range 4 {
		r := browserRun{Name: fmt.Sprintf("trial-%d", i), LR: []string{"0.1", "0.01"}[i%2]}
		var created struct {
			Run struct {
				Info struct {
					RunID string `json:"run_id"`
				} `json:"info"`
			} `json:"run"`
		}
		status, body = m.post("/runs/create", map[string]any{"experiment_id": exp.ID, "run_name": r.Name, "start_time": 1_700_000_000_000 + i})
		m.ok(status, body, &created)
		r.ID = created.Run.Info.RunID
		metrics := []map[string]any{{"key": "f1", "value": 0.5 + float64(i)/10, "timestamp": 1, "step": 0}}
		for s := range 300 {
			metrics = append(metrics, map[string]any{"key": "loss", "value": 1 / float64(s+2+i), "timestamp": 1, "step": s})
		}
		status, body = m.post("/runs/log-batch", map[string]any{"run_id": r.ID, "metrics": metrics,
			"params": []map[string]string{{"key": "lr", "value": r.LR}, {"key": "depth", "value": fmt.Sprint(3 + i)}}})
		m.okCall(status, body)
		runs = append(runs, r)
	}
	return exp.ID, runs
}

// A person signs in, filters an experiment's runs in the search box,
// checks two rows and compares them (an overlaid chart is drawn), opens
// a run, sees its curve drawn and edits its note.
func TestBrowserRunsFilterCompareAndNote(t *testing.T) {
	ctx := browser(t)
	in := start(t, nil)
	expID, runs := logBrowserRuns(t, in)
	step, shot := browserSteps(t, ctx, in)
	const rows = `[data-testid="run"]`
	step("sign in and open the experiment", chromedp.Do(within(ctx),
		signIn(in.URL+"/ui/experiments", in.Admin),
		chromedp.WaitVisible(`[data-testid="experiment"][data-id="`+expID+`"] a`),
		chromedp.Click(`[data-testid="experiment"][data-id="`+expID+`"] a`),
		chromedp.WaitVisible(rows),
	))
	step("filter in the search box", chromedp.Do(within(ctx),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="runs"]').setAttribute('data-before-swap', '1')`),
		chromedp.SendKeys(`#runs-filter`, "params.lr = '0.1'"),
		chromedp.Click(`[data-testid="runs-search-submit"]`),
		chromedp.WaitNotPresent(`[data-before-swap]`),
		chromedp.WaitVisible(rows),
	))
	shown, err := chromedp.Run(within(ctx), chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="run"] th a')].map(a => a.textContent)`))
	step("read the filtered rows", err)
	location, err := chromedp.Run(within(ctx), chromedp.Location())
	step("read the location", err)
	if strings.Join(shown, ",") != "trial-2,trial-0" {
		t.Errorf("after filtering lr = 0.1 the table shows %v, want [trial-2 trial-0]", shown)
	}
	if !strings.Contains(location, "filter=params.lr") {
		t.Errorf("the filter is not in the URL: %s", location)
	}
	shot("runs-list.png")

	const compareChart = `[data-testid="chart-compare"] canvas`
	step("compare the checked rows", chromedp.Do(within(ctx),
		chromedp.Click(`[data-run="`+runs[0].ID+`"] [data-testid="compare-check"]`),
		chromedp.Click(`[data-run="`+runs[2].ID+`"] [data-testid="compare-check"]`),
		chromedp.Click(`[data-testid="compare"]`),
		chromedp.WaitVisible(compareChart),
	))
	spec, err := chromedp.Run(within(ctx), chromedp.Evaluate[string](`document.querySelector('[data-testid="chart-compare"]').dataset.chart`))
	step("read the compare chart", err)
	checkChartSpec(t, "compare", spec, 2, 300)
	differs, err := chromedp.Run(within(ctx), chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="params-differs"] th')].map(th => th.textContent.trim())`))
	step("read the differing params", err)
	if len(differs) != 1 || !strings.HasPrefix(differs[0], "depth") {
		t.Errorf("differing params %v, want depth alone", differs)
	}
	shot("runs-compare.png")

	const runChart = `[data-testid="chart-metric"] canvas`
	note := "lr 0.1 looks best; rerun with more data"
	step("open a run and edit its note", chromedp.Do(within(ctx),
		chromedp.Click(`table.compare thead a[href="/ui/runs/`+runs[2].ID+`"]`),
		chromedp.WaitVisible(runChart),
		chromedp.SendKeys(`#note-text`, note),
		// The form posts and the browser follows the redirect to a new page:
		// the marked old one must go first.
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="note"]').setAttribute('data-before-save', '1')`),
		chromedp.Click(`[data-testid="note-save"]`),
		chromedp.WaitNotPresent(`[data-before-save]`),
		chromedp.WaitVisible(runChart),
	))
	spec, err = chromedp.Run(within(ctx), chromedp.Evaluate[string](`document.querySelector('[data-testid="chart-metric"]').dataset.chart`))
	step("read the run chart", err)
	checkChartSpec(t, "run", spec, 1, 300)
	saved, err := chromedp.Run(within(ctx), chromedp.Evaluate[string](`document.querySelector('#note-text').value`))
	step("read the note", err)
	if saved != note {
		t.Errorf("the note reads %q after saving, want %q", saved, note)
	}
	m := mlflowClient{t: t, in: in}
	var got struct {
		Run struct {
			Data struct {
				Tags []struct{ Key, Value string } `json:"tags"`
			} `json:"data"`
		} `json:"run"`
	}
	status, body := m.get("/runs/get", map[string][]string{"run_id": {runs[2].ID}})
	m.ok(status, body, &got)
	found := false
	for _, tag := range got.Run.Data.Tags {
		found = found || tag.Key == "mlflow.note.content" && tag.Value == note
	}
	if !found {
		t.Errorf("MLflow's runs/get does not carry the note: %s", body)
	}
	shot("runs-detail.png")
}

// checkChartSpec checks what charts.js drew from: series, each with the
// number of points logged (no reduction below 600 points).
func checkChartSpec(t *testing.T, what, spec string, series, points int) {
	t.Helper()
	var c struct {
		Series []struct {
			Label string
			X, Y  []*float64
		}
	}
	if err := json.Unmarshal([]byte(spec), &c); err != nil {
		t.Fatalf("%s chart data: %v", what, err)
	}
	if len(c.Series) != series {
		t.Fatalf("%s chart: %d series, want %d", what, len(c.Series), series)
	}
	for _, s := range c.Series {
		if len(s.X) != points || len(s.Y) != points || s.Y[0] == nil {
			t.Errorf("%s chart series %q: %d x, %d y, want %d points", what, s.Label, len(s.X), len(s.Y), points)
		}
	}
}
