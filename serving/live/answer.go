package live

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/serving/live/compare"
	"github.com/paddockml/paddock/serving/predlog"
)

// reading says how to read a version's logged outputs: its task and
// class names.
type reading struct {
	task    flavor.Task
	classes []string
}

// loggedOutputs is the prediction log's outputs object.
type loggedOutputs struct {
	Predictions   json.RawMessage `json:"predictions"`
	Probabilities [][]float64     `json:"probabilities"`
}

// answerOf turns a logged prediction into what comparisons read: its
// class (the predicted label, or the most probable class), its score
// (the positive-class probability of a binary classifier, the top
// probability of a multi-class one, or the regression value) and its
// latency. A request of several rows is judged by its first row.
func answerOf(e *predlog.Entry, r reading) compare.Answer {
	a := compare.Answer{LatencyUS: e.Latency.Microseconds(), CacheHit: e.CacheHit}
	if e.Error != "" || len(e.Outputs) == 0 {
		a.Err = true
		return a
	}
	var out loggedOutputs
	if json.Unmarshal(e.Outputs, &out) != nil {
		a.Err = true
		return a
	}
	if len(out.Probabilities) > 0 && len(out.Probabilities[0]) > 0 {
		probs := out.Probabilities[0]
		best := argmax(probs)
		a.Probs, a.HasClass, a.Class = probs, true, className(best, r.classes)
		a.HasScore, a.Score = true, probs[best]
		if len(probs) == 2 {
			a.Score = probs[1]
		}
		return a
	}
	v, ok := firstValue(out.Predictions)
	switch x := v.(type) {
	case string:
		a.HasClass, a.Class = true, x
	case float64:
		a.HasScore, a.Score = true, x
		if r.task == flavor.TaskClassification && ok {
			a.HasClass, a.Class = true, numberClass(x, r.classes)
		}
	case bool:
		a.HasClass, a.Class = true, strconv.FormatBool(x)
	}
	return a
}

// firstValue digs the first scalar out of a nested JSON list.
func firstValue(raw json.RawMessage) (any, bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil, false
	}
	for {
		l, isList := v.([]any)
		if !isList {
			return v, v != nil
		}
		if len(l) == 0 {
			return nil, false
		}
		v = l[0]
	}
}

func argmax(p []float64) int {
	best := 0
	for i, x := range p {
		if x > p[best] {
			best = i
		}
	}
	return best
}

func className(i int, classes []string) string {
	if i < len(classes) {
		return classes[i]
	}
	return strconv.Itoa(i)
}

// numberClass names a numeric class prediction (an XGBoost multi:softmax
// index, a label encoded as a number).
func numberClass(x float64, classes []string) string {
	if i := int(x); float64(i) == x && i >= 0 && i < len(classes) {
		return classes[i]
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.FormatInt(int64(x), 10)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// labelOf reads a feedback label: a JSON string is a class, a number is
// a value (and, as text, a class, so that 1 matches the class "1"), a
// boolean a class "true"/"false".
func labelOf(raw string) *compare.Label {
	var v any
	if json.Unmarshal([]byte(raw), &v) != nil {
		return nil
	}
	switch x := v.(type) {
	case string:
		return &compare.Label{Class: x, HasClass: true}
	case float64:
		return &compare.Label{Value: x, HasValue: true, Class: numberClass(x, nil), HasClass: true}
	case bool:
		return &compare.Label{Class: strconv.FormatBool(x), HasClass: true}
	}
	return nil
}
