package main

import (
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
