package server

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/registry"
)

// newModelsEnv is newUIEnv with experiment tracking on, so versions can
// come from runs: churn v1 (an external source) with its pending
// production request #1, and churn v2 registered from a run that
// logged a confusion matrix.
func newModelsEnv(t *testing.T) (*uiEnv, string) {
	t.Helper()
	e := newUIEnv(t)
	deps := e.s.deps
	deps.Tracking = experiments.New(deps.DB, nil)
	reg, err := registry.New(registry.Options{DB: deps.DB, Artifacts: deps.Artifacts, Audit: deps.Audit, Runs: deps.Tracking})
	if err != nil {
		t.Fatal(err)
	}
	deps.Registry, deps.Metrics = reg, prometheus.NewRegistry()
	e.s, e.reg = New(deps), reg
	files := modelDirFiles(t)
	files["confusion_matrix.json"] = []byte(`{"labels": ["stay", "churn"], "matrix": [[50, 3], [7, 40]]}`)
	runID := e.logModelRun("xgb-baseline", files)
	admin := registry.Caller{Actor: "token:admin-user", Approver: true}
	if v, err := reg.CreateVersion(context.Background(), admin, registry.CreateVersionRequest{Model: "churn", Source: "runs:/" + runID + "/model"}); err != nil || v.Version != 2 {
		t.Fatalf("register churn v2 from the run: %+v %v", v, err)
	}
	return e, runID
}

// modelDirFiles reads a real MLflow xgboost model directory, keyed
// model/<file> as a run logs it.
func modelDirFiles(t *testing.T) map[string][]byte {
	t.Helper()
	dir := filepath.Join("..", "testdata", "mlmodel", "xgboost_json")
	out := map[string][]byte{}
	for _, name := range []string{"MLmodel", "model.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out["model/"+name] = b
	}
	return out
}

