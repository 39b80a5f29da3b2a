package ui

import (
	"strings"
	"testing"
)

func sampleRuns() RunsView {
	return RunsView{
		Experiments: []ExperimentRef{{ID: "1", Name: "churn", URL: "/ui/experiments/1/runs"}},
		Action:      "/ui/experiments/1/runs", Filter: "params.lr = '0.1'", CompareAction: "/ui/compare",
		Hidden: []QueryParam{{"order_by", "metrics.f1 DESC"}, {"cols", "1"}, {"metric", "f1"}},
		Columns: []RunColumn{{Label: "Started", Kind: "attr", SortURL: "/s", Sort: ""}, {Label: "Duration", Kind: "attr"},
			{Label: "f1", Kind: "metric", SortURL: "/ui/experiments/1/runs?order_by=metrics.f1+ASC", Sort: "descending"}},
		Runs: []RunRow{{ID: "a1", Name: "<script>x</script>", URL: "/ui/runs/a1", Cells: []string{"2026-01-01", "1s", "0.9"}},
			{ID: "b2", Name: "b", URL: "/ui/runs/b2", Cells: []string{"2026-01-02", "", "0.8"}}},
		MetricChoices: []Choice{{Value: "f1", Checked: true}, {Value: "loss"}},
		Page:          2, FirstURL: "/first", NextURL: "/next",
	}
}

// The runs table has a checkbox per run tied to the compare form, one
// sortable header per column with its sort state, pages and escaped names.
func TestRunsTableRenders(t *testing.T) {
	html := render(t, Runs(sampleRuns()))
	for id, want := range map[string]int{"run": 2, "compare-check": 2, "column-metric": 1, "column-attr": 2, "sort": 2,
		"compare": 1, "next-page": 1, "choose-metric": 2, "filter-error": 0, "runs-search": 1} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	for _, want := range []string{`form="compare"`, `<form id="compare" method="get" action="/ui/compare"`, `aria-sort="descending"`,
		`value="params.lr = &#39;0.1&#39;"`, `name="metric" value="f1"`, `value="f1" checked`, "&lt;script&gt;", "Page 2"} {
		if !strings.Contains(html, want) {
			t.Errorf("runs table lacks %s", want)
		}
	}
	if strings.Contains(html, "<script>x") {
		t.Error("a run name was not escaped")
	}
	v := sampleRuns()
	v.Experiments = append(v.Experiments, ExperimentRef{ID: "2", Name: "other", URL: "/ui/experiments/2/runs"})
	if html := render(t, Runs(v)); !strings.Contains(html, `churn</a>, <a href="/ui/experiments/2/runs"`) {
		t.Error("a table of two experiments does not name both")
	}
}

// A refused filter shows the parser's message beside the box, marks the
// box invalid and shows no table.
func TestRunsFilterError(t *testing.T) {
	v := sampleRuns()
	v.FilterError = "invalid filter at position 11: expected a value"
	html := render(t, Runs(v))
	if count(html, "filter-error") != 1 || count(html, "run") != 0 || !strings.Contains(html, `aria-invalid="true"`) ||
		!strings.Contains(html, "position 11") {
		t.Errorf("filter error not shown beside the box:\n%s", html)
	}
}

func TestExperimentsListRenders(t *testing.T) {
	html := render(t, Experiments(ExperimentsView{SeveralURL: "/ui/experiments/runs", NextURL: "/ui/experiments?page_token=x",
		Experiments: []ExperimentRow{{ID: "1", Name: "churn", Runs: 12, LastUpdate: "2026-01-01", RunsURL: "/ui/experiments/1/runs"}}}))
	if count(html, "experiment") != 1 || count(html, "open-several") != 1 || !strings.Contains(html, `href="/ui/experiments/1/runs"`) ||
		!strings.Contains(html, ">12<") || !strings.Contains(html, "page_token=x") {
		t.Errorf("experiments list:\n%s", html)
	}
	if html := render(t, Experiments(ExperimentsView{})); count(html, "no-experiments") != 1 {
		t.Error("an empty list does not say so")
	}
}

