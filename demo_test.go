package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// demoCounts is what a start of the demo leaves in the store, read
// through the MLflow API.
type demoCounts struct {
	experiments, runs int
	versions          map[string]int
	aliases           map[string]map[string]string
}

func readDemoCounts(t *testing.T, in *instance) demoCounts {
	t.Helper()
	var exps struct {
		Experiments []struct {
			ID string `json:"experiment_id"`
		}
	}
	status, body := api(t, in, "POST", "/api/2.0/mlflow/experiments/search", in.Admin, map[string]any{"max_results": 1000})
	if status != 200 {
		t.Fatalf("experiments: %d %s", status, body)
	}
	decode(t, body, &exps)
	c := demoCounts{experiments: len(exps.Experiments), versions: map[string]int{}, aliases: map[string]map[string]string{}}
	var ids []string
	for _, e := range exps.Experiments {
		ids = append(ids, e.ID)
	}
	var runs struct{ Runs []any }
	status, body = api(t, in, "POST", "/api/2.0/mlflow/runs/search", in.Admin, map[string]any{"experiment_ids": ids, "max_results": 1000})
	if status != 200 {
		t.Fatalf("runs: %d %s", status, body)
	}
	decode(t, body, &runs)
	c.runs = len(runs.Runs)
	var models struct {
		Models []struct {
			Name    string
			Aliases []struct{ Alias, Version string }
		} `json:"registered_models"`
	}
	status, body = api(t, in, "GET", "/api/2.0/mlflow/registered-models/search", in.Admin, nil)
	if status != 200 {
		t.Fatalf("models: %d %s", status, body)
	}
	decode(t, body, &models)
	for _, m := range models.Models {
		var vs struct {
			Versions []any `json:"model_versions"`
		}
		_, body := api(t, in, "GET", "/api/2.0/mlflow/model-versions/search?filter="+url.QueryEscape("name='"+m.Name+"'"), in.Admin, nil)
		decode(t, body, &vs)
		c.versions[m.Name] = len(vs.Versions)
		c.aliases[m.Name] = map[string]string{}
		for _, a := range m.Aliases {
			c.aliases[m.Name][a.Alias] = a.Version
		}
	}
	return c
}

// demoStats reads the shadow experiment's comparison.
func demoStats(t *testing.T, in *instance) (compared, labeled int) {
	t.Helper()
	var s struct {
		Agreement *struct{ N int }
		Feedback  *struct{ Labeled int }
	}
	status, body := api(t, in, "GET", "/api/live/experiments/churn-shadow/stats", in.Admin, nil)
	if status != 200 {
		t.Fatalf("stats: %d %s\nlog: %s", status, body, lastLines(in.Stderr.String(), 5))
	}
	decode(t, body, &s)
	if s.Agreement != nil {
		compared = s.Agreement.N
	}
	if s.Feedback != nil {
		labeled = s.Feedback.Labeled
	}
	return compared, labeled
}

// The first start on an empty data directory brings up the demo: within
// a minute the shadow experiment compares live requests with feedback
// arriving, the dashboard's overview lists the served model, and the
// store holds the demo's experiments, runs, models, aliases and job. A
// restart keeps the demo and seeds nothing again.
func TestDemoOnFirstStart(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PADDOCK_DEMO": "true"}
	began := time.Now()
	in := startAt(t, dir, env)
	if !strings.Contains(in.Stdout.String(), "Demo project on") || !strings.Contains(in.Stdout.String(), "--no-demo") {
		t.Fatalf("no line saying the demo is on and how to turn it off: %s", in.Stdout)
	}
	compared, labeled := 0, 0
	for deadline := began.Add(60 * time.Second); (compared == 0 || labeled == 0) && time.Now().Before(deadline); {
		time.Sleep(500 * time.Millisecond)
		compared, labeled = demoStats(t, in)
	}
	if compared == 0 || labeled == 0 {
		t.Fatalf("after 60 s: %d compared, %d labelled\nlog: %s", compared, labeled, lastLines(in.Stderr.String(), 10))
	}
	t.Logf("shadow comparisons after %v: %d compared, %d labelled", time.Since(began).Round(100*time.Millisecond), compared, labeled)
	if page := overviewPage(t, in); !strings.Contains(page, `data-testid="served-model" data-model="churn"`) {
		t.Fatalf("the overview does not list churn:\n%s", page)
	}
	first := readDemoCounts(t, in)
	if first.experiments != 4 || first.runs < 12 || first.versions["churn"] != 3 || first.versions["email-intent"] != 3 ||
		first.aliases["churn"]["production"] != "2" || first.aliases["churn"]["alpha"] != "3" || first.aliases["email-intent"]["production"] == "" {
		t.Fatalf("demo store: %+v", first)
	}
	status, body := api(t, in, "GET", "/api/training/jobs/churn-retrain", in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), `"next_fire`) {
		t.Fatalf("demo training job: %d %s", status, body)
	}
	in.stop()

	again := startAt(t, dir, env)
	if !strings.Contains(again.Stdout.String(), "Demo project on") {
		t.Fatalf("restart: the demo is not on: %s", again.Stdout)
	}
	before, _ := demoStats(t, again)
	if second := readDemoCounts(t, again); second.experiments != first.experiments || second.runs != first.runs ||
		second.versions["churn"] != 3 || second.versions["email-intent"] != 3 {
		t.Fatalf("restart seeded again: %+v, first %+v", second, first)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if now, _ := demoStats(t, again); now > before {
			return
		}
	}
	t.Fatalf("restart: the traffic did not resume (%d compared)", before)
}