// logModelRun creates a run with a commit, metrics, a dataset and the given
// artifacts, and returns its id.
func (e *uiEnv) logModelRun(name string, files map[string][]byte) string {
	e.t.Helper()
	ctx, tr := context.Background(), e.s.deps.Tracking
	exp, err := tr.CreateExperiment(ctx, "exp-"+name, "", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	run, err := tr.CreateRun(ctx, experiments.CreateRunRequest{ExperimentID: exp, RunName: name,
		Tags: []experiments.Tag{{Key: experiments.TagCommit, Value: "9fceb02d0ae598e95dc970b74767f19372d61af8"}}})
	if err != nil {
		e.t.Fatal(err)
	}
	id := run.Info.RunID
	err = tr.LogBatch(ctx, id, experiments.Batch{Metrics: []experiments.Metric{
		{Key: "auc", Value: 0.93, Timestamp: 1}, {Key: "recall_0", Value: 0.5, Timestamp: 1}}})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := tr.LogInputs(ctx, id, []experiments.DatasetInput{{Dataset: experiments.Dataset{Name: "churn-2025", Digest: "5d41402a", SourceType: "s3", Source: `{"uri": "s3://data/churn.parquet"}`}}}); err != nil {
		e.t.Fatal(err)
	}
	root := strings.TrimPrefix(run.Info.ArtifactURI, experiments.ArtifactScheme)
	for rel, b := range files {
		if _, err := e.s.deps.Artifacts.Put(ctx, artifact.ProxiedKey(root+"/"+rel), bytes.NewReader(b)); err != nil {
			e.t.Fatal(err)
		}
	}
	return id
}

// modelAlias is the version an alias points to, 0 when unset.
func (e *uiEnv) modelAlias(alias string) int64 {
	e.t.Helper()
	v, err := e.reg.VersionByAlias(context.Background(), "churn", alias)
	if err != nil {
		return 0
	}
	return v.Version
}

func (e *uiEnv) modelGet(path string, sc *http.Cookie, hdr ...string) (int, string) {
	e.t.Helper()
	resp, body := e.do("GET", path, nil, []*http.Cookie{sc}, hdr...)
	return resp.StatusCode, body
}

// The list shows every model with its latest version and aliases; the
// name search narrows it.
func TestUIModelListAndSearch(t *testing.T) {
	e, _ := newModelsEnv(t)
	if _, err := e.reg.CreateModel(context.Background(), registry.Caller{Actor: "t"}, "fraud detector", "cards", nil); err != nil {
		t.Fatal(err)
	}
	sc, _ := e.login(auth.Viewer)
	status, page := e.modelGet("/ui/models", sc)
	if status != 200 || modelCount(page, `data-testid="model-row"`) != 2 || !strings.Contains(page, `href="/ui/models/fraud%20detector"`) ||
		!strings.Contains(page, `href="/ui/models/churn/versions/2"`) {
		t.Fatalf("model list: %d\n%s", status, page)
	}
	if _, page = e.modelGet("/ui/models?q=FRAUD", sc); modelCount(page, `data-testid="model-row"`) != 1 || !strings.Contains(page, `data-model="fraud detector"`) {
		t.Errorf("search for FRAUD:\n%s", page)
	}
	if status, page = e.modelGet("/ui/models/fraud%20detector", sc); status != 200 || !strings.Contains(page, `<h1 data-testid="model-name">fraud detector</h1>`) {
		t.Errorf("a model whose name needs escaping: %d", status)
	}
	if _, page = e.modelGet("/ui/models?q=it's", sc); modelCount(page, `data-testid="no-models"`) != 1 {
		t.Errorf("search with a quote:\n%s", page)
	}
}

func modelCount(s, sub string) int { return strings.Count(s, sub) }

// An unknown model or version is a 404 page, a malformed version a 400.
func TestUIModelPagesNotFound(t *testing.T) {
	e, _ := newModelsEnv(t)
	sc, _ := e.login(auth.Viewer)
	for path, want := range map[string]int{"/ui/models/nope": 404, "/ui/models/churn/versions/9": 404, "/ui/models/nope/versions/1": 404,
		"/ui/models/churn/versions/abc": 400, "/ui/models/churn/versions/0": 400, "/ui/models/churn/versions/2/files/model/nope": 404} {
		status, page := e.modelGet(path, sc)
		if status != want || !strings.Contains(page, `data-testid="error"`) {
			t.Errorf("GET %s: %d, want %d with the error page", path, status, want)
		}
	}
}

// Moving an alias takes two steps: the form leads to a confirmation that
// changes nothing; only the confirmed POST, with its CSRF token, moves
// the alias, and the model page then says so.
func TestUIAliasMoveConfirmStep(t *testing.T) {
	e, _ := newModelsEnv(t)
	sc, page := e.login(auth.Admin)
	_, page = e.modelGet("/ui/models/churn", sc)
	if !strings.Contains(page, `data-testid="alias-form"`) || !strings.Contains(page, `<option value="2">v2</option>`) {
		t.Fatalf("the admin has no move form:\n%s", page)
	}
	status, confirm := e.modelGet("/ui/models/churn/aliases/move?alias=alpha&version=2", sc)
	if status != 200 || !strings.Contains(confirm, "Move alpha from unset to v2?") || !strings.Contains(confirm, `data-testid="confirm-direct"`) {
		t.Fatalf("confirmation: %d\n%s", status, confirm)
	}
	if e.modelAlias("alpha") != 0 {
		t.Fatal("the confirmation step moved the alias")
	}
	form := url.Values{"alias": {"alpha"}, "version": {"2"}, "reason": {"offline eval"}}
	if resp, _ := e.do("POST", "/ui/models/churn/aliases", form, []*http.Cookie{sc}); resp.StatusCode != http.StatusForbidden || e.modelAlias("alpha") != 0 {
		t.Fatalf("a move without the CSRF token: %d, alpha at %d", resp.StatusCode, e.modelAlias("alpha"))
	}
	form.Set("csrf", csrfOf(t, confirm))
	resp, _ := e.do("POST", "/ui/models/churn/aliases", form, []*http.Cookie{sc})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/models/churn?moved=alpha" || e.modelAlias("alpha") != 2 {
		t.Fatalf("confirmed move: %d to %q, alpha at %d", resp.StatusCode, resp.Header.Get("Location"), e.modelAlias("alpha"))
	}
	if _, page = e.modelGet("/ui/models/churn?moved=alpha", sc); !strings.Contains(page, "alpha now points to v2.") {
		t.Errorf("the model page does not report the move")
	}
	// Moving it again to where it is: the confirmation says nothing would change.
	if _, confirm = e.modelGet("/ui/models/churn/aliases/move?alias=alpha&version=2", sc); !strings.Contains(confirm, `data-testid="unchanged"`) {
		t.Errorf("a no-op move is offered")
	}
	for q, want := range map[string]int{"alias=alpha&version=x": 400, "alias=v2&version=2": 400, "alias=alpha&version=7": 404} {
		if status, _ := e.modelGet("/ui/models/churn/aliases/move?"+q, sc); status != want {
			t.Errorf("confirmation for %s: %d, want %d", q, status, want)
		}
	}
}

