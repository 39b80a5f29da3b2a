package live

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"time"

	"github.com/paddockml/paddock/serving/live/compare"
	"github.com/paddockml/paddock/serving/predlog"
)

// Timeline bounds.
const (
	// MaxTimelineBuckets bounds the buckets of one Timeline call.
	MaxTimelineBuckets = 500
	// DeltaBins is the number of bins of the score-delta histogram.
	DeltaBins = 20
	// MaxDisagreements is how many disagreeing requests a Timeline keeps,
	// the newest.
	MaxDisagreements = 20
	// maxSampleOutput bounds a sample's outputs as the dashboard shows them.
	maxSampleOutput = 400
)

// Timeline is a shadow experiment's comparison over time, read from the
// prediction log: the agreement of the arms per time bucket with its
// Wilson interval, the histogram of alpha's score minus production's,
// and the newest requests on which they disagreed. Split experiments
// answer each request with one arm, so they have no pairs to compare:
// their Timeline is empty and Stats' split check is what describes them.
type Timeline struct {
	Since  time.Time     `json:"since"`
	Bucket time.Duration `json:"bucket"`
	// Agreement has one point per bucket, oldest first; a bucket without
	// comparable pairs has N 0 and the interval [0, 1].
	Agreement []AgreementPoint `json:"agreement"`
	// Deltas bins the score deltas evenly over [-Range, Range].
	Deltas DeltaHistogram `json:"deltas"`
	// Disagreements are the newest requests the arms disagreed on (a
	// class, or the largest score deltas when there are no classes).
	Disagreements []Disagreement `json:"disagreements"`
}

// AgreementPoint is one bucket's agreement.
type AgreementPoint struct {
	Start time.Time `json:"start"`
	N     int       `json:"n"`
	Agree int       `json:"agree"`
	Rate  float64   `json:"rate"`
	Lo    float64   `json:"ci_lo"`
	Hi    float64   `json:"ci_hi"`
}

// DeltaHistogram counts score deltas (alpha − production) in DeltaBins
// even bins over [-Range, Range].
type DeltaHistogram struct {
	N      int     `json:"n"`
	Range  float64 `json:"range"`
	Counts []int   `json:"counts"`
}

// Disagreement is a request the arms answered differently.
type Disagreement struct {
	RequestID string    `json:"request_id"`
	Time      time.Time `json:"time"`
	// ProductionClass and AlphaClass are the classes compared, when the
	// model has classes; Delta is alpha's score minus production's, when
	// both have a score.
	ProductionClass string   `json:"production_class,omitempty"`
	AlphaClass      string   `json:"alpha_class,omitempty"`
	Delta           *float64 `json:"delta,omitempty"`
	// ProductionOutputs and AlphaOutputs are the logged outputs, cut to
	// a few hundred characters.
	ProductionOutputs string `json:"production_outputs"`
	AlphaOutputs      string `json:"alpha_outputs"`
}

// Timeline compares an experiment's arms over the window before now
// (the experiment's rules.window when window is 0) in buckets of the
// given width (window/60 when 0), reading at most the newest
// maxCompared requests as Stats does.
func (m *Manager) Timeline(ctx context.Context, name string, window, bucket time.Duration) (Timeline, error) {
	m.mu.Lock()
	e, err := m.get(name)
	if err != nil {
		m.mu.Unlock()
		return Timeline{}, err
	}
	spec := e.spec
	m.mu.Unlock()
	if window <= 0 {
		window = spec.Rules.Window.Std()
	}
	if bucket <= 0 {
		bucket = window / 60
	}
	bucket = max(bucket, window/MaxTimelineBuckets, time.Second)
	now := m.now()
	acc := newTimelineAcc(now.Add(-window), now, bucket)
	if spec.Mode != "shadow" {
		return acc.result(), nil
	}
	err = m.preds.Scan(ctx, predlog.Filter{Model: spec.Model, ExperimentID: name, Since: acc.since}, func(p *predlog.Entry) error {
		acc.add(p, m.readingOf(ctx, p.Model, p.Version))
		return nil
	})
	if err != nil {
		return Timeline{}, err
	}
	return acc.result(), nil
}

// timelineAcc pairs logged arms by request and bins them.
type timelineAcc struct {
	since, until time.Time
	bucket       time.Duration
	pairs        map[string]*loggedPair
	order        []string
}

// loggedPair is one request's production and shadow rows.
type loggedPair struct {
	at                time.Time
	prod, alpha       compare.Answer
	hasProd, hasAlpha bool
	prodOut, alphaOut json.RawMessage
}

func newTimelineAcc(since, until time.Time, bucket time.Duration) *timelineAcc {
	return &timelineAcc{since: since, until: until, bucket: bucket, pairs: map[string]*loggedPair{}}
}

