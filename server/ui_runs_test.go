package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/registry"
)

// runsEnv is a uiEnv with experiment tracking: experiment "churn" holds
// runs r0..r(n-1), run i with params lr and depth and metrics f1 = i/10
// and loss (a 50-step history); run 0 has two artifacts and a version of
// model "churn" registered from it.
type runsEnv struct {
	*uiEnv
	tracking *experiments.Service
	store    artifact.Store
	exp      int64
	runs     []string // run ids, by index
}

func newRunsEnv(t *testing.T, n int) *runsEnv {
	t.Helper()
	ui, tracking, store := newServerEnv(t, true)
	e := &runsEnv{uiEnv: ui, tracking: tracking, store: store}
	e.seed(n)
	return e
}

func (e *runsEnv) seed(n int) {
	ctx := context.Background()
	t := e.t
	var err error
	if e.exp, err = e.tracking.CreateExperiment(ctx, "churn", "", nil); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		st := int64(1_700_000_000_000 + i*1000)
		run, err := e.tracking.CreateRun(ctx, experiments.CreateRunRequest{ExperimentID: e.exp, RunName: fmt.Sprintf("r%d", i), StartTime: &st,
			Tags: []experiments.Tag{{Key: experiments.TagCommit, Value: fmt.Sprintf("c0ffee%d", i)}}})
		if err != nil {
			t.Fatal(err)
		}
		b := experiments.Batch{Params: []experiments.Param{{Key: "lr", Value: []string{"0.1", "0.01"}[i%2]}, {Key: "depth", Value: fmt.Sprint(3 + i)}},
			Metrics: []experiments.Metric{{Key: "f1", Value: float64(i) / 10, Timestamp: st, Step: 0}}}
		for s := range 50 {
			b.Metrics = append(b.Metrics, experiments.Metric{Key: "loss", Value: 1 / float64(s+1+i), Timestamp: st, Step: int64(s)})
		}
		if err := e.tracking.LogBatch(ctx, run.Info.RunID, b); err != nil {
			t.Fatal(err)
		}
		e.runs = append(e.runs, run.Info.RunID)
	}
	root := fmt.Sprintf("%s/%d/%s/artifacts/", artifact.ProxiedRoot, e.exp, e.runs[0])
	for name, body := range map[string]string{"model/MLmodel": "flavors: {}\n", "notes.txt": "hello artifacts"} {
		if _, err := e.store.Put(ctx, root+name, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	admin := registry.Caller{Actor: "token:admin-user", Approver: true}
	if _, err := e.reg.CreateModel(ctx, admin, "churn", "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.CreateVersion(ctx, admin, registry.CreateVersionRequest{Model: "churn", Source: "s3://bucket/churn/1", RunID: e.runs[0]}); err != nil {
		t.Fatal(err)
	}
}

// get fetches a dashboard page as role and returns status and body.
func (e *runsEnv) get(sc *http.Cookie, target string) (int, string) {
	e.t.Helper()
	resp, body := e.do("GET", target, nil, []*http.Cookie{sc})
	return resp.StatusCode, body
}

var runRowRE = regexp.MustCompile(`data-testid="run" data-run="([0-9a-f]+)"`)

// runOrder lists the runs of a table page by their index in e.runs.
func (e *runsEnv) runOrder(body string) []int {
	var out []int
	for _, m := range runRowRE.FindAllStringSubmatch(body, -1) {
		for i, id := range e.runs {
			if id == m[1] {
				out = append(out, i)
			}
		}
	}
	return out
}

func (e *runsEnv) runsURL(q url.Values) string {
	return fmt.Sprintf("/ui/experiments/%d/runs?%s", e.exp, q.Encode())
}

// The experiments list counts runs and links to each experiment's runs.
func TestUIExperimentsList(t *testing.T) {
	e := newRunsEnv(t, 3)
	sc, _ := e.login(auth.Viewer)
	status, body := e.get(sc, "/ui/experiments")
	if status != 200 {
		t.Fatalf("experiments: %d\n%s", status, body)
	}
	row := regexpFind(`(?s)(<tr data-testid="experiment" data-id="1".*?</tr>)`, body)
	if !strings.Contains(row, ">churn</a>") || !strings.Contains(row, `<td class="num">3</td>`) || !strings.Contains(row, fmt.Sprintf(`href="/ui/experiments/%d/runs"`, e.exp)) {
		t.Errorf("churn's row: %s", row)
	}
	if !strings.Contains(body, `data-id="0"`) || !strings.Contains(body, `name="experiment"`) {
		t.Errorf("the Default experiment or the checkboxes are missing")
	}
}

// The search box takes MLflow's filter language; column headers order
// the table; a refused filter shows the parser's message next to the box
// with a 400; pages follow page tokens.
func TestUIRunsFilterSortAndPages(t *testing.T) {
	e := newRunsEnv(t, 6)
	sc, _ := e.login(auth.Viewer)
	status, body := e.get(sc, e.runsURL(url.Values{}))
	if status != 200 || !equalInts(e.runOrder(body), []int{5, 4, 3, 2, 1, 0}) {
		t.Fatalf("default table: %d, order %v (want newest first)", status, e.runOrder(body))
	}
	for _, want := range []string{`data-testid="column-param"`, `data-testid="column-metric"`, `aria-sort="descending"`, `name="runs" value="` + e.runs[0] + `" form="compare"`} {
		if !strings.Contains(body, want) {
			t.Errorf("default table lacks %s", want)
		}
	}

	status, body = e.get(sc, e.runsURL(url.Values{"filter": {"params.lr = '0.1' and metrics.f1 >= 0.2"}, "order_by": {"metrics.f1 ASC"}}))
	if got := e.runOrder(body); status != 200 || !equalInts(got, []int{2, 4}) {
		t.Errorf("filtered and ordered: %d, runs %v, want [2 4]", status, got)
	}
	// The f1 header now flips to descending, keeping the filter.
	sortURL := regexpFind(`<a href="([^"]*)"[^>]*data-testid="sort">\s*f1`, body)
	if !strings.Contains(sortURL, "DESC") || !strings.Contains(sortURL, "filter=") {
		t.Errorf("f1's sort link %q does not flip to DESC with the filter kept", sortURL)
	}
	_, body = e.get(sc, strings.ReplaceAll(sortURL, "&amp;", "&"))
	if got := e.runOrder(body); !equalInts(got, []int{4, 2}) {
		t.Errorf("after the header click: runs %v, want [4 2]", got)
	}

	status, body = e.get(sc, e.runsURL(url.Values{"filter": {"metrics.f1 >> 2"}}))
	if status != http.StatusBadRequest || !strings.Contains(body, `data-testid="filter-error"`) || !strings.Contains(body, "invalid filter at position") {
		t.Errorf("bad filter: %d\n%s", status, body)
	}
	if !strings.Contains(body, `value="metrics.f1 &gt;&gt; 2"`) || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("the refused filter is not kept in the box")
	}
	if status, body = e.get(sc, e.runsURL(url.Values{"order_by": {"metrics.f1 sideways"}})); status != http.StatusBadRequest || !strings.Contains(body, "order_by") {
		t.Errorf("bad order_by: %d", status)
	}

	var seen []int
	next := e.runsURL(url.Values{"size": {"4"}})
	for next != "" {
		status, body = e.get(sc, next)
		if status != 200 {
			t.Fatalf("page %s: %d", next, status)
		}
		seen = append(seen, e.runOrder(body)...)
		next = strings.ReplaceAll(regexpFind(`data-testid="next-page"><a href="([^"]+)"`, body), "&amp;", "&")
	}
	if !equalInts(seen, []int{5, 4, 3, 2, 1, 0}) {
		t.Errorf("pages of 4 gave %v", seen)
	}
}

