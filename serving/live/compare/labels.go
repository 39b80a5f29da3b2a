package compare

// accuracyAcc accumulates one arm's classification results.
type accuracyAcc struct {
	n, correct int
	support    map[string]int // true class → labels
	predicted  map[string]int // predicted class → predictions
	hits       map[string]int // class → correct predictions
}

func newAccuracyAcc() *accuracyAcc {
	return &accuracyAcc{support: map[string]int{}, predicted: map[string]int{}, hits: map[string]int{}}
}

// add counts one labeled prediction.
func (a *accuracyAcc) add(truth, pred string) {
	a.n++
	a.support[truth]++
	a.predicted[pred]++
	if truth == pred {
		a.correct++
		a.hits[truth]++
	}
}

// result is the arm's accuracy, macro F1 and recalls, nil without labels.
func (a *accuracyAcc) result() *ArmAccuracy {
	if a.n == 0 {
		return nil
	}
	r := &ArmAccuracy{N: a.n, Correct: a.correct, Accuracy: float64(a.correct) / float64(a.n)}
	r.MacroF1 = a.macroF1()
	kept, _ := topCounts(a.support, MaxClasses)
	r.RecallOmitted = len(a.support) - len(kept)
	r.Recall = make(map[string]float64, len(kept))
	for class, n := range kept {
		r.Recall[class] = float64(a.hits[class]) / float64(n)
	}
	return r
}

// macroF1 averages F1 = 2·tp/(2·tp+fp+fn) = 2·hits/(support+predicted)
// over every class that is a label or a prediction, the convention of
// scikit-learn's f1_score(average="macro").
func (a *accuracyAcc) macroF1() float64 {
	sum, classes := 0.0, 0
	for class, s := range a.support {
		sum += 2 * float64(a.hits[class]) / float64(s+a.predicted[class])
		classes++
	}
	for class := range a.predicted {
		if _, seen := a.support[class]; !seen {
			classes++ // never a label: no hits, F1 is 0
		}
	}
	return sum / float64(classes)
}

// accuracyDelta is alpha's accuracy minus production's, nil unless both
// are known.
func accuracyDelta(prod, alpha *ArmAccuracy) *float64 {
	if prod == nil || alpha == nil {
		return nil
	}
	d := alpha.Accuracy - prod.Accuracy
	return &d
}
