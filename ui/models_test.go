package ui

import (
	"regexp"
	"strings"
	"testing"
)

func sampleConfusion() ConfusionView {
	return ConfusionView{Labels: []string{"stay", "churn", "<b>x</b>"},
		Counts: [][]int64{{50, 3, 0}, {7, 40, 1}, {0, 2, 9}}, Total: 112, Accuracy: "0.8839"}
}

// The heatmap has one cell per count, each labelled with its count and
// shaded by it, the class names on both axes, a title and a table with
// the same numbers; labels are escaped.
func TestConfusionHeatmap(t *testing.T) {
	c := sampleConfusion()
	html := render(t, ConfusionHeatmap(c))
	if got := count(html, "cm-cell"); got != 9 {
		t.Errorf("%d cells, want 9", got)
	}
	if count(html, "cm-row-label") != 3 || count(html, "cm-col-label") != 3 {
		t.Errorf("axis labels: %d rows, %d columns, want 3 each", count(html, "cm-row-label"), count(html, "cm-col-label"))
	}
	for _, want := range []string{`role="img"`, `<title id="cm-title">`, `<desc id="cm-desc">`, `data-testid="confusion-table"`,
		`<title>true churn, predicted stay: 7</title>`, `data-count="40"`, "&lt;b&gt;x&lt;/b&gt;", "112 examples, accuracy 0.8839"} {
		if !strings.Contains(html, want) {
			t.Errorf("heatmap lacks %s", want)
		}
	}
	if strings.Contains(html, "<b>x") {
		t.Error("a class label was not escaped")
	}
	// Counts appear as text in the cells, in row order.
	texts := regexp.MustCompile(`<text x="[0-9]+" y="[0-9]+" text-anchor="middle" dominant-baseline="middle" fill="[^"]+">([0-9]+)</text>`).FindAllStringSubmatch(html, -1)
	var got []string
	for _, m := range texts {
		got = append(got, m[1])
	}
	if strings.Join(got, ",") != "50,3,0,7,40,1,0,2,9" {
		t.Errorf("cell texts %v", got)
	}
	// The largest count is the darkest cell, an empty cell the lightest.
	fills := regexp.MustCompile(`data-count="([0-9]+)"><title>[^<]*</title><rect [^>]*fill="([^"]+)"`).FindAllStringSubmatch(html, -1)
	fill := map[string]string{}
	for _, m := range fills {
		fill[m[1]] = m[2]
	}
	if fill["50"] != "rgb(31,95,191)" || fill["0"] != "rgb(246,248,252)" || fill["7"] == fill["0"] {
		t.Errorf("fills by count: %v", fill)
	}
}

// A long label is shortened on the axis but kept whole in the cell
// titles and the table.
func TestConfusionHeatmapLongLabels(t *testing.T) {
	long := strings.Repeat("x", 40)
	html := render(t, ConfusionHeatmap(ConfusionView{Labels: []string{long, "b"}, Counts: [][]int64{{1, 0}, {0, 1}}, Total: 2, Accuracy: "1.0000"}))
	if !strings.Contains(html, strings.Repeat("x", 15)+"…</text>") || !strings.Contains(html, "<title>true "+long+", predicted b: 0</title>") {
		t.Errorf("long labels:\n%s", html)
	}
}

func TestHeatFill(t *testing.T) {
	for _, c := range []struct {
		n, top int64
		fill   string
		ink    string
	}{{0, 0, "rgb(246,248,252)", "#1d2330"}, {0, 10, "rgb(246,248,252)", "#1d2330"}, {10, 10, "rgb(31,95,191)", "#fff"}, {1, 100, "rgb(225,233,246)", "#1d2330"}} {
		if got := heatFill(c.n, c.top); got != c.fill {
			t.Errorf("heatFill(%d, %d) = %s, want %s", c.n, c.top, got, c.fill)
		}
		if got := heatInk(c.n, c.top); got != c.ink {
			t.Errorf("heatInk(%d, %d) = %s, want %s", c.n, c.top, got, c.ink)
		}
	}
}