// add takes one logged row of the experiment.
func (a *timelineAcc) add(p *predlog.Entry, r reading) {
	lp := a.pairs[p.RequestID]
	if lp == nil {
		if len(a.order) >= maxCompared {
			return
		}
		lp = &loggedPair{}
		a.pairs[p.RequestID] = lp
		a.order = append(a.order, p.RequestID)
	}
	ans := answerOf(p, r)
	if p.Arm == predlog.ArmShadow {
		lp.alpha, lp.hasAlpha, lp.alphaOut = ans, true, p.Outputs
		return
	}
	lp.prod, lp.hasProd, lp.prodOut, lp.at = ans, true, p.Outputs, p.Time
}

// result bins the pairs both arms answered.
func (a *timelineAcc) result() Timeline {
	span := a.until.Sub(a.since)
	n := max(int((span+a.bucket-1)/a.bucket), 0) // the last bucket may be partial
	t := Timeline{Since: a.since.UTC(), Bucket: a.bucket, Agreement: make([]AgreementPoint, min(n, MaxTimelineBuckets+1)),
		Disagreements: []Disagreement{}}
	for i := range t.Agreement {
		t.Agreement[i].Start = a.since.Add(time.Duration(i) * a.bucket).UTC()
	}
	var deltas []float64
	var samples []Disagreement
	for _, id := range a.order {
		lp := a.pairs[id]
		if !lp.hasProd || !lp.hasAlpha || lp.prod.Err || lp.alpha.Err {
			continue
		}
		d, hasDelta := scoreDeltaOf(lp)
		if hasDelta {
			deltas = append(deltas, d)
		}
		if !lp.prod.HasClass || !lp.alpha.HasClass {
			if hasDelta && d != 0 {
				samples = append(samples, sampleOf(id, lp, &d))
			}
			continue
		}
		if i := int(lp.at.Sub(a.since) / a.bucket); i >= 0 && i < len(t.Agreement) {
			t.Agreement[i].N++
			if lp.prod.Class == lp.alpha.Class {
				t.Agreement[i].Agree++
			}
		}
		if lp.prod.Class != lp.alpha.Class {
			var dp *float64
			if hasDelta {
				dp = &d
			}
			samples = append(samples, sampleOf(id, lp, dp))
		}
	}
	for i := range t.Agreement {
		p := &t.Agreement[i]
		p.Lo, p.Hi = compare.Wilson(p.Agree, p.N, compare.Z95)
		if p.N > 0 {
			p.Rate = float64(p.Agree) / float64(p.N)
		}
	}
	t.Deltas = deltaHistogram(deltas)
	t.Disagreements = newestSamples(samples)
	return t
}

func scoreDeltaOf(lp *loggedPair) (float64, bool) {
	if !lp.prod.HasScore || !lp.alpha.HasScore {
		return 0, false
	}
	d := lp.alpha.Score - lp.prod.Score
	return d, !math.IsNaN(d) && !math.IsInf(d, 0)
}

func sampleOf(id string, lp *loggedPair, delta *float64) Disagreement {
	s := Disagreement{RequestID: id, Time: lp.at.UTC(), Delta: delta,
		ProductionOutputs: clip(string(lp.prodOut)), AlphaOutputs: clip(string(lp.alphaOut))}
	if lp.prod.HasClass && lp.alpha.HasClass {
		s.ProductionClass, s.AlphaClass = lp.prod.Class, lp.alpha.Class
	}
	return s
}

// newestSamples keeps the newest MaxDisagreements, newest first; without
// classes (every sample is a score delta) the largest deltas are kept.
func newestSamples(s []Disagreement) []Disagreement {
	slices.Reverse(s) // the log's order is oldest first: ties go newest first
	slices.SortStableFunc(s, func(a, b Disagreement) int {
		if a.ProductionClass == "" && b.ProductionClass == "" && a.Delta != nil && b.Delta != nil {
			if c := -cmpFloat(math.Abs(*a.Delta), math.Abs(*b.Delta)); c != 0 {
				return c
			}
		}
		return b.Time.Compare(a.Time)
	})
	return s[:min(len(s), MaxDisagreements)]
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// deltaHistogram bins deltas over a range symmetric around zero: the
// largest delta rounded up to 1, 2 or 5 times a power of ten, so small
// shifts of probabilities are not squeezed into the middle bins.
func deltaHistogram(d []float64) DeltaHistogram {
	h := DeltaHistogram{N: len(d), Counts: make([]int, DeltaBins)}
	largest := 0.0
	for _, v := range d {
		largest = max(largest, math.Abs(v))
	}
	h.Range = niceCeil(largest)
	for _, v := range d {
		i := int((v + h.Range) / (2 * h.Range) * DeltaBins)
		h.Counts[min(max(i, 0), DeltaBins-1)]++
	}
	return h
}

// niceCeil rounds x > 0 up to 1, 2 or 5 times a power of ten; 1 for 0.
func niceCeil(x float64) float64 {
	if !(x > 0) || math.IsInf(x, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// clip cuts s to maxSampleOutput bytes at a rune boundary.
func clip(s string) string {
	if len(s) <= maxSampleOutput {
		return s
	}
	cut := maxSampleOutput
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
