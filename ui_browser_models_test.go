package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An admin opens the registry, then a model: the lineage links the run,
// moving alpha asks "move alpha from v1 to v2?" before it moves, and the
// editor's pending request to move production is approved from the
// model page, which the browser comes back to. The version page draws
// the run's confusion matrix as a heatmap of 2 × 2 cells.
func TestBrowserModels(t *testing.T) {
	ctx := browser(t)
	in := start(t, nil)
	runID := modelsFixture(t, in)
	step, shot := browserSteps(t, ctx, in)
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(within(ctx), chromedp.Text(sel))
		step("read "+sel, err)
		return s
	}

	step("sign in and open the list", chromedp.Do(within(ctx),
		signIn(in.URL+"/ui/models", in.Admin),
		chromedp.WaitVisible(`[data-testid="model-row"][data-model="churn"]`),
	))
	if row := text(`[data-testid="model-row"]`); !strings.Contains(row, "v2") || !strings.Contains(row, "production → v1") {
		t.Errorf("the list row reads %q, want latest v2 and production → v1", row)
	}
	shot("models-list.png")

	step("open the model", chromedp.Do(within(ctx),
		chromedp.Click(`[data-testid="model-row"] th a`),
		chromedp.WaitVisible(`[data-testid="lineage-graph"]`),
	))
	runLinks, err := chromedp.Run(within(ctx), chromedp.Evaluate[int](
		`document.querySelectorAll('[data-testid="lineage-graph"] a[href="/ui/runs/`+runID+`"]').length`))
	step("find the run in the lineage", err)
	if runLinks != 1 {
		t.Errorf("%d lineage links to /ui/runs/%s, want 1", runLinks, runID)
	}

	step("ask to move alpha", chromedp.Do(within(ctx),
		chromedp.SendKeys(`[data-testid="alias-input"]`, "alpha"),
		chromedp.SetValue(`[data-testid="alias-version"]`, "2"),
		chromedp.Click(`[data-testid="alias-review"]`),
		chromedp.WaitVisible(`[data-testid="confirm-question"]`),
	))
	if q := text(`[data-testid="confirm-question"]`); q != "Move alpha from v1 to v2?" {
		t.Errorf("confirmation asks %q", q)
	}
	if status, body := api(t, in, "GET", "/api/models/churn/aliases/alpha", in.Admin, nil); status != 200 || !strings.Contains(string(body), `"version":"1"`) {
		t.Errorf("alpha moved before the confirmation: %d %s", status, body)
	}
	step("confirm the move", chromedp.Do(within(ctx),
		chromedp.Click(`[data-testid="alias-confirm"]`),
		chromedp.WaitVisible(`[data-testid="notice"]`),
	))
	if n := text(`[data-testid="notice"]`); n != "alpha now points to v2." {
		t.Errorf("notice after the move: %q", n)
	}
	if tags := text(`[data-testid="version-row"][data-version="2"]`); !strings.Contains(tags, "alpha") {
		t.Errorf("v2's row reads %q, want the alpha tag", tags)
	}

	step("approve the pending request", chromedp.Do(within(ctx),
		chromedp.WaitVisible(`[data-testid="model-approval"]`),
		chromedp.Click(`[data-testid="model-approve"]`),
		chromedp.WaitNotPresent(`[data-testid="model-approval"]`),
		chromedp.WaitVisible(`[data-testid="lineage-graph"]`),
	))
	url, err := chromedp.Run(within(ctx), chromedp.Location())
	step("read the location", err)
	if url != in.URL+"/ui/models/churn" {
		t.Errorf("after the approval the browser is at %q, want the model page", url)
	}
	if tags := text(`[data-testid="version-row"][data-version="2"]`); !strings.Contains(tags, "production") {
		t.Errorf("after the approval v2's row reads %q, want production", tags)
	}
	shot("models-model.png")

	step("open v2", chromedp.Do(within(ctx),
		chromedp.Click(`[data-testid="version-row"][data-version="2"] th a`),
		chromedp.WaitVisible(`[data-testid="confusion-svg"]`),
	))
	cells, err := chromedp.Run(within(ctx), chromedp.Evaluate[string](
		`Array.from(document.querySelectorAll('[data-testid="confusion-svg"] [data-testid="cm-cell"] text')).map(t => t.textContent).join(",")`))
	step("read the heatmap", err)
	if cells != "50,3,7,40" {
		t.Errorf("heatmap cells read %q, want 50,3,7,40", cells)
	}
	if rows := text(`[data-testid="per-class"] tbody`); !strings.Contains(rows, "0.8772") || !strings.Contains(rows, "0.8511") {
		t.Errorf("per-class table reads %q", rows)
	}
	shot("models-version.png")
}

// modelsFixture registers churn v1 and v2 from a run that logged a
// confusion matrix, points production and alpha at v1, guards
// production, and has an editor ask to move it to v2. It returns the
// run's id.
func modelsFixture(t *testing.T, in *instance) string {
	t.Helper()
	lr := logModelRun(t, in, "churn-training")
	root := strings.TrimSuffix(strings.TrimPrefix(lr.ArtifactURI, "mlflow-artifacts:/"), "/model")
	cm := `{"labels": ["stay", "churn"], "matrix": [[50, 3], [7, 40]]}`
	if status, body, _ := in.call("PUT", "/api/2.0/mlflow-artifacts/artifacts/"+root+"/confusion_matrix.json", in.Admin, bytes.NewReader([]byte(cm))); status != 200 {
		t.Fatalf("log the confusion matrix: %d %s", status, body)
	}
	api(t, in, "POST", "/api/models", in.Admin, map[string]any{"name": "churn", "description": "who leaves next month"})
	for range 2 {
		if status, body := api(t, in, "POST", "/api/models/churn/versions", in.Admin, map[string]any{"source": "runs:/" + lr.ID + "/model"}); status != 201 {
			t.Fatalf("register: %d %s", status, body)
		}
	}
	setAlias(t, in, "churn", "production", 1)
	setAlias(t, in, "churn", "alpha", 1)
	if status, body := api(t, in, "PUT", "/api/models/churn/approval-policy", in.Admin, map[string]any{"aliases": []string{"production"}}); status != 200 {
		t.Fatalf("guard production: %d %s", status, body)
	}
	editor := createToken(t, in, "editor")
	if status, body := api(t, in, "PUT", "/api/models/churn/aliases/production", editor, map[string]any{"version": 2, "reason": "better recall"}); status != 202 {
		t.Fatalf("editor's request: %d %s", status, body)
	}
	return lr.ID
}