func sampleLineage() LineageGraph {
	return LineageGraph{
		Nodes: []LineageNode{
			{ID: "v:2", Kind: NodeVersion, Label: "v2", Href: "/ui/models/churn/versions/2"},
			{ID: "v:1", Kind: NodeVersion, Label: "v1", Href: "/ui/models/churn/versions/1"},
			{ID: "r:abc", Kind: NodeRun, Label: "<i>run</i>", Href: "/ui/runs/abc"},
			{ID: "c:9fce", Kind: NodeCommit, Label: "commit 9fce"},
			{ID: "d:5d41", Kind: NodeDataset, Label: "data churn"},
		},
		Edges: []LineageEdge{{"v:2", "r:abc"}, {"v:1", "r:abc"}, {"r:abc", "c:9fce"}, {"r:abc", "d:5d41"}, {"v:1", "r:gone"}},
		Rows:  []LineageRow{{Version: "v2", Run: "run abc"}, {Version: "v1", Run: "run abc"}},
	}
}

// The lineage graph draws every node in its column, an edge for each
// pair of nodes it has (and none to a missing node), links to the pages
// that exist, and the same facts as a table.
func TestLineageSVG(t *testing.T) {
	html := render(t, LineageSVG(sampleLineage(), "churn"))
	for id, want := range map[string]int{"lineage-node-version": 2, "lineage-node-run": 1, "lineage-node-commit": 1,
		"lineage-node-dataset": 1, "lineage-edge": 4, "lineage-link-run": 1, "lineage-link-version": 2, "lineage-table": 1} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	if !strings.Contains(html, `href="/ui/runs/abc"`) || !strings.Contains(html, "&lt;i&gt;run&lt;/i&gt;") || strings.Contains(html, "<i>run") {
		t.Error("the run node lacks its link or its label is not escaped")
	}
	// Runs sit in the second column, commits and datasets in the third.
	if !strings.Contains(html, `<rect x="284" y="4"`) || !strings.Contains(html, `<rect x="564" y="58"`) {
		t.Errorf("node placement:\n%s", html)
	}
	if empty := render(t, LineageSVG(LineageGraph{}, "churn")); strings.Contains(empty, "<svg") {
		t.Error("an empty lineage still draws a graph")
	}
}

func sampleModel() ModelView {
	return ModelView{Name: "churn", Href: "/ui/models/churn", MetricKeys: []string{"auc"},
		Versions: []VersionRow{{Version: 2, Href: "/ui/models/churn/versions/2", Semver: "1.1.0", Aliases: []string{"alpha"}, Status: "READY",
			Metrics: []string{"0.93"}, RunID: "abcdef0123", RunHref: "/ui/runs/abcdef0123"}, {Version: 1, Status: "FAILED_REGISTRATION", Metrics: []string{""}}},
		Guarded:   []string{"production"},
		Approvals: []ApprovalRow{{ID: 4, Model: "churn", Alias: "production", From: "v1", To: "v2", Reason: "<script>"}},
		CSRF:      "tok",
	}
}

// The model page lists versions with aliases, semver, status and
// metrics; the move form and decision buttons appear only for callers
// who may use them, and decisions come back to this page.
func TestModelPage(t *testing.T) {
	v := sampleModel()
	html := render(t, ModelPage(v))
	for id, want := range map[string]int{"version-row": 2, "version-alias": 1, "run-link": 1, "alias-form": 0,
		"model-approval": 1, "model-approve": 0, "guarded": 1} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	if !strings.Contains(html, ">1.1.0<") || !strings.Contains(html, ">0.93<") || !strings.Contains(html, `class="bad">FAILED_REGISTRATION`) {
		t.Error("the versions table lacks semver, metric or status")
	}
	if strings.Contains(html, "<script>") {
		t.Error("a request's reason was not escaped")
	}
	v.CanApprove = true
	v.Move = &AliasMoveForm{Action: "/ui/models/churn/aliases/move", Aliases: []string{"production"}, Versions: []int64{2}}
	html = render(t, ModelPage(v))
	if count(html, "model-approve") != 1 || count(html, "model-reject") != 1 || count(html, "alias-form") != 1 {
		t.Fatal("an admin sees no decision buttons or move form")
	}
	for _, want := range []string{`name="back" value="/ui/models/churn"`, `action="/ui/approvals/4/approve"`,
		`<option value="production">`, `<option value="2">v2</option>`, `action="/ui/models/churn/aliases/move"`} {
		if !strings.Contains(html, want) {
			t.Errorf("model page lacks %s", want)
		}
	}
}

