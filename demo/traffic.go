package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"
)

// TrafficOptions configures Traffic.
type TrafficOptions struct {
	// URL is the server's base URL, e.g. "http://127.0.0.1:8080".
	URL string
	// Token authenticates the calls; posting feedback needs the editor
	// role.
	Token string
	// Rate is requests a second. Default 4.
	Rate float64
	// FeedbackShare is the share of answered requests whose true label
	// is posted back. Default 0.3.
	FeedbackShare float64
	// FeedbackDelay is the longest a label takes to arrive after its
	// prediction (as a user's correction would); each waits a random
	// time up to it. Default 10s.
	FeedbackDelay time.Duration
	// Client sends the requests; nil is a client with a 10s timeout.
	Client *http.Client
	Logger *slog.Logger
	// Stats, when set, counts what was sent.
	Stats *TrafficStats
}

// TrafficStats counts the synthetic traffic.
type TrafficStats struct {
	Requests, Failed, Labels atomic.Int64
}

// Traffic plays an application using the demo's models until ctx ends:
// Rate requests a second through the HTTP prediction API (three in four
// to churn, whose shadow experiment compares them, one in four to
// email-intent), with rows from the demo's traffic sample, and later the
// true label of FeedbackShare of them through POST /api/feedback. A
// request that fails is logged and counted, and the traffic goes on: it
// returns nil when ctx ends, and an error only for unreadable assets.
func Traffic(ctx context.Context, o TrafficOptions) error {
	t, err := newTraffic(o)
	if err != nil {
		return err
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / t.o.Rate))
	defer tick.Stop()
	flush := time.NewTicker(time.Second)
	defer flush.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			t.predict(ctx, now)
		case now := <-flush.C:
			t.flush(ctx, now)
		}
	}
}

// pendingLabel is a label waiting for its time to be sent.
type pendingLabel struct {
	RequestID string          `json:"request_id"`
	Label     json.RawMessage `json:"label"`
	Source    string          `json:"source"`
	due       time.Time
}

type traffic struct {
	o       TrafficOptions
	samples map[string]*sample
	rng     *rand.Rand
	prefix  string
	n       int64
	pending []pendingLabel
	stats   *TrafficStats
}

func newTraffic(o TrafficOptions) (*traffic, error) {
	tf, err := readTraffic()
	if err != nil {
		return nil, err
	}
	if o.Rate <= 0 {
		o.Rate = 4
	}
	if o.FeedbackShare <= 0 {
		o.FeedbackShare = 0.3
	}
	if o.FeedbackDelay <= 0 {
		o.FeedbackDelay = 10 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Stats == nil {
		o.Stats = &TrafficStats{}
	}
	now := time.Now()
	return &traffic{o: o, samples: map[string]*sample{"churn": &tf.Churn, "email-intent": &tf.Email},
		rng: rand.New(rand.NewPCG(uint64(now.UnixNano()), 0x5eed)), prefix: fmt.Sprintf("demo-%x", now.Unix()),
		stats: o.Stats}, nil
}

// predict sends one request and, for some, schedules its label.
func (t *traffic) predict(ctx context.Context, now time.Time) {
	model := "churn"
	if t.rng.IntN(4) == 0 {
		model = "email-intent"
	}
	s := t.samples[model]
	i := t.rng.IntN(len(s.Rows))
	record := make(map[string]any, len(s.Columns))
	for c, name := range s.Columns {
		record[name] = s.Rows[i][c]
	}
	body, _ := json.Marshal(map[string]any{"rows": []any{record}})
	t.n++
	id := fmt.Sprintf("%s-%d", t.prefix, t.n)
	t.stats.Requests.Add(1)
	if err := t.post(ctx, "/api/models/"+model+"/predict", body, id); err != nil {
		t.failed(ctx, "demo traffic: prediction failed", model, err)
		return
	}
	if t.rng.Float64() < t.o.FeedbackShare {
		delay := time.Duration(t.rng.Int64N(int64(t.o.FeedbackDelay)) + 1)
		t.pending = append(t.pending, pendingLabel{RequestID: id, Label: s.Labels[i], Source: "demo-app", due: now.Add(delay)})
	}
}

// flush posts the labels whose time has come, in one call.
func (t *traffic) flush(ctx context.Context, now time.Time) {
	var due, later []pendingLabel
	for _, p := range t.pending {
		if now.Before(p.due) {
			later = append(later, p)
		} else {
			due = append(due, p)
		}
	}
	t.pending = later
	if len(due) == 0 {
		return
	}
	body, _ := json.Marshal(map[string]any{"feedback": due})
	if err := t.post(ctx, "/api/feedback", body, ""); err != nil {
		t.failed(ctx, "demo traffic: feedback failed", "", err)
		return
	}
	t.stats.Labels.Add(int64(len(due)))
}

// post sends a JSON body and reads the answer to its end, so the
// connection is kept for the next request.
func (t *traffic) post(ctx context.Context, path string, body []byte, requestID string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.o.URL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+t.o.Token)
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	resp, err := t.o.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %d %s", path, resp.StatusCode, bytes.TrimSpace(answer))
	}
	return nil
}

// failed counts a failure and logs the first and every hundredth, so a
// server that is down does not flood the log; nothing is logged once
// the traffic is stopping.
func (t *traffic) failed(ctx context.Context, msg, model string, err error) {
	if ctx.Err() != nil {
		return
	}
	n := t.stats.Failed.Add(1)
	if n == 1 || n%100 == 0 {
		t.o.Logger.Warn(msg, "model", model, "failures", n, "err", err)
	}
}