// The column chooser's choice lives in the query string: only the chosen
// columns show, and the search form carries them along.
func TestUIRunsColumnChooser(t *testing.T) {
	e := newRunsEnv(t, 2)
	sc, _ := e.login(auth.Viewer)
	_, body := e.get(sc, e.runsURL(url.Values{"cols": {"1"}, "metric": {"loss"}}))
	if strings.Count(body, `data-testid="column-metric"`) != 1 || strings.Count(body, `data-testid="column-param"`) != 0 {
		t.Fatalf("chosen columns: %d metric, %d param headers", strings.Count(body, `data-testid="column-metric"`), strings.Count(body, `data-testid="column-param"`))
	}
	search := regexpFind(`(?s)(<form class="runs-search".*?</form>)`, body)
	if !strings.Contains(search, `name="metric" value="loss"`) || !strings.Contains(search, `name="cols" value="1"`) {
		t.Errorf("the search form drops the columns: %s", search)
	}
	if !strings.Contains(body, `value="loss" checked`) || !strings.Contains(body, `value="f1" data-testid="choose-metric"`) {
		t.Errorf("the chooser does not show loss checked and f1 unchecked")
	}
	if status, _ := e.get(sc, e.runsURL(url.Values{"size": {"100000"}})); status != http.StatusBadRequest {
		t.Errorf("an oversized page: %d, want 400", status)
	}
	if status, _ := e.get(sc, "/ui/experiments/999/runs"); status != http.StatusNotFound {
		t.Errorf("an unknown experiment: %d, want 404", status)
	}
	if status, body := e.get(sc, fmt.Sprintf("/ui/experiments/runs?experiment=0&experiment=%d", e.exp)); status != 200 || len(e.runOrder(body)) != 2 {
		t.Errorf("two experiments: %d, %d runs", status, len(e.runOrder(body)))
	}
}

