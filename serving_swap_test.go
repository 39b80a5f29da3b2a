package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type prediction struct {
	Predictions []float64
	Version     int
	RequestID   string `json:"request_id"`
	CacheHit    bool   `json:"cache_hit"`
	Rule        string
}

// Moving production under a concurrent request loop: no request fails,
// each client sees the new version from some point on and never the old
// one after it, and every answer is its version's. Then a version whose
// file was changed in the store is refused and the old one keeps serving.
func TestServingHotSwapUnderLoadAndBrokenVersion(t *testing.T) {
	in := start(t, map[string]string{"PADDOCK_SERVING_UNLOAD_AFTER": "1s"})
	v1 := registerModelDir(t, in, "churn", modelOnly(t, fixtureDir("xgboost", "binary_logistic"), "model.json"))
	v2 := registerModelDir(t, in, "churn", modelOnly(t, fixtureDir("xgboost", "reg_squarederror"), "model.json"))
	setAlias(t, in, "churn", "production", v1)
	rows, _ := fixtureRows(t, fixtureDir("xgboost", "binary_logistic"))
	body := map[string]any{"rows": rows[1:2]}
	answers := map[int]float64{}
	for _, v := range []int{v1, v2} {
		status, out := postJSON(t, in, fmt.Sprintf("/api/models/churn/versions/%d/predict", v), body)
		if status != 200 {
			t.Fatalf("version %d: %d %s", v, status, out)
		}
		var p prediction
		decode(t, out, &p)
		answers[v] = p.Predictions[0]
	}
	if answers[v1] == answers[v2] {
		t.Fatal("the two versions must answer differently for the test to mean anything")
	}

	const clients = 4
	var wg sync.WaitGroup
	stop := make(chan struct{})
	failures := make(chan string, 100)
	sawNew := make(chan struct{}, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seenNew, signalled := false, false
			for {
				select {
				case <-stop:
					return
				default:
				}
				p, status, raw := predictRaw(in, "/api/models/churn/predict", body)
				switch {
				case status != 200:
					failures <- fmt.Sprintf("status %d: %s", status, raw)
					return
				case p.Predictions[0] != answers[p.Version]:
					failures <- fmt.Sprintf("version %d answered %v, its answer is %v", p.Version, p.Predictions[0], answers[p.Version])
					return
				case p.Version == v1 && seenNew:
					failures <- "went back to the old version after the new one answered"
					return
				case p.Version == v2:
					seenNew = true
					if !signalled {
						sawNew <- struct{}{}
						signalled = true
					}
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	setAlias(t, in, "churn", "production", v2)
	deadline := time.After(15 * time.Second)
	for range clients {
		select {
		case <-sawNew:
		case f := <-failures:
			t.Fatal(f)
		case <-deadline:
			t.Fatal("clients did not switch to the new version within 15s")
		}
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	select {
	case f := <-failures:
		t.Fatal(f)
	default:
	}
	waitEvent(t, in, "swapped", v2)
	// The old version, no longer behind an alias and unused, is unloaded.
	waitEvent(t, in, "unloaded", v1)
	status, st := api(t, in, "GET", "/api/serving/models", in.Admin, nil)
	if status != 200 || !strings.Contains(string(st), fmt.Sprintf(`"aliases":{"production":%d}`, v2)) || strings.Contains(string(st), fmt.Sprintf(`"version":%d,`, v1)) {
		t.Fatalf("serving status after the swap: %d %s", status, st)
	}

	// A third version whose stored file no longer matches its digest.
	broken := modelOnly(t, fixtureDir("xgboost", "multi_softprob"), "model.json")
	v3 := registerModelDir(t, in, "churn", broken)
	original, _ := os.ReadFile(filepath.Join(broken, "model.json"))
	corruptStored(t, in.DataDir, original)
	setAlias(t, in, "churn", "production", v3)
	waitEvent(t, in, "swap_failed", v3)
	p, status, raw := predictRaw(in, "/api/models/churn/predict", body)
	if status != 200 || p.Version != v2 {
		t.Fatalf("after a failed swap production must stay on version %d: %d %s", v2, status, raw)
	}
	status, out := postJSON(t, in, fmt.Sprintf("/api/models/churn/versions/%d/predict", v3), body)
	wantError(t, status, out, 503, "unavailable")
	if !strings.Contains(string(out), "digest") {
		t.Fatalf("the error should say the digest did not match: %s", out)
	}
	_, metrics, _ := in.call("GET", "/metrics", "", nil)
	if !strings.Contains(string(metrics), `paddock_serving_load_failures_total{model="churn"}`) ||
		!strings.Contains(string(metrics), fmt.Sprintf(`paddock_serving_requests_total{alias="production",model="churn",version="%d"}`, v2)) {
		t.Fatal("serving metrics missing from /metrics")
	}
}

// predictRaw posts without failing the test on transport errors.
func predictRaw(in *instance, path string, body any) (prediction, int, []byte) {
	b, _ := json.Marshal(body)
	req, _ := newRequest("POST", in.URL+path, b, in.Admin)
	resp, err := httpClient.Do(req)
	if err != nil {
		return prediction{}, 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	var p prediction
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(buf.Bytes(), &p); err != nil || len(p.Predictions) == 0 {
			return p, 0, buf.Bytes()
		}
	}
	return p, resp.StatusCode, buf.Bytes()
}

// waitEvent waits for a serving event of kind about version.
func waitEvent(t *testing.T, in *instance, kind string, version int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		status, body := api(t, in, "GET", "/api/serving/events?model=churn", in.Admin, nil)
		if status != 200 {
			t.Fatalf("events: %d %s", status, body)
		}
		var ev struct {
			Events []struct {
				Kind    string
				Version int
			}
		}
		decode(t, body, &ev)
		for _, e := range ev.Events {
			if e.Kind == kind && e.Version == version {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s event for version %d", kind, version)
}

// corruptStored flips a byte in every stored object holding content.
func corruptStored(t *testing.T, dataDir string, content []byte) {
	t.Helper()
	n := 0
	filepath.WalkDir(filepath.Join(dataDir, "artifacts"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		// The local store keeps a trailer (size, digest) after the content.
		if err == nil && bytes.HasPrefix(b, content) {
			b[len(b)/2] ^= 0x20
			n++
			return os.WriteFile(path, b, 0o644)
		}
		return nil
	})
	if n == 0 {
		t.Fatal("no stored copy of the model found to corrupt")
	}
}
