package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// liveSetup starts Paddock with live experiments read from a separate
// file (so tests can change it), evaluated every second, and registers
// two real scikit-learn classifiers over the same 8 features: version 1
// (a decision tree) as production and version 2 (extra trees) as alpha.
func liveSetup(t *testing.T, experiments string, extraConfig ...string) (*instance, string, [][]any) {
	t.Helper()
	dir := t.TempDir()
	expFile := filepath.Join(dir, "experiments.yaml")
	if err := os.WriteFile(expFile, []byte("experiments: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf("live:\n  file: %s\n  evaluate: 1s\n%s", expFile, strings.Join(extraConfig, "")))
	in := start(t, nil, "--config", cfg)
	v1 := registerModelDir(t, in, "iris", modelOnly(t, fixtureDir("sklearn", "decision_tree_classifier"), "model.pkl"))
	v2 := registerModelDir(t, in, "iris", modelOnly(t, fixtureDir("sklearn", "extra_trees_classifier"), "model.pkl"))
	setAlias(t, in, "iris", "production", v1)
	setAlias(t, in, "iris", "alpha", v2)
	if experiments != "" {
		writeExperiments(t, in, expFile, experiments)
	}
	rows, _ := fixtureRowsAny(t, fixtureDir("sklearn", "decision_tree_classifier"))
	return in, expFile, rows
}

// writeExperiments replaces the experiments file and reloads it.
func writeExperiments(t *testing.T, in *instance, path, yml string) (int, []byte) {
	t.Helper()
	if err := os.WriteFile(path, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	return api(t, in, "POST", "/api/experiments/reload", in.Admin, nil)
}

func fixtureRowsAny(t *testing.T, dir string) ([][]any, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "inputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	return rows, nil
}

type classified struct {
	Predictions   []any
	Probabilities [][]float64
	Version       int
	Arm           string
	Experiment    string
	RequestID     string `json:"request_id"`
}

func classify(t *testing.T, in *instance, path string, row []any, hdr ...string) (classified, int, []byte) {
	t.Helper()
	if len(hdr) == 0 {
		hdr = []string{"Content-Type", "application/json"}
	} else {
		hdr = append(hdr, "Content-Type", "application/json")
	}
	body, _ := json.Marshal(map[string]any{"rows": [][]any{row}})
	status, out := postJSON(t, in, path, body, hdr...)
	var c classified
	if status == 200 {
		decode(t, out, &c)
	}
	return c, status, out
}

type liveStats struct {
	Requests   int
	Production struct{ Answered, Errors, Missing int }
	Alpha      struct{ Answered, Errors, Missing int }
	Agreement  *struct{ Rate float64 }
	Feedback   *struct {
		Labeled        int
		Classification *struct {
			Production, Alpha *struct{ Accuracy float64 }
		}
	}
	Split *struct {
		Alpha              int
		ObservedAlphaShare float64 `json:"observed_alpha_share"`
	}
}

func stats(t *testing.T, in *instance, name string) liveStats {
	t.Helper()
	status, body := api(t, in, "GET", "/api/live/experiments/"+name+"/stats", in.Admin, nil)
	if status != 200 {
		t.Fatalf("stats: %d %s\nlog: %s", status, body, lastLines(in.Stderr.String(), 5))
	}
	var s liveStats
	decode(t, body, &s)
	return s
}

// In shadow mode every answer is production's, byte for byte what it
// is without the experiment, while alpha's answers are compared; then
// feedback moves each arm's live accuracy.
func TestLiveShadowAnswersAsProductionAndCompares(t *testing.T) {
	in, _, rows := liveSetup(t, `
experiments:
  iris-shadow:
    model: iris
    mode: shadow
    rules: {min_requests: 5}
`)
	rows = rows[:40]
	for _, r := range rows {
		alone, _, _ := classify(t, in, "/api/models/iris/versions/1/predict", r)
		got, status, out := classify(t, in, "/api/models/iris/predict", r)
		if status != 200 || got.Version != 1 || got.Arm != "" || fmt.Sprint(got.Predictions) != fmt.Sprint(alone.Predictions) ||
			fmt.Sprint(got.Probabilities) != fmt.Sprint(alone.Probabilities) {
			t.Fatalf("shadow mode changed the answer: %d %s, want %v %v", status, out, alone.Predictions, alone.Probabilities)
		}
	}
	var s liveStats
	deadline := time.Now().Add(10 * time.Second)
	for s = stats(t, in, "iris-shadow"); s.Alpha.Answered < len(rows) && time.Now().Before(deadline); s = stats(t, in, "iris-shadow") {
		time.Sleep(100 * time.Millisecond)
	}
	if s.Requests != len(rows) || s.Alpha.Answered != len(rows) || s.Production.Answered != len(rows) || s.Agreement == nil {
		t.Fatalf("comparison after %d requests: %+v", len(rows), s)
	}

	// Feedback that agrees with alpha everywhere: alpha's live accuracy
	// is 1, production's is its agreement with alpha.
	logged := readLog(t, in, "iris")
	// Label each request with alpha's answer, read from its shadow row.
	var fb []map[string]any
	byRequest := map[string]string{}
	for _, p := range logged {
		if p.Alias == "alpha" {
			var out struct{ Predictions []any }
			json.Unmarshal(p.Outputs, &out)
			byRequest[p.RequestID] = fmt.Sprint(out.Predictions[0])
		}
	}
	for id, class := range byRequest {
		fb = append(fb, map[string]any{"request_id": id, "label": class})
	}
	status, body := api(t, in, "POST", "/api/feedback", in.Admin, map[string]any{"feedback": fb})
	if status != 201 {
		t.Fatalf("feedback: %d %s", status, body)
	}
	s = stats(t, in, "iris-shadow")
	if s.Feedback == nil || s.Feedback.Labeled != len(rows) || s.Feedback.Classification == nil || s.Feedback.Classification.Alpha == nil {
		t.Fatalf("feedback not joined: %+v", s.Feedback)
	}
	if a, p := s.Feedback.Classification.Alpha.Accuracy, s.Feedback.Classification.Production.Accuracy; a != 1 || math.Abs(p-s.Agreement.Rate) > 1e-9 {
		t.Fatalf("live accuracy alpha %v production %v (agreement %v)", a, p, s.Agreement.Rate)
	}
	status, body = api(t, in, "GET", "/api/feedback/export?model=iris", in.Admin, nil)
	if status != 200 || strings.Count(string(body), "\n") != len(rows) || !strings.Contains(string(body), `"label"`) {
		t.Fatalf("export: %d %s", status, body)
	}
}

// Split mode at 20%: the observed share is within the binomial interval
// and the same sticky key always lands on the same arm.
func TestLiveSplitIsStickyAndProportional(t *testing.T) {
	in, _, rows := liveSetup(t, `
experiments:
  iris-split:
    model: iris
    mode: split
    split_percent: 20
    sticky: {header: X-User}
`)
	const users = 600
	arm := map[int]string{}
	alpha := 0
	for u := range users {
		got, status, out := classify(t, in, "/api/models/iris/predict", rows[u%len(rows)], "X-User", fmt.Sprintf("user-%d", u))
		if status != 200 || got.Experiment != "iris-split" || (got.Arm == "alpha") != (got.Version == 2) {
			t.Fatalf("split answer: %d %s", status, out)
		}
		arm[u] = got.Arm
		if got.Arm == "alpha" {
			alpha++
		}
	}
	share := float64(alpha) / users
	sd := math.Sqrt(0.2 * 0.8 / users)
	if math.Abs(share-0.2) > 4*sd {
		t.Fatalf("alpha answered %.3f of requests, want 0.2 ± %.3f", share, 4*sd)
	}
	for u := range 100 {
		got, _, _ := classify(t, in, "/api/models/iris/predict", rows[0], "X-User", fmt.Sprintf("user-%d", u))
		if got.Arm != arm[u] {
			t.Fatalf("user-%d went to %s, then to %s", u, arm[u], got.Arm)
		}
	}
	s := stats(t, in, "iris-split")
	for deadline := time.Now().Add(10 * time.Second); s.Requests < users+100 && time.Now().Before(deadline); s = stats(t, in, "iris-split") {
		time.Sleep(100 * time.Millisecond) // the log is written asynchronously
	}
	if s.Split == nil || s.Requests != users+100 || s.Split.Alpha != s.Alpha.Answered {
		t.Fatalf("split statistics: %+v", s)
	}
}

// lastLines is the end of a log, for failure messages.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