// The confirmation asks the question, carries the move in hidden fields
// with the CSRF token, and says when the move opens a request instead.
func TestAliasConfirm(t *testing.T) {
	v := AliasConfirmView{Model: "churn", ModelHref: "/ui/models/churn", Action: "/ui/models/churn/aliases", Alias: "production",
		Version: 5, From: "v3", CSRF: "tok"}
	html := render(t, AliasConfirm(v))
	for _, want := range []string{"Move production from v3 to v5?", `name="csrf" value="tok"`, `name="alias" value="production"`,
		`name="version" value="5"`, `data-testid="confirm-direct"`, `method="post" action="/ui/models/churn/aliases"`} {
		if !strings.Contains(html, want) {
			t.Errorf("confirmation lacks %s", want)
		}
	}
	v.Guarded = true
	if html = render(t, AliasConfirm(v)); count(html, "confirm-guarded") != 1 || !strings.Contains(html, "Request the move") {
		t.Error("a guarded move does not say it opens a request")
	}
	v.Unchanged = true
	if html = render(t, AliasConfirm(v)); count(html, "confirm-form") != 0 || count(html, "unchanged") != 1 {
		t.Error("a move to where the alias already points still offers to confirm")
	}
}

// The version page shows the signature, metrics, heatmap, per-class
// table and files with download links.
func TestVersionPage(t *testing.T) {
	c := sampleConfusion()
	v := VersionView{Model: "churn", ModelHref: "/ui/models/churn", Version: 2, Status: "READY", Flavor: "xgboost",
		Digest: "sha256:abc", RunID: "r1", RunName: "xgb", RunHref: "/ui/runs/r1", MetricsFrom: "run",
		Signature: []SignatureSection{{Title: "inputs", Fields: []SignatureField{{Name: "tenure", Type: "double", Required: "yes"},
			{Name: "plan", Type: "string", Required: "no"}}}, {Title: "outputs", Raw: "not json"}},
		Metrics:   []KeyValue{{"auc", "0.93"}},
		Confusion: &c, PerClass: []ClassMetrics{{Label: "stay", Precision: "0.8772", Recall: "0.9434", F1: "0.9091", Support: "53"},
			{Label: "never", Support: "0"}}, PerClassFrom: "confusion matrix",
		Files:        []FileRow{{Path: "model/model.json", Href: "/ui/models/churn/versions/2/files/model/model.json", Size: "1 KiB"}},
		DownloadHref: "/ui/models/churn/versions/2/download"}
	html := render(t, VersionPage(v))
	for id, want := range map[string]int{"signature-field": 2, "metric": 1, "confusion-svg": 1, "cm-cell": 9, "class-row": 2,
		"file": 1, "download": 1, "run-link": 1, "digest": 1} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	for _, want := range []string{"<pre class=\"scroll\">not json</pre>", `href="/ui/models/churn/versions/2/download"`, ">0.9091<", "<td class=\"num\">—</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("version page lacks %s", want)
		}
	}
}

// The list shows each model with its latest version and aliases, and
// says so when a search finds nothing.
func TestModelList(t *testing.T) {
	html := render(t, ModelList(ModelListView{Models: []ModelRow{{Name: "churn", Href: "/ui/models/churn", Latest: "v3",
		LatestHref: "/ui/models/churn/versions/3", Aliases: []AliasVersion{{"production", 3}}}}, NextHref: "/ui/models?page=x"}))
	if count(html, "model-row") != 1 || count(html, "alias") != 1 || !strings.Contains(html, `href="/ui/models/churn/versions/3"`) ||
		!strings.Contains(html, "Next page") {
		t.Errorf("model list:\n%s", html)
	}
	html = render(t, ModelList(ModelListView{Query: `"><x`}))
	if count(html, "no-models") != 1 || strings.Contains(html, `"><x`) {
		t.Errorf("empty search:\n%s", html)
	}
	if html = render(t, ModelList(ModelListView{RegistryOff: true})); count(html, "registry-off") != 1 || strings.Contains(html, "<form") {
		t.Error("registry off still shows the search")
	}
}