// A viewer sees no move form and is refused both steps, even with a
// valid CSRF token.
func TestUIAliasMoveRefusesViewers(t *testing.T) {
	e, _ := newModelsEnv(t)
	sc, overview := e.login(auth.Viewer)
	_, page := e.modelGet("/ui/models/churn", sc)
	if strings.Contains(page, `data-testid="alias-form"`) || strings.Contains(page, `data-testid="model-approve"`) {
		t.Error("a viewer sees the move form or decision buttons")
	}
	if status, _ := e.modelGet("/ui/models/churn/aliases/move?alias=alpha&version=2", sc); status != http.StatusForbidden {
		t.Errorf("viewer's confirmation step: %d, want 403", status)
	}
	form := url.Values{"alias": {"alpha"}, "version": {"2"}, "csrf": {csrfOf(t, overview)}}
	if resp, _ := e.do("POST", "/ui/models/churn/aliases", form, []*http.Cookie{sc}); resp.StatusCode != http.StatusForbidden || e.modelAlias("alpha") != 0 {
		t.Errorf("viewer's move: %d, alpha at %d", resp.StatusCode, e.modelAlias("alpha"))
	}
}

// An editor's move of a guarded alias opens an approval request: the
// confirmation says it will, the alias stays, and the model page shows
// the request opened. An admin approves it from the model page and
// comes back to it.
func TestUIAliasMoveOpensApprovalAndAdminApproves(t *testing.T) {
	e, _ := newModelsEnv(t)
	sc, _ := e.login(auth.Editor)
	_, confirm := e.modelGet("/ui/models/churn/aliases/move?alias=production&version=2", sc)
	if !strings.Contains(confirm, `data-testid="confirm-guarded"`) || !strings.Contains(confirm, "Move production from unset to v2?") {
		t.Fatalf("guarded confirmation:\n%s", confirm)
	}
	form := url.Values{"alias": {"production"}, "version": {"2"}, "csrf": {csrfOf(t, confirm)}}
	resp, _ := e.do("POST", "/ui/models/churn/aliases", form, []*http.Cookie{sc})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/models/churn?request=2" || e.modelAlias("production") != 0 {
		t.Fatalf("editor's guarded move: %d to %q, production at %d", resp.StatusCode, resp.Header.Get("Location"), e.modelAlias("production"))
	}
	_, page := e.modelGet("/ui/models/churn?request=2", sc)
	if !strings.Contains(page, "Approval request #2 opened: moving production from unset to v2 waits for an admin") ||
		modelCount(page, `data-testid="model-approval"`) != 2 || strings.Contains(page, `data-testid="model-approve"`) {
		t.Fatalf("model page after the request:\n%s", page)
	}

	sc, _ = e.login(auth.Admin)
	_, page = e.modelGet("/ui/models/churn", sc)
	if modelCount(page, `data-testid="model-approve"`) != 2 || !strings.Contains(page, `name="back" value="/ui/models/churn"`) {
		t.Fatalf("the admin has no decision forms:\n%s", page)
	}
	decide := url.Values{"csrf": {csrfOf(t, page)}, "back": {"/ui/models/churn"}}
	resp, _ = e.do("POST", "/ui/approvals/2/approve", decide, []*http.Cookie{sc})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/models/churn" || e.modelAlias("production") != 2 {
		t.Fatalf("approve from the model page: %d to %q, production at %d", resp.StatusCode, resp.Header.Get("Location"), e.modelAlias("production"))
	}
	// The back field only leads inside the dashboard.
	decide.Set("back", "https://evil.example/ui/")
	resp, _ = e.do("POST", "/ui/approvals/1/reject", decide, []*http.Cookie{sc})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/" {
		t.Errorf("reject with a foreign back: %d to %q, want /ui/", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = e.modelGet("/ui/models/churn", sc); modelCount(page, `data-testid="model-approval"`) != 0 {
		t.Error("decided requests are still listed")
	}
}

