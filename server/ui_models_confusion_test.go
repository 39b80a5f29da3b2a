package server

import (
	"strings"
	"testing"

	"github.com/paddockml/paddock/ui"
)

// A confusion_matrix.json is read with string or numeric labels (or
// none), and anything that is not a square matrix of whole counts is
// refused with a reason.
func TestParseConfusion(t *testing.T) {
	good := []struct {
		in     string
		labels string
		cells  int64
	}{
		{`{"labels": ["stay", "churn"], "matrix": [[50, 3], [7, 40]]}`, "stay,churn", 100},
		{`{"labels": [0, 1, 2], "matrix": [[1, 0, 0], [0, 2.0, 0], [0, 0, 3]]}`, "0,1,2", 6},
		{`{"matrix": [[4]]}`, "0", 4},
	}
	for _, c := range good {
		m, err := parseConfusion([]byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if total, _ := m.total(); strings.Join(m.labels, ",") != c.labels || total != c.cells {
			t.Errorf("%s: labels %v, total %d", c.in, m.labels, total)
		}
	}
	bad := map[string]string{
		`[]`:                        "want {",
		`{"matrix": []}`:            "0 rows",
		`{"matrix": [[1, 2], [3]]}`: "row 1 has 1 counts",
		`{"matrix": [[1, 2]]}`:      "row 0 has 2 counts",
		`{"matrix": [[-1]]}`:        "not a count",
		`{"matrix": [[1.5]]}`:       "not a count",
		`{"matrix": [[1e300]]}`:     "not a count",
		`{"matrix": [["x"]]}`:       "want {",
		`{"labels": ["a"], "matrix": [[1, 0], [0, 1]]}`:      "1 labels for a 2 × 2",
		`{"labels": ["a", "a"], "matrix": [[1, 0], [0, 1]]}`: "appears twice",
		`{"labels": [null], "matrix": [[1]]}`:                "label 0 must be",
		`{"labels": [{}], "matrix": [[1]]}`:                  "want a string or a number",
	}
	for in, want := range bad {
		if _, err := parseConfusion([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", in, err, want)
		}
	}
	big := `{"matrix": [` + strings.TrimSuffix(strings.Repeat("[1],", maxConfusionClasses+1), ",") + `]}`
	if _, err := parseConfusion([]byte(big)); err == nil || !strings.Contains(err.Error(), "1 to 100 classes") {
		t.Errorf("%d classes: %v", maxConfusionClasses+1, err)
	}
}

// Precision, recall and F1 per class are derived from the counts; a
// class never predicted (or never seen) has no precision (or recall).
func TestConfusionPerClass(t *testing.T) {
	m := confusionMatrix{labels: []string{"a", "b", "c"}, counts: [][]int64{{8, 2, 0}, {1, 9, 0}, {0, 0, 0}}}
	got := m.perClass()
	want := []ui.ClassMetrics{
		{Label: "a", Precision: "0.8889", Recall: "0.8000", F1: "0.8421", Support: "10"},
		{Label: "b", Precision: "0.8182", Recall: "0.9000", F1: "0.8571", Support: "10"},
		{Label: "c", Precision: "", Recall: "", F1: "", Support: "0"},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("class %s: %+v, want %+v", want[i].Label, got[i], want[i])
		}
	}
	if v := m.view(); v.Total != 20 || v.Accuracy != "0.8500" {
		t.Errorf("view: total %d, accuracy %s", v.Total, v.Accuracy)
	}
}

// Per-class metrics logged by name become one row per class in class
// order; averages are not classes.
func TestPerClassFromMetrics(t *testing.T) {
	rows := perClassFromMetrics([]ui.KeyValue{{Key: "recall_10", Value: "0.5"}, {Key: "recall_2", Value: "0.7"}, {Key: "precision_2", Value: "0.6"}, {Key: "f1_macro", Value: "0.1"},
		{Key: "f1_score", Value: "0.2"}, {Key: "recall_", Value: "0.3"}, {Key: "recall_b", Value: "0.9"}, {Key: "auc", Value: "0.8"}})
	var got []string
	for _, r := range rows {
		got = append(got, r.Label+":"+r.Precision+"/"+r.Recall)
	}
	if strings.Join(got, " ") != "2:0.6/0.7 10:/0.5 b:/0.9" {
		t.Errorf("rows %v", got)
	}
}

// The parser never panics, and what it accepts is a square matrix with
// a label per class and non-negative counts.
func FuzzParseConfusion(f *testing.F) {
	f.Add([]byte(`{"labels": ["stay", "churn"], "matrix": [[50, 3], [7, 40]]}`))
	f.Add([]byte(`{"labels": [0, 1.5], "matrix": [[0, 1e3], [2.0, 3]]}`))
	f.Add([]byte(`{"matrix": [[1]], "labels": []}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseConfusion(b)
		if err != nil {
			return
		}
		n := len(m.labels)
		if n == 0 || n > maxConfusionClasses || len(m.counts) != n {
			t.Fatalf("%d labels, %d rows", n, len(m.counts))
		}
		for _, row := range m.counts {
			if len(row) != n {
				t.Fatalf("row of %d for %d classes", len(row), n)
			}
			for _, c := range row {
				if c < 0 || c > maxConfusionCount {
					t.Fatalf("count %d", c)
				}
			}
		}
		if len(m.perClass()) != n {
			t.Fatal("per-class rows do not match the classes")
		}
	})
}
