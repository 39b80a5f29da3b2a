package scheduler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/paddockml/paddock/config"
)

// The events webhooks hear of.
const (
	EventRunFinished        = "run_finished"
	EventGateFailed         = "gate_failed"
	EventPromotionRequested = "promotion_requested"
	EventPromotionDone      = "promotion_done"
)

// Event is the JSON body a webhook receives.
type Event struct {
	Event string    `json:"event"`
	Time  time.Time `json:"time"`
	Job   string    `json:"job"`
	Model string    `json:"model"`
	// Run is the run as it ended: status, gate verdict with its numbers,
	// version and promotion.
	Run RunInfo `json:"run"`
	// ApprovalRequest is the request a promotion_requested filed.
	ApprovalRequest int64 `json:"approval_request,omitempty"`
}

// event is one to send once the run is recorded.
type event struct {
	name       string
	approvalID int64
}

// sendEvents tells the job's webhooks how the run ended.
func (s *Scheduler) sendEvents(ctx context.Context, e *execution, o outcome) {
	hooks := e.job.cfg.Notify
	if len(hooks) == 0 {
		return
	}
	r, err := s.st.getRun(ctx, e.id)
	if err != nil {
		s.log.Error("training: read run for webhooks", "run", e.id, "err", err)
		return
	}
	now := s.now().UTC()
	for _, ev := range append(slices.Clone(e.events), event{name: EventRunFinished}) {
		s.notify.send(hooks, Event{Event: ev.name, Time: now, Job: e.job.name, Model: e.job.cfg.Model, Run: r, ApprovalRequest: ev.approvalID})
	}
}

// notifier posts webhooks in the background, retrying with backoff.
type notifier struct {
	client   *http.Client
	backoff  time.Duration
	attempts int
	log      *slog.Logger
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

func newNotifier(c *http.Client, backoff time.Duration, log *slog.Logger) *notifier {
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	if backoff <= 0 {
		backoff = time.Second
	}
	n := &notifier{client: c, backoff: backoff, attempts: 5, log: log}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	return n
}

func (n *notifier) send(hooks []config.WebhookConfig, ev Event) {
	body, err := json.Marshal(ev)
	if err != nil {
		n.log.Error("training: encode webhook", "err", err)
		return
	}
	for _, h := range hooks {
		if len(h.Events) > 0 && !slices.Contains(h.Events, ev.Event) {
			continue
		}
		n.wg.Add(1)
		go n.deliver(h.URL, ev.Event, body)
	}
}

// deliver posts body until the receiver answers 2xx, retrying network
// errors, 408, 429 and 5xx with a doubling backoff.
func (n *notifier) deliver(url, event string, body []byte) {
	defer n.wg.Done()
	wait := n.backoff
	for i := 1; ; i++ {
		retry, err := n.post(url, event, body)
		if err == nil {
			return
		}
		if !retry || i >= n.attempts {
			n.log.Warn("training: webhook not delivered", "url", url, "event", event, "attempts", i, "err", err)
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-n.ctx.Done():
			t.Stop()
			return
		}
		wait *= 2
	}
}

func (n *notifier) post(url, event string, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(n.ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Paddock")
	req.Header.Set("X-Paddock-Event", event)
	resp, err := n.client.Do(req)
	if err != nil {
		return n.ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return false, nil
	}
	c := resp.StatusCode
	return c >= 500 || c == http.StatusRequestTimeout || c == http.StatusTooManyRequests, fmt.Errorf("answered %s", resp.Status)
}

// drain waits for deliveries for at most d, then abandons the rest.
func (n *notifier) drain(d time.Duration) {
	done := make(chan struct{})
	go func() {
		n.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		n.cancel()
		<-done
	}
	n.cancel()
}
