package compare

import (
	"fmt"
	"testing"
)

func TestAccuracy(t *testing.T) {
	t.Parallel()
	// Macro F1 and recall from scikit-learn 1.2.1: f1_score(average=
	// "macro", zero_division=0) and recall_score(average=None). The first
	// case has a class ("c") that is predicted but never a label: it
	// counts, with F1 0, in the average.
	cases := []struct {
		truth, pred []string
		acc, f1     float64
		recall      map[string]float64
	}{
		{[]string{"a", "a", "b"}, []string{"a", "c", "b"}, 2.0 / 3, 0.5555555555555555,
			map[string]float64{"a": 0.5, "b": 1}},
		{[]string{"x", "y", "y", "z", "z", "z"}, []string{"x", "z", "y", "z", "q", "z"}, 4.0 / 6, 0.5833333333333333,
			map[string]float64{"x": 1, "y": 0.5, "z": 2.0 / 3}},
		{[]string{"k"}, []string{"k"}, 1, 1, map[string]float64{"k": 1}},
	}
	for i, c := range cases {
		a := newAccuracyAcc()
		for j := range c.truth {
			a.add(c.truth[j], c.pred[j])
		}
		r := a.result()
		name := fmt.Sprintf("case %d", i)
		checkNear(t, name+" accuracy", r.Accuracy, c.acc, 1e-15)
		checkNear(t, name+" macro F1", r.MacroF1, c.f1, 1e-15)
		if len(r.Recall) != len(c.recall) {
			t.Errorf("%s: recall %v, want %v", name, r.Recall, c.recall)
		}
		for k, v := range c.recall {
			checkNear(t, name+" recall "+k, r.Recall[k], v, 1e-15)
		}
	}
	if newAccuracyAcc().result() != nil {
		t.Error("no labels should give no accuracy")
	}
}

func TestTopCounts(t *testing.T) {
	t.Parallel()
	counts := map[string]int{"a": 5, "b": 9, "c": 5, "d": 1}
	kept, other := topCounts(counts, 2)
	// b (9) then a and c tie at 5: a wins by name.
	if len(kept) != 2 || kept["b"] != 9 || kept["a"] != 5 || other != 6 {
		t.Errorf("topCounts = %v, other %d", kept, other)
	}
	kept, other = topCounts(counts, 10)
	if len(kept) != 4 || other != 0 {
		t.Errorf("under the limit: %v, %d", kept, other)
	}
	kept["a"] = 100
	if counts["a"] != 5 {
		t.Error("topCounts must not share the caller's map")
	}
}

func TestRegression(t *testing.T) {
	t.Parallel()
	// Errors 1, -2, 3: MAE 2, RMSE √(14/3).
	var r regressionAcc
	for _, p := range [][2]float64{{2, 1}, {0, 2}, {6, 3}} {
		r.add(p[0], p[1])
	}
	got := r.result()
	checkNear(t, "mae", got.MAE, 2, 1e-15)
	checkNear(t, "rmse", got.RMSE, 2.160246899469287, 1e-15)
	var big regressionAcc
	big.add(1e200, -1e200) // squared error overflows
	if big.result() != nil {
		t.Error("overflowing RMSE should leave the figure out")
	}
}
