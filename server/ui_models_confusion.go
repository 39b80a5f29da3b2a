package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/ui"
)

// confusionFile is the artifact, at the root of a run's artifacts, in
// which the run logs its confusion matrix (docs/registry.md):
//
//	{"labels": ["stay", "churn"], "matrix": [[50, 3], [7, 40]]}
//
// Row i counts the examples of true class labels[i], column j those
// predicted as labels[j] (scikit-learn's confusion_matrix layout).
const confusionFile = "confusion_matrix.json"

// Limits on a logged confusion matrix: it is read whole into memory and
// drawn cell by cell.
const (
	maxConfusionBytes   = 1 << 20
	maxConfusionClasses = 100
	maxConfusionLabel   = 200
	// maxConfusionCount keeps every sum of counts far from overflowing.
	maxConfusionCount = 1 << 40
)

// confusionMatrix is a run's confusion matrix: counts[i][j] examples of
// true class labels[i] were predicted as labels[j].
type confusionMatrix struct {
	labels []string
	counts [][]int64
}

// parseConfusion reads a confusion_matrix.json. Labels may be strings or
// numbers and may be left out (the classes are then 0, 1, ...); counts
// must be non-negative whole numbers in a square matrix.
func parseConfusion(b []byte) (confusionMatrix, error) {
	if len(b) > maxConfusionBytes {
		return confusionMatrix{}, fmt.Errorf("%d bytes: at most %d are read", len(b), maxConfusionBytes)
	}
	var raw struct {
		Labels []json.RawMessage `json:"labels"`
		Matrix [][]json.Number   `json:"matrix"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return confusionMatrix{}, fmt.Errorf(`want {"labels": [...], "matrix": [[...], ...]}: %w`, err)
	}
	n := len(raw.Matrix)
	if n == 0 || n > maxConfusionClasses {
		return confusionMatrix{}, fmt.Errorf("the matrix has %d rows: want 1 to %d classes", n, maxConfusionClasses)
	}
	labels, err := confusionLabels(raw.Labels, n)
	if err != nil {
		return confusionMatrix{}, err
	}
	m := confusionMatrix{labels: labels, counts: make([][]int64, n)}
	for i, row := range raw.Matrix {
		if len(row) != n {
			return confusionMatrix{}, fmt.Errorf("row %d has %d counts: the matrix must be %d × %d", i, len(row), n, n)
		}
		m.counts[i] = make([]int64, n)
		for j, num := range row {
			if m.counts[i][j], err = confusionCount(num); err != nil {
				return confusionMatrix{}, fmt.Errorf("cell [%d][%d]: %w", i, j, err)
			}
		}
	}
	return m, nil
}

func confusionLabels(raw []json.RawMessage, n int) ([]string, error) {
	if len(raw) == 0 {
		out := make([]string, n)
		for i := range out {
			out[i] = strconv.Itoa(i)
		}
		return out, nil
	}
	if len(raw) != n {
		return nil, fmt.Errorf("%d labels for a %d × %d matrix", len(raw), n, n)
	}
	out := make([]string, n)
	seen := make(map[string]bool, n)
	for i, r := range raw {
		var s string
		var num json.Number
		switch {
		case json.Unmarshal(r, &s) == nil:
		case json.Unmarshal(r, &num) == nil:
			s = num.String()
		default:
			return nil, fmt.Errorf("label %d is %.40s: want a string or a number", i, r)
		}
		if s == "" || len(s) > maxConfusionLabel || !utf8.ValidString(s) {
			return nil, fmt.Errorf("label %d must be 1 to %d bytes of UTF-8", i, maxConfusionLabel)
		}
		if seen[s] {
			return nil, fmt.Errorf("label %q appears twice", s)
		}
		seen[s] = true
		out[i] = s
	}
	return out, nil
}

// confusionCount accepts a whole number, written as 12 or 12.0.
func confusionCount(num json.Number) (int64, error) {
	x, err := num.Float64()
	if err != nil || math.IsInf(x, 0) || x != math.Trunc(x) || x < 0 || x > maxConfusionCount {
		return 0, fmt.Errorf("%.40s is not a count (a whole number from 0 to %d)", num.String(), int64(maxConfusionCount))
	}
	return int64(x), nil
}

// total is the number of examples, correct how many were on the
// diagonal.
func (m confusionMatrix) total() (total, correct int64) {
	for i, row := range m.counts {
		for j, n := range row {
			total += n
			if i == j {
				correct += n
			}
		}
	}
	return total, correct
}

// view is the matrix for the heatmap.
func (m confusionMatrix) view() *ui.ConfusionView {
	total, correct := m.total()
	return &ui.ConfusionView{Labels: m.labels, Counts: m.counts, Total: total, Accuracy: confusionRatio(correct, total)}
}

// perClass derives each class's precision (of the examples predicted as
// the class, the share that were), recall (of the examples of the class,
// the share predicted as it), F1 and support (its examples).
func (m confusionMatrix) perClass() []ui.ClassMetrics {
	n := len(m.labels)
	out := make([]ui.ClassMetrics, n)
	for k := range n {
		var support, predicted int64
		for i := range n {
			support += m.counts[k][i]
			predicted += m.counts[i][k]
		}
		tp := m.counts[k][k]
		out[k] = ui.ClassMetrics{Label: m.labels[k], Precision: confusionRatio(tp, predicted), Recall: confusionRatio(tp, support),
			Support: strconv.FormatInt(support, 10)}
		if predicted > 0 && support > 0 {
			// F1 is 2·tp / (predicted + support), defined whenever both are.
			out[k].F1 = confusionRatio(2*tp, predicted+support)
		}
	}
	return out
}

// confusionRatio formats a/b to four decimals, "" when b is 0.
func confusionRatio(a, b int64) string {
	if b == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(a)/float64(b), 'f', 4, 64)
}

// runConfusion reads the confusion matrix a run logged; nil without an
// error when it logged none or keeps its artifacts outside Paddock.
func (d *dashboard) runConfusion(ctx context.Context, run experiments.Run) (*confusionMatrix, error) {
	loc, ok := strings.CutPrefix(strings.TrimSuffix(run.Info.ArtifactURI, "/"), experiments.ArtifactScheme)
	if !ok {
		return nil, nil
	}
	key := artifact.ProxiedKey(path.Join(loc, confusionFile))
	rc, info, err := d.s.deps.Artifacts.Get(ctx, key)
	if errors.Is(err, artifact.ErrNotFound) || errors.Is(err, artifact.ErrInvalidKey) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if info.Size > maxConfusionBytes {
		return nil, fmt.Errorf("%s is %d bytes: at most %d are read", confusionFile, info.Size, maxConfusionBytes)
	}
	// Reading to the end lets the store check the digest.
	b, err := io.ReadAll(io.LimitReader(rc, maxConfusionBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", confusionFile, err)
	}
	m, err := parseConfusion(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", confusionFile, err)
	}
	return &m, nil
}

// classMetric is a per-class metric a run logged: recall_1 is the recall
// of class "1".
type classMetric struct{ kind, class string }

// classMetricKinds are the prefixes of per-class metric names.
var classMetricKinds = []string{"precision", "recall", "f1"}

// classMetricName splits a per-class metric name; averages such as
// f1_macro are not classes.
func classMetricName(key string) (classMetric, bool) {
	for _, kind := range classMetricKinds {
		class, ok := strings.CutPrefix(key, kind+"_")
		if ok && class != "" && !slices.Contains([]string{"macro", "micro", "weighted", "avg", "mean", "score"}, class) {
			return classMetric{kind: kind, class: class}, true
		}
	}
	return classMetric{}, false
}

// perClassFromMetrics gathers precision_<class>, recall_<class> and
// f1_<class> metrics into one row per class, in class order (numeric
// when the classes are numbers).
func perClassFromMetrics(metrics []ui.KeyValue) []ui.ClassMetrics {
	rows := map[string]*ui.ClassMetrics{}
	for _, m := range metrics {
		cm, ok := classMetricName(m.Key)
		if !ok {
			continue
		}
		r := rows[cm.class]
		if r == nil {
			r = &ui.ClassMetrics{Label: cm.class}
			rows[cm.class] = r
		}
		switch cm.kind {
		case "precision":
			r.Precision = m.Value
		case "recall":
			r.Recall = m.Value
		case "f1":
			r.F1 = m.Value
		}
	}
	out := make([]ui.ClassMetrics, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b ui.ClassMetrics) int { return compareClasses(a.Label, b.Label) })
	return out
}

// compareClasses orders numbers numerically, before names.
func compareClasses(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	switch {
	case errA == nil && errB == nil && x != y:
		if x < y {
			return -1
		}
		return 1
	case errA == nil && errB != nil:
		return -1
	case errA != nil && errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}