// A run's page shows its params, metrics, a curve of the chosen metric,
// tags, lineage and artifacts; directories open and files download.
func TestUIRunPage(t *testing.T) {
	e := newRunsEnv(t, 2)
	sc, _ := e.login(auth.Viewer)
	id := e.runs[0]
	status, body := e.get(sc, "/ui/runs/"+id+"?metric=loss")
	if status != 200 {
		t.Fatalf("run page: %d\n%s", status, body)
	}
	for _, want := range []string{`data-testid="chart-metric"`, "loss by step", `data-testid="commit">c0ffee0`, `href="/ui/models/churn/versions/1"`,
		`data-testid="artifact-dir"`, `/ui/runs/` + id + `/artifact?path=notes.txt`, `data-testid="params-row"`} {
		if !strings.Contains(body, want) {
			t.Errorf("run page lacks %s", want)
		}
	}
	points := regexpFind(`data-chart="([^"]*)"`, body)
	if strings.Count(points, "&#34;x&#34;") != 1 || !strings.Contains(points, "49") {
		t.Errorf("chart data holds no 50-step loss series: %.200s", points)
	}
	if strings.Contains(body, `data-testid="note-form"`) {
		t.Error("a viewer is shown the note form")
	}
	// A point logged since is drawn: the kept curve is not served stale.
	if err := e.tracking.LogMetric(context.Background(), id, experiments.Metric{Key: "loss", Value: 7.25, Timestamp: 1, Step: 50}); err != nil {
		t.Fatal(err)
	}
	if _, body := e.get(sc, "/ui/runs/"+id+"?metric=loss"); !strings.Contains(regexpFind(`data-chart="([^"]*)"`, body), "7.25") {
		t.Error("the chart does not show a point logged after the first view")
	}
	_, body = e.get(sc, "/ui/runs/"+id+"?metric=loss&path=model")
	if !strings.Contains(body, `artifact?path=model/MLmodel`) || !strings.Contains(body, `aria-current="location">model`) {
		t.Errorf("the model directory does not list MLmodel")
	}
	resp, file := e.do("GET", "/ui/runs/"+id+"/artifact?path=notes.txt", nil, []*http.Cookie{sc})
	if resp.StatusCode != 200 || file != "hello artifacts" || !strings.Contains(resp.Header.Get("Content-Disposition"), "notes.txt") {
		t.Errorf("download: %d %q %q", resp.StatusCode, file, resp.Header.Get("Content-Disposition"))
	}
}

// Paths that climb out of the run's artifacts are refused, listing or
// downloading, however they are spelled.
func TestUIRunArtifactTraversalRefused(t *testing.T) {
	e := newRunsEnv(t, 2)
	sc, _ := e.login(auth.Viewer)
	other := e.runs[1]
	for _, p := range []string{"..", "../" + other + "/artifacts", "model/../../x", "./notes.txt", "a//b", `..\x`, "%2e%2e/x"} {
		for _, target := range []string{"/ui/runs/" + e.runs[0] + "?path=", "/ui/runs/" + e.runs[0] + "/artifact?path="} {
			status, body := e.get(sc, target+url.QueryEscape(p))
			if p == "%2e%2e/x" { // decodes once, to a literal "%2e%2e" name: not found, never the parent
				if status == 200 && strings.Contains(target, "artifact?") {
					t.Errorf("%s%s: 200", target, p)
				}
				continue
			}
			if status != http.StatusBadRequest || !strings.Contains(body, "not a path inside the run") {
				t.Errorf("%s%q: %d, want 400", target, p, status)
			}
		}
	}
}

