package server

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/serving/live"
)

// Every operations page renders for a viewer; unknown names are 404s
// and bad query values 400s, on the page as on htmx requests.
func TestUIOpsPagesAndUnknownNames(t *testing.T) {
	e := newOpsEnv(t)
	sc, _ := e.login(auth.Viewer)
	jar := []*http.Cookie{sc}
	for path, testid := range map[string]string{
		"/ui/serving": "serving-model", "/ui/serving/iris": "serving-windows", "/ui/live": "live-row",
		"/ui/live/iris-shadow": "live-facts", "/ui/training": "training-job", "/ui/training/echo": "job-facts",
	} {
		resp, page := e.do("GET", path, nil, jar)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="`+testid+`"`) {
			t.Errorf("GET %s: %d, want 200 with %s\n%.300s", path, resp.StatusCode, testid, page)
		}
	}
	for path, want := range map[string]int{
		"/ui/serving/nope": 404, "/ui/live/nope": 404, "/ui/training/nope": 404, "/ui/training/echo?run=999": 404,
		"/ui/serving/iris?window=2d": 400, "/ui/live/iris-shadow?window=soon": 400, "/ui/training/echo?run=-1": 400,
	} {
		for _, hx := range []string{"", "true"} {
			resp, page := e.do("GET", path, nil, jar, "HX-Request", hx)
			if resp.StatusCode != want || !strings.Contains(page, `data-testid="error"`) {
				t.Errorf("GET %s (htmx %q): %d, want %d with the error page", path, hx, resp.StatusCode, want)
			}
		}
	}
	resp, _ := e.do("GET", "/ui/serving/iris", nil, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("signed out: %d, want the redirect to sign in", resp.StatusCode)
	}
}

// After real predictions the serving pages chart them per version, with
// the predicted labels, from the full-rate timeline.
func TestUIServingChartsTraffic(t *testing.T) {
	e := newOpsEnv(t)
	e.predictIris(24)
	sc, _ := e.login(auth.Viewer)
	_, page := e.do("GET", "/ui/serving/iris?window=5m", nil, []*http.Cookie{sc})
	row := regexpFind(`(?s)data-testid="serving-version" data-version="1">(.*?)</tr>`, page)
	if !strings.Contains(row, "<td>24</td>") || !strings.Contains(row, "production") {
		t.Errorf("version 1 row %q, want 24 requests as production", row)
	}
	chart := chartJSON(t, page, "requests")
	total := 0.0
	for _, y := range chart.Series[0].Y {
		if y != nil {
			total += *y
		}
	}
	if len(chart.Series) != 1 || len(chart.Series[0].X) != 30 || total*10 != 24 {
		t.Errorf("request chart %d series, %d points, %v requests; want 1, 30 (5 min), 24", len(chart.Series), len(chart.Series[0].X), total*10)
	}
	labels := chartJSON(t, page, "labels-v1")
	if len(labels.Series) == 0 {
		t.Error("no predicted-label series for a classifier")
	}
	_, list := e.do("GET", "/ui/serving", nil, []*http.Cookie{sc})
	if !strings.Contains(list, `data-testid="sparkline"`) || !strings.Contains(list, "<td>0.08</td>") {
		t.Errorf("serving list lacks the sparkline or the rate of 24 requests in 5 minutes")
	}
}

type chartWireTest struct {
	Series []struct {
		Label string
		X, Y  []*float64
	}
}

func chartJSON(t *testing.T, page, id string) chartWireTest {
	t.Helper()
	raw := regexpFind(`data-testid="chart-`+id+`" data-chart="([^"]*)"`, page)
	var c chartWireTest
	if err := json.Unmarshal([]byte(html.UnescapeString(raw)), &c); err != nil {
		t.Fatalf("chart %s: %v in %q", id, err, raw)
	}
	return c
}