// overviewPage signs in to the dashboard with the admin token and reads
// its overview.
func overviewPage(t *testing.T, in *instance) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(in.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(in.URL)
	var csrf string
	for _, c := range jar.Cookies(u) {
		if c.Name == "paddock_login" {
			csrf = c.Value
		}
	}
	form := url.Values{"token": {in.Admin}, "csrf": {csrf}, "next": {"/ui/"}}
	resp, err = client.PostForm(in.URL+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/ui/" {
		t.Fatalf("sign in: %d at %s (csrf cookie %q): %.300s", resp.StatusCode, resp.Request.URL, csrf, page)
	}
	return string(page)
}

// With the demo off (flag or environment), an empty data directory stays
// empty.
func TestDemoOffLeavesTheStoreEmpty(t *testing.T) {
	for name, c := range map[string]struct {
		env  map[string]string
		args []string
	}{
		"flag": {map[string]string{"PADDOCK_DEMO": "true"}, []string{"--no-demo"}},
		"env":  {map[string]string{"PADDOCK_DEMO": "false"}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			in := start(t, c.env, c.args...)
			if strings.Contains(in.Stdout.String(), "Demo project") {
				t.Fatalf("demo announced although off: %s", in.Stdout)
			}
			time.Sleep(time.Second) // traffic, were it running, would have sent requests
			got := readDemoCounts(t, in)
			if got.experiments != 1 || got.runs != 0 || len(got.versions) != 0 {
				t.Fatalf("store after a start with the demo off: %+v", got)
			}
			status, body := api(t, in, "GET", "/api/predictions", in.Admin, nil)
			if status != 200 || strings.Contains(string(body), `"request_id"`) {
				t.Fatalf("predictions with the demo off: %d %s", status, body)
			}
		})
	}
}

// The demo's training job is a real run of the churn example: run now,
// it trains on a fresh extract, passes or fails its gate, and registers
// version 4, which serving answers with. A restart after the demo's
// churn model was deleted still starts, without the job.
func TestDemoTrainingJobRetrainsChurn(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PADDOCK_DEMO": "true"}
	in := startAt(t, dir, env)
	status, body := api(t, in, "POST", "/api/training/jobs/churn-retrain/run", in.Admin, nil)
	if status != 202 {
		t.Fatalf("run now: %d %s", status, body)
	}
	var started struct {
		RunID int64 `json:"run_id"`
	}
	decode(t, body, &started)
	var run struct {
		Status, Reason, Gate string
		ModelVersion         int64 `json:"model_version"`
	}
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		_, body = api(t, in, "GET", fmt.Sprintf("/api/training/runs/%d", started.RunID), in.Admin, nil)
		decode(t, body, &run)
		if run.Status == "FINISHED" || run.Status == "FAILED" {
			break
		}
	}
	if run.Status != "FINISHED" || (run.Gate != "pass" && run.Gate != "fail") || run.ModelVersion != 4 {
		_, logBody := api(t, in, "GET", fmt.Sprintf("/api/training/runs/%d/log", started.RunID), in.Admin, nil)
		t.Fatalf("training run: %+v\n%s", run, logBody)
	}
	t.Logf("training run %d: gate %s, registered as version %d", started.RunID, run.Gate, run.ModelVersion)
	row := `{"rows": [{"tenure_months": 3, "monthly_spend": 80, "support_tickets": 4, "logins_30d": 2, "discount": 1, "plan_pro": 0, "plan_team": 0, "late_payments": 2}]}`
	if status, body := api(t, in, "POST", "/api/models/churn/versions/4/predict", in.Admin, json.RawMessage(row)); status != 200 {
		t.Fatalf("predict with the retrained version: %d %s", status, body)
	}
	in.stop()

	in = startAt(t, dir, env)
	for _, call := range [][2]string{{"POST", "/api/live/experiments/churn-shadow/stop"}, {"DELETE", "/api/live/experiments/churn-shadow"}, {"DELETE", "/api/models/churn"}} {
		if status, body := api(t, in, call[0], call[1], in.Admin, nil); status/100 != 2 {
			t.Fatalf("%s %s: %d %s", call[0], call[1], status, body)
		}
	}
	in.stop()
	in = startAt(t, dir, env)
	if status, body := api(t, in, "GET", "/api/training/jobs/churn-retrain", in.Admin, nil); status != 404 {
		t.Fatalf("the job of a deleted model: %d %s", status, body)
	}
}
