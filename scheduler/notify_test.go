package scheduler

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paddockml/paddock/config"
)

// Webhooks get a JSON POST per event they asked for, retried when the
// receiver fails.
func TestWebhooksNotifiedAndRetried(t *testing.T) {
	var mu sync.Mutex
	var got []Event
	calls := 0
	done := make(chan struct{}, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // the first delivery fails
			return
		}
		var ev Event
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &ev); err != nil || r.Header.Get("X-Paddock-Event") != ev.Event || r.Method != http.MethodPost {
			t.Errorf("bad delivery %s %q: %v", r.Method, b, err)
		}
		got = append(got, ev)
		done <- struct{}{}
	}))
	defer srv.Close()
	all, onlyGate := srv.URL+"/all", srv.URL+"/gate"
	e := newEnv(t, "m")
	e.reg.aliases["m@production"] = e.reg.addVersion("m", map[string]float64{"f1": 0.9})
	j := testJob("m")
	j.Command = []any{"/bin/sh", "-c", "true"}
	j.Gate.Compare.Metric = "f1"
	j.Notify = []config.WebhookConfig{{URL: all}, {URL: onlyGate, Events: []string{EventGateFailed}}}
	s, ended := startReal(t, e, map[string]config.TrainingJob{"j": j}, func(o *Options) { o.NotifyBackoff = time.Millisecond })
	id, err := s.RunNow(context.Background(), "j", "test")
	if err != nil {
		t.Fatal(err)
	}
	waitEnd(t, s, ended, id)
	for range 3 { // gate_failed to both hooks, run_finished to one
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("webhooks not delivered")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var names []string
	for _, ev := range got {
		names = append(names, ev.Event)
		if ev.Job != "j" || ev.Model != "m" || ev.Run.ID != id || ev.Run.Gate != "fail" || ev.Run.GateReport == nil {
			t.Fatalf("event %+v", ev)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{EventGateFailed, EventGateFailed, EventRunFinished}) || calls != 4 {
		t.Fatalf("events %v in %d calls", names, calls)
	}
}
