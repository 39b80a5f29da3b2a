package compare

import (
	"math"
	"testing"
)

func TestCompareSplitEmpty(t *testing.T) {
	t.Parallel()
	r := CompareSplit(nil, 0.1)
	if r.Mode != ModeSplit || r.Requests != 0 || r.Split == nil || r.Split.PValue != nil || r.Split.SRM || r.Feedback != nil {
		t.Errorf("empty split: %+v / %+v", r, r.Split)
	}
	if s := r.Split; s.ShareLo != 0 || s.ShareHi != 1 || !s.WithinInterval {
		t.Errorf("no traffic is consistent with any share: %+v", *s)
	}
	mustJSON(t, r)
	for _, share := range []float64{math.NaN(), math.Inf(1), -1, 0, 1, 2} {
		mustJSON(t, CompareSplit([]Single{{Arm: ArmAlpha, Answer: cls("a")}}, share))
	}
}

func TestCompareSplitArms(t *testing.T) {
	t.Parallel()
	lab := &Label{Class: "a", HasClass: true}
	singles := []Single{
		{Arm: ArmAlpha, Answer: cls("a"), Label: lab},
		{Arm: ArmAlpha, Answer: cls("b"), Label: lab},
		{Arm: ArmProduction, Answer: cls("a"), Label: lab},
		{Arm: ArmProduction, Answer: Answer{Err: true}},
		{Arm: "shadow", Answer: cls("a"), Label: lab}, // neither arm
		{Arm: "", Answer: cls("a")},
	}
	r := CompareSplit(singles, 0.5)
	if r.Requests != 6 || r.Alpha.Requests != 2 || r.Production.Requests != 2 || r.Production.Errors != 1 {
		t.Errorf("counts: %+v / %+v", r.Alpha, r.Production)
	}
	s := r.Split
	if s.Alpha != 2 || s.Production != 2 || s.UnknownArm != 2 || s.PValue == nil || *s.PValue != 1 || s.SRM {
		t.Errorf("split check: %+v", *s)
	}
	if r.Agreement != nil || r.Confusion != nil || r.ScoreDelta != nil {
		t.Error("split mode has no paired figures")
	}
	c := r.Feedback.Classification
	if r.Feedback.Labeled != 3 || c.Alpha.Accuracy != 0.5 || c.Production.Accuracy != 1 || c.McNemar != nil {
		t.Errorf("feedback: %+v, %+v, %+v", *r.Feedback, *c.Alpha, *c.Production)
	}
	if d := *c.AccuracyDelta; d != -0.5 {
		t.Errorf("accuracy delta %g, want -0.5", d)
	}
}

func TestCompareSplitOneArmLabeled(t *testing.T) {
	t.Parallel()
	r := CompareSplit([]Single{{Arm: ArmAlpha, Answer: cls("a"), Label: &Label{Class: "a", HasClass: true}},
		{Arm: ArmProduction, Answer: cls("a")}}, 0.5)
	c := r.Feedback.Classification
	if c.Alpha == nil || c.Production != nil || c.AccuracyDelta != nil {
		t.Errorf("one labeled arm: %+v", *c)
	}
	if _, ok := r.Metric("accuracy_delta"); ok {
		t.Error("accuracy_delta needs both arms")
	}
	if v, ok := r.Metric("alpha_accuracy"); !ok || v != 1 {
		t.Errorf("alpha_accuracy = %g, %v", v, ok)
	}
}