// Editing the note needs an editor's session and the form's CSRF token;
// the note is MLflow's mlflow.note.content tag.
func TestUIRunNoteEdit(t *testing.T) {
	e := newRunsEnv(t, 1)
	id := e.runs[0]
	target := "/ui/runs/" + id + "/note"
	sc, page := e.login(auth.Viewer)
	resp, _ := e.do("POST", target, url.Values{"csrf": {csrfOf(t, page)}, "note": {"viewer"}}, []*http.Cookie{sc})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer's note: %d, want 403", resp.StatusCode)
	}
	sc, page = e.login(auth.Editor)
	resp, _ = e.do("POST", target, url.Values{"note": {"no csrf"}}, []*http.Cookie{sc})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a note without the CSRF token: %d, want 403", resp.StatusCode)
	}
	run, _ := e.tracking.GetRun(context.Background(), id)
	for _, tag := range run.Tags {
		if tag.Key == experiments.TagNote {
			t.Fatalf("a refused edit set the note to %q", tag.Value)
		}
	}
	_, body := e.get(sc, "/ui/runs/"+id)
	if !strings.Contains(body, `data-testid="note-form"`) {
		t.Fatal("an editor is not shown the note form")
	}
	resp, _ = e.do("POST", target, url.Values{"csrf": {csrfOf(t, body)}, "note": {"baseline <b>run</b>\r\nsecond line"}}, []*http.Cookie{sc})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/runs/"+id {
		t.Fatalf("saving the note: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	run, _ = e.tracking.GetRun(context.Background(), id)
	if got := runTag(run.Tags, experiments.TagNote); got != "baseline <b>run</b>\nsecond line" {
		t.Errorf("note tag %q", got)
	}
	_, body = e.get(sc, "/ui/runs/"+id)
	if !strings.Contains(body, "baseline &lt;b&gt;run&lt;/b&gt;") {
		t.Error("the saved note is not shown, escaped")
	}
}

func runTag(tags []experiments.Tag, key string) string {
	for _, t := range tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// Compare takes 2 to 10 runs: differing params are marked, every run
// gets a curve, and out-of-bounds requests get a clear 400 page.
func TestUICompare(t *testing.T) {
	e := newRunsEnv(t, 11)
	sc, _ := e.login(auth.Viewer)
	status, body := e.get(sc, "/ui/compare?runs="+e.runs[0]+","+e.runs[2]+"&metric=loss")
	if status != 200 {
		t.Fatalf("compare: %d\n%s", status, body)
	}
	// lr is 0.1 for both (same), depth differs.
	if !strings.Contains(body, `data-testid="params-same"`) || strings.Count(body, `data-testid="params-differs"`) != 1 ||
		!regexp.MustCompile(`(?s)class="differs" data-testid="params-differs">\s*<th scope="row">\s*depth`).MatchString(body) {
		t.Errorf("params diff not marked on depth only")
	}
	chart := regexpFind(`data-chart="([^"]*)"`, body)
	if strings.Count(chart, "&#34;label&#34;") != 2 || !strings.Contains(chart, "r0") || !strings.Contains(chart, "r2") {
		t.Errorf("compare chart lacks one series per run: %.300s", chart)
	}
	// The form's repeated runs= also work.
	if status, _ := e.get(sc, "/ui/compare?runs="+e.runs[0]+"&runs="+e.runs[1]); status != 200 {
		t.Errorf("repeated runs=: %d", status)
	}
	cases := map[string]int{
		"/ui/compare":                                                    http.StatusBadRequest,
		"/ui/compare?runs=" + e.runs[0]:                                  http.StatusBadRequest,
		"/ui/compare?runs=" + e.runs[0] + "," + e.runs[0]:                http.StatusBadRequest,
		"/ui/compare?runs=" + strings.Join(e.runs, ","):                  http.StatusBadRequest,
		"/ui/compare?runs=" + strings.Join(e.runs[:10], ","):             http.StatusOK,
		"/ui/compare?runs=" + e.runs[0] + "," + strings.Repeat("ab", 16): http.StatusNotFound,
	}
	for target, want := range cases {
		status, body := e.get(sc, target)
		if status != want {
			t.Errorf("%.80s: %d, want %d", target, status, want)
		}
		if want == http.StatusBadRequest && !strings.Contains(body, "compare takes 2 to 10 runs") {
			t.Errorf("%.80s: the 400 page does not say why", target)
		}
	}
}

func equalInts(a, b []int) bool { return bytes.Equal([]byte(fmt.Sprint(a)), []byte(fmt.Sprint(b))) }

// Whatever path is asked for, artifactDir either refuses it or gives a
// relative path whose segments are names.
func FuzzArtifactDir(f *testing.F) {
	for _, s := range []string{"", "a/b", "../x", "a//b", "/a/", `a\b`, "./a", "a/.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := artifactDir(raw)
		if err != nil || p == "" {
			return
		}
		for _, seg := range strings.Split(p, "/") {
			if seg == "" || seg == "." || seg == ".." || strings.ContainsRune(seg, '\\') {
				t.Fatalf("%q gave %q", raw, p)
			}
		}
	})
}
