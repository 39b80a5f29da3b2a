package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

type experimentView struct {
	State, Reason string
	Counters      struct {
		Shadowed      int64
		ShadowDropped int64 `json:"shadow_dropped"`
	}
}

func experimentState(t *testing.T, in *instance, name string) experimentView {
	t.Helper()
	status, body := api(t, in, "GET", "/api/live/experiments/"+name, in.Admin, nil)
	if status != 200 {
		t.Fatalf("experiment %s: %d %s", name, status, body)
	}
	var v experimentView
	decode(t, body, &v)
	return v
}

// A canary whose alpha fails rolls itself back, and production answers
// everything again; the decision is in the audit log with its reason.
func TestLiveCanaryRollsBackByItself(t *testing.T) {
	in, expFile, rows := liveSetup(t, "")
	broken := registerModelDir(t, in, "iris", modelOnly(t, fixtureDir("sklearn", "scaler_logreg_binary"), "model.pkl")) // 12 features: every 8-feature row fails
	setAlias(t, in, "iris", "candidate", broken)
	if status, body := writeExperiments(t, in, expFile, `
experiments:
  iris-canary:
    model: iris
    alpha: candidate
    mode: canary
    canary: {steps: [{percent: 50, hold: 1h}, {percent: 100, hold: 1h}]}
    rules: {min_requests: 10, rollback: ["error_rate > 0.2"]}
`); status != 200 {
		t.Fatalf("reload: %d %s", status, body)
	}
	failed := 0
	for i := range 40 {
		if _, status, _ := classify(t, in, "/api/models/iris/predict", rows[i%len(rows)]); status == 400 {
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("the canary's broken alpha answered nothing: the test means nothing")
	}
	deadline := time.Now().Add(15 * time.Second)
	for experimentState(t, in, "iris-canary").State != "rolled_back" {
		if time.Now().After(deadline) {
			t.Fatalf("canary not rolled back: %+v", experimentState(t, in, "iris-canary"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if v := experimentState(t, in, "iris-canary"); !strings.Contains(v.Reason, "error_rate > 0.2") {
		t.Fatalf("rollback reason: %q", v.Reason)
	}
	for i := range 20 {
		got, status, out := classify(t, in, "/api/models/iris/predict", rows[i%len(rows)])
		if status != 200 || got.Version != 1 || got.Arm != "" {
			t.Fatalf("after rollback: %d %s", status, out)
		}
	}
	status, body := api(t, in, "GET", "/api/audit?resource_kind=live_experiment&resource_id=iris-canary", in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), `"live.experiment.rollback"`) || !strings.Contains(string(body), "system:live-experiments") {
		t.Fatalf("audit: %d %s", status, body)
	}
}

// Promote moves production to alpha's version through the registry, and
// serving follows; rollback moves it back. Both are audited.
func TestLivePromoteAndRollback(t *testing.T) {
	in, _, rows := liveSetup(t, `
experiments:
  iris-shadow:
    model: iris
    mode: shadow
`)
	for _, r := range rows[:10] {
		classify(t, in, "/api/models/iris/predict", r)
	}
	for deadline := time.Now().Add(10 * time.Second); stats(t, in, "iris-shadow").Alpha.Answered < 10; {
		if time.Now().After(deadline) {
			t.Fatal("the comparison never reached 10 requests")
		}
		time.Sleep(50 * time.Millisecond)
	}
	status, body := api(t, in, "POST", "/api/experiments/iris-shadow/promote", in.Admin, map[string]any{"reason": "alpha is as good and faster"})
	if status != 200 || !strings.Contains(string(body), `"state":"promoted"`) || !strings.Contains(string(body), `"version":2`) {
		t.Fatalf("promote: %d %s", status, body)
	}
	waitVersion(t, in, rows[0], 2)
	status, body = api(t, in, "POST", "/api/experiments/iris-shadow/rollback", in.Admin, map[string]any{"reason": "complaints"})
	if status != 200 || !strings.Contains(string(body), `"state":"rolled_back"`) || !strings.Contains(string(body), `"version":1`) {
		t.Fatalf("rollback: %d %s", status, body)
	}
	waitVersion(t, in, rows[0], 1)
	status, body = api(t, in, "GET", "/api/audit?resource_kind=live_experiment&resource_id=iris-shadow", in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), `"live.experiment.promote"`) || !strings.Contains(string(body), `"live.experiment.rollback"`) ||
		!strings.Contains(string(body), `"requests":10`) {
		t.Fatalf("audit: %d %s", status, body)
	}
	status, body = api(t, in, "GET", "/api/audit?resource_kind=alias&resource_id=iris@production", in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), "alpha is as good and faster") {
		t.Fatalf("alias audit: %d %s", status, body)
	}
	status, body = api(t, in, "POST", "/api/experiments/iris-shadow/promote", in.Admin, nil)
	wantError(t, status, body, 412, "failed_precondition")
}

func waitVersion(t *testing.T, in *instance, row []any, version int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, status, out := classify(t, in, "/api/models/iris/predict", row)
		if status == 200 && got.Version == version {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("production never answered with version %d: %d %s", version, status, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// An invalid experiments file is refused as a whole, naming the key, and
// the experiment already running keeps running.
func TestLiveInvalidReloadKeepsRunningExperiments(t *testing.T) {
	in, expFile, rows := liveSetup(t, `
experiments:
  iris-shadow:
    model: iris
    mode: shadow
`)
	for yml, want := range map[string]string{
		"experiments:\n  iris-shadow:\n    model: iris\n    mode: split\n    split_percent: 120\n":   "live.experiments.iris-shadow.split_percent",
		"experiments:\n  iris-shadow:\n    model: nope\n":                                            "live.experiments.iris-shadow.model: no registered model",
		"experiments:\n  iris-shadow:\n    model: iris\n    alpha: beta\n":                           "live.experiments.iris-shadow.alpha",
		"experiments:\n  iris-shadow:\n    model: iris\n    rules: {promote: [\"happiness > 1\"]}\n": "live.experiments.iris-shadow.rules.promote[0]",
		"experiments:\n  iris-shadow:\n    modle: iris\n":                                            `live.experiments.iris-shadow.modle: unknown key`,
	} {
		status, body := writeExperiments(t, in, expFile, yml)
		wantError(t, status, body, 400, "invalid_argument")
		if !strings.Contains(string(body), want) {
			t.Errorf("refusal should name %q: %s", want, body)
		}
	}
	if v := experimentState(t, in, "iris-shadow"); v.State != "running" {
		t.Fatalf("the running experiment was disturbed: %+v", v)
	}
	before := experimentState(t, in, "iris-shadow").Counters.Shadowed
	classify(t, in, "/api/models/iris/predict", rows[0])
	deadline := time.Now().Add(5 * time.Second)
	for experimentState(t, in, "iris-shadow").Counters.Shadowed == before {
		if time.Now().After(deadline) {
			t.Fatal("the previous experiment stopped shadowing after a refused reload")
		}
		time.Sleep(20 * time.Millisecond)
	}
	status, body := api(t, in, "GET", "/api/live/experiments", in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), `"reload_error"`) {
		t.Fatalf("the list should show the refused reload: %d %s", status, body)
	}
}

// Under overload the shadow queue drops instead of blocking production,
// and the drops are counted in the API and /metrics.
func TestLiveShadowDropsUnderOverload(t *testing.T) {
	in, _, rows := liveSetup(t, `
experiments:
  iris-shadow:
    model: iris
    mode: shadow
`, "  shadow:\n    queue: 1\n    workers: 1\n")
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	deadline := time.Now().Add(10 * time.Second)
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				_, status, raw := predictRaw(in, "/api/models/iris/predict", map[string]any{"rows": rows[(c+i)%len(rows) : (c+i)%len(rows)+1]})
				if status != 200 {
					errs <- fmt.Sprintf("%d %s", status, raw)
					return
				}
				if i%50 == 0 && experimentState(t, in, "iris-shadow").Counters.ShadowDropped > 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("production failed under shadow overload: %s", e)
	}
	if experimentState(t, in, "iris-shadow").Counters.ShadowDropped == 0 {
		t.Fatal("no shadow prediction was dropped with a queue of 1")
	}
	_, metrics, _ := in.call("GET", "/metrics", "", nil)
	if !strings.Contains(string(metrics), `paddock_live_shadow_dropped_total{experiment="iris-shadow"}`) {
		t.Fatal("/metrics lacks the shadow drop count")
	}
}

// Feedback takes one label or a list; a class named "feedback" is a
// label like any other, and bad bodies are 400s.
func TestLiveFeedbackBodies(t *testing.T) {
	in, _, _ := liveSetup(t, "")
	for _, c := range []struct {
		body   string
		status int
	}{
		{`{"request_id": "r1", "label": "feedback"}`, 201},
		{`{"feedback": [{"request_id": "r2", "label": 1}, {"request_id": "r3", "label": "churned"}]}`, 201},
		{`{"request_id": "r4", "label": null}`, 400},
		{`{"request_id": "", "label": "x"}`, 400},
		{`{"request_id": "r5", "label": "x", "colour": "red"}`, 400},
		{`{"feedback": [{"request_id": "r6", "label": "x"}], "request_id": "r7"}`, 400},
		{`[1, 2]`, 400},
		{`{"request_id": "r8", "label": `, 400},
	} {
		status, body := postJSON(t, in, "/api/feedback", c.body)
		if status != c.status {
			t.Errorf("%s: %d %s, want %d", c.body, status, body, c.status)
		}
	}
	status, body := api(t, in, "GET", "/api/feedback/export?model=iris", in.Admin, nil)
	if status != 200 || len(body) != 0 {
		t.Fatalf("labels without logged predictions export nothing: %d %s", status, body)
	}
}
