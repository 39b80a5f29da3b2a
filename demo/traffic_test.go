package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// recorder is a stand-in server that keeps what the traffic sent.
type recorder struct {
	mu       sync.Mutex
	rows     map[string]map[string]any // request id -> the row sent
	models   map[string]int
	labels   map[string]json.RawMessage
	badAuth  int
	failNext int
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Header.Get("Authorization") != "Bearer tok" {
		r.badAuth++
	}
	body, _ := io.ReadAll(req.Body)
	if r.failNext > 0 {
		r.failNext--
		http.Error(w, `{"error":{"code":"unavailable"}}`, http.StatusServiceUnavailable)
		return
	}
	switch {
	case req.URL.Path == "/api/feedback":
		var fb struct {
			Feedback []struct {
				RequestID string          `json:"request_id"`
				Label     json.RawMessage `json:"label"`
			}
		}
		if err := json.Unmarshal(body, &fb); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for _, f := range fb.Feedback {
			r.labels[f.RequestID] = f.Label
		}
	case strings.HasPrefix(req.URL.Path, "/api/models/"):
		var p struct{ Rows []map[string]any }
		if err := json.Unmarshal(body, &p); err != nil || len(p.Rows) != 1 {
			http.Error(w, fmt.Sprint(err), 400)
			return
		}
		r.models[strings.Split(req.URL.Path, "/")[3]]++
		r.rows[req.Header.Get("X-Request-Id")] = p.Rows[0]
	default:
		http.NotFound(w, req)
		return
	}
	w.Write([]byte(`{}`))
}

// Traffic sends whole rows of the sample to both models, keeps going
// after failures, and posts for about 30 % of the answered requests the
// true label of the very row that was sent; it stops when ctx ends.
func TestTrafficSendsRowsAndTheirLabels(t *testing.T) {
	rec := &recorder{rows: map[string]map[string]any{}, models: map[string]int{}, labels: map[string]json.RawMessage{}, failNext: 3}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	stats := &TrafficStats{}
	began := time.Now()
	err := Traffic(ctx, TrafficOptions{URL: srv.URL, Token: "tok", Rate: 80, FeedbackDelay: 300 * time.Millisecond, Stats: stats})
	if err != nil || time.Since(began) > 3*time.Second {
		t.Fatalf("Traffic = %v after %v", err, time.Since(began))
	}
	tf, _ := readTraffic()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.badAuth > 0 || rec.models["churn"] < 60 || rec.models["email-intent"] < 10 || stats.Failed.Load() != 3 {
		t.Fatalf("requests by model %v, %d without the token, %d failed", rec.models, rec.badAuth, stats.Failed.Load())
	}
	answered := len(rec.rows)
	share := float64(len(rec.labels)) / float64(answered)
	if share < 0.15 || share > 0.45 || stats.Labels.Load() != int64(len(rec.labels)) {
		t.Fatalf("%d labels for %d requests (%.2f), %d counted", len(rec.labels), answered, share, stats.Labels.Load())
	}
	for id, label := range rec.labels {
		row, ok := rec.rows[id]
		if !ok {
			t.Fatalf("label for %s, which was never predicted", id)
		}
		if want := labelOfRow(t, tf, row); string(want) != string(label) {
			t.Fatalf("request %s: label %s, but its row %v is labelled %s", id, label, row, want)
		}
	}
}

// labelOfRow finds a row in the sample it came from and returns its label.
func labelOfRow(t *testing.T, tf *trafficFile, row map[string]any) json.RawMessage {
	t.Helper()
	for _, s := range []*sample{&tf.Churn, &tf.Email} {
		if len(row) != len(s.Columns) {
			continue
		}
	rows:
		for i, r := range s.Rows {
			for c, name := range s.Columns {
				if fmt.Sprint(row[name]) != fmt.Sprint(r[c]) {
					continue rows
				}
			}
			return s.Labels[i]
		}
	}
	t.Fatalf("row %v is in no sample", row)
	return nil
}

// Job writes the scripts it runs and is a valid job on a schedule.
func TestJobWritesItsScripts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "job")
	scripts := fstest.MapFS{"make_data.py": {Data: []byte("# data")}, "train.py": {Data: []byte("# train")}}
	j, err := Job(dir, scripts)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range scripts {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(b) != string(f.Data) {
			t.Fatalf("%s: %q, %v", name, b, err)
		}
	}
	argv, err := j.Argv()
	if err != nil || j.Model != "churn" || j.Schedule == "" || j.Workdir != dir || len(argv) != 3 || !strings.Contains(argv[2], "train.py") {
		t.Fatalf("job %+v, argv %q, %v", j, argv, err)
	}
	if _, err := Job(dir, fstest.MapFS{"train.py": {}}); err == nil {
		t.Fatal("a job without make_data.py was made")
	}
}

// Without its Python, a run of the job fails at once and says why.
func TestJobWithoutPythonFailsWithTheReason(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", jobCommand("/nonexistent/python3"))
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "needs /nonexistent/python3 with numpy and xgboost") {
		t.Fatalf("exit %v, output %q", err, out)
	}
}