// The version page shows the signature from the MLmodel, the run's
// metrics, its confusion matrix with per-class metrics derived from it,
// and files that download as they were registered.
func TestUIVersionPage(t *testing.T) {
	e, runID := newModelsEnv(t)
	sc, _ := e.login(auth.Viewer)
	status, page := e.modelGet("/ui/models/churn/versions/2", sc)
	if status != 200 {
		t.Fatalf("version page: %d\n%s", status, page)
	}
	for sub, want := range map[string]int{`data-testid="signature-field"`: 11, `data-testid="cm-cell"`: 4, `data-testid="class-row"`: 2,
		`data-testid="file"`: 2, `href="/ui/runs/` + runID + `"`: 1, `data-testid="problem"`: 0} {
		if got := modelCount(page, sub); got != want {
			t.Errorf("%d × %s, want %d", got, sub, want)
		}
	}
	// stay: precision 50/57, recall 50/53; churn: precision 40/43, recall 40/47.
	for _, want := range []string{"tensor of float32", "(-1)", ">0.8772<", ">0.9434<", ">0.9302<", ">0.8511<", "from the confusion matrix",
		"100 examples, accuracy 0.9000", ">xgboost<"} {
		if !strings.Contains(page, want) {
			t.Errorf("version page lacks %s", want)
		}
	}
	resp, body := e.do("GET", "/ui/models/churn/versions/2/files/MLmodel", nil, []*http.Cookie{sc})
	want, _ := os.ReadFile(filepath.Join("..", "testdata", "mlmodel", "xgboost_json", "MLmodel"))
	if resp.StatusCode != 200 || body != string(want) || !strings.Contains(resp.Header.Get("Content-Disposition"), "MLmodel") {
		t.Errorf("file download: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Disposition"), len(body))
	}
	resp, body = e.do("GET", "/ui/models/churn/versions/2/download", nil, []*http.Cookie{sc})
	if resp.StatusCode != 200 || modelTarNames(t, body) != "MLmodel,model.json" {
		t.Errorf("archive download: %d, entries %q", resp.StatusCode, modelTarNames(t, body))
	}
	// A confusion matrix that cannot be read is reported, and per-class
	// metrics then come from the run's recall_<class> metrics.
	files := modelDirFiles(t)
	files["confusion_matrix.json"] = []byte(`{"labels": ["a"], "matrix": [[1, 2], [3, 4]]}`)
	other := e.logModelRun("bad-matrix", files)
	admin := registry.Caller{Actor: "token:admin-user", Approver: true}
	if _, err := e.reg.CreateVersion(context.Background(), admin, registry.CreateVersionRequest{Model: "churn", Source: "runs:/" + other + "/model"}); err != nil {
		t.Fatal(err)
	}
	_, page = e.modelGet("/ui/models/churn/versions/3", sc)
	if modelCount(page, `data-testid="cm-cell"`) != 0 || !strings.Contains(page, "confusion matrix could not be used: confusion_matrix.json: 1 labels for a 2 × 2 matrix") ||
		modelCount(page, `data-testid="class-row"`) != 1 || !strings.Contains(page, "from the logged metrics") {
		t.Errorf("version with a bad matrix:\n%s", page)
	}
	// A version from an external source has no run and no files.
	status, page = e.modelGet("/ui/models/churn/versions/1", sc)
	if status != 200 || modelCount(page, `data-testid="cm-cell"`) != 0 || modelCount(page, `data-testid="file"`) != 0 {
		t.Errorf("external version page: %d\n%s", status, page)
	}
}

func modelTarNames(t *testing.T, body string) string {
	tr := tar.NewReader(strings.NewReader(body))
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return strings.Join(names, ",")
		}
		if err != nil {
			return "unreadable: " + err.Error()
		}
		names = append(names, h.Name)
	}
}

// The model page draws the lineage (version → run → commit, dataset)
// with a link to the run's page, and an htmx request gets a fragment.
func TestUIModelPageLineage(t *testing.T) {
	e, runID := newModelsEnv(t)
	sc, _ := e.login(auth.Viewer)
	_, page := e.modelGet("/ui/models/churn", sc)
	for sub, want := range map[string]int{`data-testid="lineage-node-version"`: 2, `data-testid="lineage-node-run"`: 1,
		`data-testid="lineage-node-commit"`: 1, `data-testid="lineage-node-dataset"`: 1, `data-testid="lineage-edge"`: 3,
		`<a href="/ui/runs/` + runID + `" data-testid="lineage-link-run">`: 1, `data-testid="version-row"`: 2} {
		if got := modelCount(page, sub); got != want {
			t.Errorf("%d × %s, want %d", got, sub, want)
		}
	}
	if !strings.Contains(page, "commit 9fceb02d0a") || !strings.Contains(page, ">0.93<") {
		t.Error("the lineage lacks the commit or the versions table the run's auc")
	}
	_, frag := e.modelGet("/ui/models/churn", sc, "HX-Request", "true")
	if strings.Contains(frag, "<html") || !strings.Contains(frag, `data-testid="lineage-graph"`) {
		t.Error("an htmx request did not get the fragment")
	}
}
