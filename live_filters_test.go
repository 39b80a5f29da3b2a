package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A request a rule filter answers is no comparison: production's rule
// answer is returned, alpha is not asked, and the experiment's counts
// and error rates only hold requests the models answered.
func TestLiveShadowLeavesRuleAnswersOut(t *testing.T) {
	in, _, rows := liveSetup(t, `
experiments:
  iris-shadow:
    model: iris
    mode: shadow
`, `
serving:
  models:
    iris:
      filters:
        rules:
          - name: test-account
            field: f0
            equals: 999
            output: {label: ignored}
`)
	rows = rows[:10]
	for _, r := range rows {
		if _, status, out := classify(t, in, "/api/models/iris/predict", r); status != 200 {
			t.Fatalf("model answer: %d %s", status, out)
		}
		ruled := append([]any{999.0}, r[1:]...)
		if _, status, out := classify(t, in, "/api/models/iris/predict", ruled); status != 200 {
			t.Fatalf("rule answer: %d %s", status, out)
		}
	}
	var s liveStats
	deadline := time.Now().Add(10 * time.Second)
	for s = stats(t, in, "iris-shadow"); s.Alpha.Answered < len(rows) && time.Now().Before(deadline); s = stats(t, in, "iris-shadow") {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a shadow job for a rule answer would land by now
	s = stats(t, in, "iris-shadow")
	if s.Requests != len(rows) || s.Production.Answered != len(rows) || s.Alpha.Answered != len(rows) ||
		s.Production.Errors != 0 || s.Alpha.Errors != 0 {
		t.Fatalf("after %d model answers and %d rule answers the experiment holds %+v, want only the model answers", len(rows), len(rows), s)
	}
}

// An experiment on aliases is a standing comparison: after a promotion,
// when the retraining loop moves alpha to a new version, a new round
// starts by itself and its statistics hold only the new round.
func TestLiveNewAlphaStartsANewRound(t *testing.T) {
	in, _, rows := liveSetup(t, `
experiments:
  iris-shadow:
    model: iris
    mode: shadow
`)
	waitCompared := func(n int) liveStats {
		t.Helper()
		var s liveStats
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if s = stats(t, in, "iris-shadow"); s.Alpha.Answered >= n || time.Now().After(deadline) {
				return s
			}
		}
	}
	for _, r := range rows[:10] {
		classify(t, in, "/api/models/iris/predict", r)
	}
	waitCompared(10)
	if status, body := api(t, in, "POST", "/api/experiments/iris-shadow/promote", in.Admin, nil); status != 200 {
		t.Fatalf("promote: %d %s", status, body)
	}
	waitVersion(t, in, rows[0], 2)

	v3 := registerModelDir(t, in, "iris", modelOnly(t, fixtureDir("sklearn", "logreg_ovr"), "model.pkl"))
	setAlias(t, in, "iris", "alpha", v3)
	var view struct{ State, Reason string }
	for deadline := time.Now().Add(10 * time.Second); view.State != "running"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no new round after alpha moved to v%d: %+v", v3, view)
		}
		status, body := api(t, in, "GET", "/api/live/experiments/iris-shadow", in.Admin, nil)
		if status != 200 {
			t.Fatalf("experiment: %d %s", status, body)
		}
		decode(t, body, &view)
	}
	if !strings.Contains(view.Reason, fmt.Sprintf("alpha moved to v%d", v3)) {
		t.Errorf("round reason %q", view.Reason)
	}
	for _, r := range rows[10:15] {
		if got, status, out := classify(t, in, "/api/models/iris/predict", r); status != 200 || got.Version != 2 {
			t.Fatalf("production after promotion: %d %s", status, out)
		}
	}
	if s := waitCompared(5); s.Requests != 5 || s.Alpha.Answered != 5 {
		t.Errorf("the new round's statistics hold %+v, want only its 5 requests", s)
	}
	status, body := api(t, in, "GET", "/api/audit?action=live.experiment.round", in.Admin, nil)
	if status != 200 || !strings.Contains(string(body), fmt.Sprintf(`"alpha_version":%d`, v3)) {
		t.Errorf("audit of the new round: %d %s", status, body)
	}
}

// Installing an experiment loads both arms in the background: alpha's
// first shadow jobs do not spend their timeout loading the model.
func TestLiveExperimentWarmsBothArms(t *testing.T) {
	in, expFile, _ := liveSetup(t, "")
	if status, body := writeExperiments(t, in, expFile, "experiments:\n  iris-shadow:\n    model: iris\n    mode: shadow\n"); status != 200 {
		t.Fatalf("reload: %d %s", status, body)
	}
	var got struct {
		Models []struct {
			Model  string
			Loaded []struct{ Version int }
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		status, body := api(t, in, "GET", "/api/serving/models", in.Admin, nil)
		if status != 200 {
			t.Fatalf("serving status: %d %s", status, body)
		}
		decode(t, body, &got)
		var loaded []int
		for _, m := range got.Models {
			for _, l := range m.Loaded {
				if m.Model == "iris" {
					loaded = append(loaded, l.Version)
				}
			}
		}
		if fmt.Sprint(loaded) == "[1 2]" || fmt.Sprint(loaded) == "[2 1]" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("before any request, loaded versions of iris are %v, want production's v1 and alpha's v2", loaded)
		}
	}
}