func sampleRun() RunView {
	chart := ChartData{ID: "metric", Title: "loss by step", Series: []Series{{Label: "loss", X: []float64{0, 1}, Y: []float64{1, 0.5}}}}
	return RunView{ID: "a1", Name: "baseline", Status: "FINISHED", Experiment: ExperimentRef{Name: "churn", URL: "/ui/experiments/1/runs"},
		Params: []RunKV{{"lr", "0.1"}}, Metrics: []MetricRow{{Key: "loss", Value: "0.5", Step: "1"}},
		Tags: []RunKV{{"team", "growth"}}, MetricPicker: []Choice{{Value: "acc", URL: "/ui/runs/a1?metric=acc"}, {Value: "loss", Checked: true}},
		Chart: &chart, ChartNote: "1,000,000 points", Note: "first <i>try</i>", CSRF: "tok", NoteAction: "/ui/runs/a1/note",
		Artifacts: ArtifactsView{Crumbs: []Crumb{{"artifacts", "/ui/runs/a1"}, {"model", "/ui/runs/a1?path=model"}},
			Entries: []ArtifactEntry{{Name: "sub", IsDir: true, URL: "/ui/runs/a1?path=model/sub"}, {Name: "MLmodel", Size: "12 B", URL: "/ui/runs/a1/artifact?path=model/MLmodel"}}},
		Commit: "c0ffee", Datasets: []DatasetRow{{Name: "train", Digest: "d1g3st", Context: "training"}},
		Versions: []VersionLink{{Label: "churn v1", Status: "READY", URL: "/ui/models/churn/versions/1"}},
	}
}

// A run's page: facts, chart with its picker, tables, lineage links and
// an artifacts directory; the note is a form only for who may edit.
func TestRunPageRenders(t *testing.T) {
	v := sampleRun()
	html := render(t, RunPage(v))
	for id, want := range map[string]int{"chart-metric": 1, "metric-picker": 1, "params-row": 1, "tags-row": 1, "metrics-row": 1,
		"version-link": 1, "dataset": 1, "artifact": 2, "artifact-dir": 1, "artifact-file": 1, "note-form": 0, "note-text": 1, "commit": 1} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	for _, want := range []string{`href="/ui/models/churn/versions/1"`, `href="/ui/runs/a1/artifact?path=model/MLmodel" download`,
		`aria-current="location">model`, `href="/ui/experiments/1/runs"`, "first &lt;i&gt;try&lt;/i&gt;", `aria-current="true">loss`, "d1g3st"} {
		if !strings.Contains(html, want) {
			t.Errorf("run page lacks %s", want)
		}
	}
	v.CanEdit = true
	html = render(t, RunPage(v))
	if count(html, "note-form") != 1 || !strings.Contains(html, `name="csrf" value="tok"`) || !strings.Contains(html, `action="/ui/runs/a1/note"`) ||
		!strings.Contains(html, ">first &lt;i&gt;try&lt;/i&gt;</textarea>") {
		t.Errorf("an editor's note form is missing its token, action or text")
	}
	v.Chart, v.Artifacts = nil, ArtifactsView{Elsewhere: "s3://bucket/run"}
	html = render(t, RunPage(v))
	if count(html, "chart-metric") != 0 || !strings.Contains(html, "s3://bucket/run") {
		t.Error("a run without metrics or with outside artifacts renders wrongly")
	}
}

// Compare marks differing rows (for eyes and screen readers) and draws
// one chart.
func TestCompareRenders(t *testing.T) {
	chart := ChartData{ID: "compare", Series: []Series{{Label: "a", X: []float64{1}, Y: []float64{1}}, {Label: "b", X: []float64{1}, Y: []float64{2}}}}
	html := render(t, Compare(CompareView{
		Runs:    []ExperimentRef{{ID: "a", Name: "a", URL: "/ui/runs/a"}, {ID: "b", Name: "b", URL: "/ui/runs/b"}},
		Params:  []CompareRow{{Key: "lr", Values: []string{"0.1", "0.1"}}, {Key: "depth", Values: []string{"3", ""}, Differs: true}},
		Metrics: []CompareRow{{Key: "f1", Values: []string{"0.5", "0.7"}, Differs: true}},
		Chart:   &chart, MetricPicker: []Choice{{Value: "f1", Checked: true}},
	}))
	for id, want := range map[string]int{"params-differs": 1, "params-same": 1, "metrics-differs": 1, "chart-compare": 1} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	if !strings.Contains(html, `class="differs"`) || !strings.Contains(html, "(differs)") || !strings.Contains(html, "Compare 2 runs") {
		t.Errorf("differences not marked:\n%s", html)
	}
}