// The live page compares the arms of a shadow experiment, with live
// accuracy once feedback arrives; promotion is for editors, through a
// confirmation with the CSRF token, and moves production.
func TestUILiveComparesAndPromotes(t *testing.T) {
	e := newOpsEnv(t)
	ids := e.predictIris(30)
	lm := e.s.deps.Live
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := lm.Stats(context.Background(), "iris-shadow", 0)
		if err == nil && r.Alpha.Answered == len(ids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the shadow never answered every request: %+v %v", r, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var fb []live.Feedback
	for _, id := range ids {
		fb = append(fb, live.Feedback{RequestID: id, Label: json.RawMessage(`"setosa"`)})
	}
	if _, err := lm.AddFeedback(context.Background(), fb); err != nil {
		t.Fatal(err)
	}

	sc, page := e.login(auth.Viewer)
	_, page = e.do("GET", "/ui/live/iris-shadow", nil, []*http.Cookie{sc})
	for id, want := range map[string]int{"chart-agreement": 1, "live-arm": 2, "accuracy-row": 2, "delta-histogram": 1, "promote": 0, "rollback": 0} {
		if got := strings.Count(page, `data-testid="`+id+`"`); got != want {
			t.Errorf("viewer's live page: %d of %s, want %d", got, id, want)
		}
	}
	if c := chartJSON(t, page, "agreement"); len(c.Series) != 3 {
		t.Errorf("agreement chart has %d series, want rate and both bounds", len(c.Series))
	}
	csrf := csrfOf(t, page)
	if resp, _ := e.do("GET", "/ui/live/iris-shadow/confirm?action=promote", nil, []*http.Cookie{sc}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer's confirmation: %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/ui/live/iris-shadow/promote", url.Values{"csrf": {csrf}}, []*http.Cookie{sc}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer's promotion: %d, want 403", resp.StatusCode)
	}

	ec, _ := e.login(auth.Editor)
	_, page = e.do("GET", "/ui/live/iris-shadow", nil, []*http.Cookie{ec})
	if !strings.Contains(page, `data-testid="promote"`) || !strings.Contains(page, `data-testid="rollback"`) {
		t.Fatal("the editor gets no promote or rollback button")
	}
	resp, confirm := e.do("GET", "/ui/live/iris-shadow/confirm?action=promote", nil, []*http.Cookie{ec})
	if resp.StatusCode != 200 || !strings.Contains(confirm, "now production (v1)") || !strings.Contains(confirm, "alpha (v2)") {
		t.Errorf("confirmation: %d, want what moves where\n%s", resp.StatusCode, regexpFind(`(?s)(<p data-testid="confirm-effect">.*?</p>)`, confirm))
	}
	if resp, _ := e.do("POST", "/ui/live/iris-shadow/promote", url.Values{}, []*http.Cookie{ec}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("promotion without the CSRF token: %d, want 403", resp.StatusCode)
	}
	if e.aliasVersion("iris", "production") != 1 {
		t.Fatal("a refused promotion moved production")
	}
	resp, done := e.do("POST", "/ui/live/iris-shadow/promote", url.Values{"csrf": {csrfOf(t, confirm)}, "reason": {"alpha agrees"}}, []*http.Cookie{ec})
	if resp.StatusCode != 200 || !strings.Contains(done, `data-state="promoted"`) || !strings.Contains(done, "now answers with v2") {
		t.Fatalf("promotion: %d\n%s", resp.StatusCode, done)
	}
	if got := e.aliasVersion("iris", "production"); got != 2 {
		t.Errorf("after the promotion production is v%d, want v2", got)
	}
	if resp, _ := e.do("GET", "/ui/live/iris-shadow/confirm?action=explode", nil, []*http.Cookie{ec}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown action: %d, want 400", resp.StatusCode)
	}
}

func (e *uiEnv) aliasVersion(model, alias string) int64 {
	e.t.Helper()
	v, err := e.reg.VersionByAlias(context.Background(), model, alias)
	if err != nil {
		e.t.Fatal(err)
	}
	return v.Version
}

// "Run now" is for editors with the CSRF token; it lands on the job page
// following the new run, whose output streams through the session.
func TestUITrainingRunNowAndLogStream(t *testing.T) {
	e := newOpsEnv(t)
	sc, _ := e.login(auth.Viewer)
	_, page := e.do("GET", "/ui/training", nil, []*http.Cookie{sc})
	if strings.Contains(page, `data-testid="run-now"`) {
		t.Error("a viewer sees Run now")
	}
	if resp, _ := e.do("POST", "/ui/training/jobs/echo/run", url.Values{"csrf": {csrfOf(t, page)}}, []*http.Cookie{sc}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer's Run now: %d, want 403", resp.StatusCode)
	}
	ec, _ := e.login(auth.Editor)
	_, page = e.do("GET", "/ui/training/echo", nil, []*http.Cookie{ec})
	if !strings.Contains(page, `data-testid="run-now"`) {
		t.Fatal("the editor gets no Run now button")
	}
	if resp, _ := e.do("POST", "/ui/training/jobs/echo/run", url.Values{}, []*http.Cookie{ec}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("Run now without the CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/ui/training/jobs/nope/run", url.Values{"csrf": {csrfOf(t, page)}}, []*http.Cookie{ec}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("Run now of an unknown job: %d, want 404", resp.StatusCode)
	}
	resp, _ := e.do("POST", "/ui/training/jobs/echo/run", url.Values{"csrf": {csrfOf(t, page)}}, []*http.Cookie{ec})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/training/echo?run=") {
		t.Fatalf("Run now: %d to %q, want 303 to the job page", resp.StatusCode, loc)
	}
	_, page = e.do("GET", loc, nil, []*http.Cookie{ec})
	stream := regexpFind(`data-logtail="([^"]+)"`, page)
	if stream == "" || !strings.Contains(page, `data-testid="run-started"`) || !strings.Contains(page, "/logtail.js") {
		t.Fatalf("the job page does not follow the new run:\n%s", page)
	}
	if resp, _ := e.do("GET", stream, nil, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the stream without a session: %d, want the redirect to sign in", resp.StatusCode)
	}
	var body string
	deadline := time.Now().Add(15 * time.Second)
	for { // a run still queued has no stream yet
		resp, body = e.do("GET", stream, nil, []*http.Cookie{sc})
		if resp.StatusCode == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp.Header.Get("Content-Type") != "text/event-stream" || !strings.Contains(body, "data: first line\n") ||
		!strings.Contains(body, "data: second line\n") || !strings.Contains(body, "event: end") {
		t.Errorf("log stream: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

// The operations pages' numbers read naturally.
func TestOpsFormats(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Hour: "1h", 90 * time.Minute: "1h30m", time.Minute: "1m", 90 * time.Second: "1m30s", 10 * time.Second: "10s"} {
		if got := opsWindow(d); got != want {
			t.Errorf("opsWindow(%v) = %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{0: "–", 850 * time.Microsecond: "850 µs", 3250 * time.Microsecond: "3.2 ms", 2500 * time.Millisecond: "2.50 s"} {
		if got := opsLatency(d); got != want {
			t.Errorf("opsLatency(%v) = %q, want %q", d, got, want)
		}
	}
	if opsPct(0.1234) != "12.3%" || opsPct(opsRatio(1, 0)) != "–" || opsRate(0.083) != "0.08" || opsRate(1234) != "1234" {
		t.Error("percentages or rates misformatted")
	}
}

// A node without serving, live experiments or training says so on the
// list pages and has no detail pages.
func TestUIOpsPagesWhenOff(t *testing.T) {
	e := newUIEnv(t)
	sc, _ := e.login(auth.Editor)
	for path, testid := range map[string]string{"/ui/serving": "serving-off", "/ui/live": "live-off", "/ui/training": "training-off"} {
		if resp, page := e.do("GET", path, nil, []*http.Cookie{sc}); resp.StatusCode != 200 || !strings.Contains(page, `data-testid="`+testid+`"`) {
			t.Errorf("GET %s: %d, want 200 saying it is off", path, resp.StatusCode)
		}
	}
	for _, path := range []string{"/ui/serving/churn", "/ui/live/x", "/ui/training/x", "/ui/live/x/confirm?action=promote"} {
		if resp, _ := e.do("GET", path, nil, []*http.Cookie{sc}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}
