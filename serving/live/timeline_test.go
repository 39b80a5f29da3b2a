package live

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/serving/predlog"
)

var irisReading = reading{task: flavor.TaskClassification, classes: []string{"setosa", "versicolor", "virginica"}}

// logged is a logged row of one arm answering with class best and the
// probability p of it (the rest shared by the other two classes).
func logged(id, arm string, at time.Time, best int, p float64) *predlog.Entry {
	probs := []float64{(1 - p) / 2, (1 - p) / 2, (1 - p) / 2}
	probs[best] = p
	out, _ := json.Marshal(map[string]any{"predictions": []string{irisReading.classes[best]}, "probabilities": [][]float64{probs}})
	return &predlog.Entry{RequestID: id, Arm: arm, Time: at, Outputs: out, Latency: time.Millisecond}
}

// Agreement is counted per bucket of the production row's time with its
// Wilson interval; pairs missing an arm or with a failed arm are left
// out; the newest disagreements are kept, newest first, with both
// outputs.
func TestTimelineAgreementPerBucket(t *testing.T) {
	since := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	acc := newTimelineAcc(since, since.Add(3*time.Minute), time.Minute)
	add := func(id string, minute, prod, alpha int) {
		at := since.Add(time.Duration(minute)*time.Minute + time.Second)
		acc.add(logged(id, predlog.ArmProduction, at, prod, 0.9), irisReading)
		acc.add(logged(id, predlog.ArmShadow, at.Add(time.Millisecond), alpha, 0.62), irisReading)
	}
	for i := range 10 { // minute 0: 8 of 10 agree
		alpha := 0
		if i >= 8 {
			alpha = 2
		}
		add(fmt.Sprintf("a%d", i), 0, 0, alpha)
	}
	add("b0", 2, 1, 1)                                                                              // minute 2: one agreeing pair
	acc.add(logged("lonely", predlog.ArmProduction, since.Add(2*time.Minute), 0, 0.9), irisReading) // shadow dropped
	failed := &predlog.Entry{RequestID: "failed", Arm: predlog.ArmShadow, Error: "boom"}
	acc.add(logged("failed", predlog.ArmProduction, since.Add(2*time.Minute), 0, 0.9), irisReading)
	acc.add(failed, irisReading)

	tl := acc.result()
	if len(tl.Agreement) != 3 {
		t.Fatalf("%d buckets, want 3", len(tl.Agreement))
	}
	first, empty, last := tl.Agreement[0], tl.Agreement[1], tl.Agreement[2]
	if first.N != 10 || first.Agree != 8 || first.Rate != 0.8 || !(first.Lo < 0.8 && first.Hi > 0.8 && first.Lo > 0.4 && first.Hi < 1) {
		t.Errorf("minute 0: %+v, want 8 of 10 with an interval around 0.8", first)
	}
	if empty.N != 0 || empty.Lo != 0 || empty.Hi != 1 {
		t.Errorf("empty minute: %+v, want no pairs and the interval [0, 1]", empty)
	}
	if last.N != 1 || last.Agree != 1 || last.Hi != 1 {
		t.Errorf("minute 2: %+v", last)
	}
	if len(tl.Disagreements) != 2 || tl.Disagreements[0].RequestID != "a9" || tl.Disagreements[1].RequestID != "a8" {
		t.Fatalf("disagreements %+v, want a9 then a8", tl.Disagreements)
	}
	d := tl.Disagreements[0]
	if d.ProductionClass != "setosa" || d.AlphaClass != "virginica" || !strings.Contains(d.ProductionOutputs, "setosa") ||
		!strings.Contains(d.AlphaOutputs, "virginica") || d.Delta == nil {
		t.Errorf("sample %+v", d)
	}
	// Scores are the top probability (three classes): 0.62 − 0.9 for
	// every pair that answered; range rounds up from 0.28 to 0.5.
	if tl.Deltas.N != 11 || tl.Deltas.Range != 0.5 {
		t.Errorf("deltas: n %d range %v, want 11 over ±0.5", tl.Deltas.N, tl.Deltas.Range)
	}
	bin := 4 // -0.28 in 20 bins over [-0.5, 0.5]
	if tl.Deltas.Counts[bin] != 11 {
		t.Errorf("delta bins %v, want all 11 in bin %d", tl.Deltas.Counts, bin)
	}
}

// Without classes (a regression), the samples are the largest deltas.
func TestTimelineRegressionSamples(t *testing.T) {
	since := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	acc := newTimelineAcc(since, since.Add(time.Minute), time.Minute)
	reg := reading{task: flavor.TaskRegression}
	for i := range 30 {
		at := since.Add(time.Duration(i) * time.Second)
		id := fmt.Sprintf("r%d", i)
		acc.add(&predlog.Entry{RequestID: id, Arm: predlog.ArmProduction, Time: at, Outputs: json.RawMessage(`{"predictions":[10]}`)}, reg)
		acc.add(&predlog.Entry{RequestID: id, Arm: predlog.ArmShadow, Time: at, Outputs: json.RawMessage(fmt.Sprintf(`{"predictions":[%d]}`, 10+i))}, reg)
	}
	tl := acc.result()
	if tl.Agreement[0].N != 0 {
		t.Errorf("a regression has agreement %+v", tl.Agreement[0])
	}
	if len(tl.Disagreements) != MaxDisagreements || *tl.Disagreements[0].Delta != 29 || tl.Deltas.Range != 50 {
		t.Errorf("%d samples, first delta %v, range %v; want %d, 29, 50", len(tl.Disagreements), *tl.Disagreements[0].Delta, tl.Deltas.Range, MaxDisagreements)
	}
}

func TestNiceCeilAndClip(t *testing.T) {
	for x, want := range map[float64]float64{0: 1, 0.3: 0.5, 0.05: 0.05, 1: 1, 1.2: 2, 7: 10, 340: 500} {
		if got := niceCeil(x); got < want*0.999999 || got > want*1.000001 {
			t.Errorf("niceCeil(%v) = %v, want %v", x, got, want)
		}
	}
	long := strings.Repeat("é", 300)
	if c := clip(long); len(c) > maxSampleOutput+len("…") || !strings.HasSuffix(c, "…") || !strings.HasPrefix(long, strings.TrimSuffix(c, "…")) {
		t.Errorf("clip cut %d bytes badly", len(c))
	}
}
