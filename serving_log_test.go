package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The pre-score filters from the config file: a rule answers without the
// model, the cache answers a repeated input (flagged, counted), and the
// prediction log holds every answer with its provenance.
func TestServingFiltersCacheAndPredictionLog(t *testing.T) {
	cfg := writeConfig(t, `
serving:
  models:
    churn:
      cache:
        enabled: true
        ttl: 1m
      filters:
        rules:
          - name: test-account
            field: f0
            equals: 999
            output: {label: ignored, score: 0}
`)
	in := start(t, nil, "--config", cfg)
	v := registerModelDir(t, in, "churn", modelOnly(t, fixtureDir("xgboost", "binary_logistic"), "model.json"))
	setAlias(t, in, "churn", "production", v)
	row := map[string]any{}
	for i := range 20 {
		row[fmt.Sprintf("f%d", i)] = float64(i) / 7
	}
	var first, second prediction
	status, out := postJSON(t, in, "/api/models/churn/predict", map[string]any{"rows": []any{row}})
	if status != 200 {
		t.Fatalf("first: %d %s", status, out)
	}
	decode(t, out, &first)
	status, out = postJSON(t, in, "/api/models/churn/predict", map[string]any{"columns": columnsOf(row)})
	decode(t, out, &second)
	if first.CacheHit || !second.CacheHit || second.Predictions[0] != first.Predictions[0] {
		t.Fatalf("the same input in another layout must come from the cache: %+v then %+v", first, second)
	}
	row["f0"] = 999
	status, out = postJSON(t, in, "/api/models/churn/predict", map[string]any{"rows": []any{row}})
	if status != 200 || !strings.Contains(string(out), `"rule":"test-account"`) || !strings.Contains(string(out), `"label":"ignored"`) {
		t.Fatalf("rule answer: %d %s", status, out)
	}
	_, metrics, _ := in.call("GET", "/metrics", "", nil)
	for _, want := range []string{
		`paddock_serving_cache_hits_total{alias="production",model="churn",version="1"} 1`,
		`paddock_serving_cache_misses_total{alias="production",model="churn",version="1"} 1`,
		`paddock_serving_rule_answers_total{model="churn",rule="test-account"} 1`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	logged := waitLogged(t, in, "churn", 3)
	byID := map[string]loggedPrediction{}
	for _, p := range logged {
		byID[p.RequestID] = p
	}
	if p := byID[first.RequestID]; p.CacheHit || p.Version != 1 || p.Alias != "production" || len(p.InputDigest) != 64 || !strings.HasPrefix(string(p.Outputs), `{"predictions":[`) {
		t.Errorf("first prediction logged as %+v", p)
	}
	if p := byID[second.RequestID]; !p.CacheHit || p.InputDigest != byID[first.RequestID].InputDigest {
		t.Errorf("cache hit logged as %+v", p)
	}
}

type loggedPrediction struct {
	RequestID   string `json:"request_id"`
	Version     int
	Alias       string
	InputDigest string `json:"input_digest"`
	Outputs     json.RawMessage
	CacheHit    bool `json:"cache_hit"`
	Rule        string
}

func columnsOf(row map[string]any) map[string][]any {
	out := map[string][]any{}
	for k, v := range row {
		out[k] = []any{v}
	}
	return out
}

// waitLogged pages through the model's prediction log until it holds at
// least n entries (the log is written asynchronously).
func waitLogged(t *testing.T, in *instance, model string, n int) []loggedPrediction {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		all := readLog(t, in, model)
		if len(all) >= n || time.Now().After(deadline) {
			if len(all) < n {
				t.Fatalf("%d predictions logged, want %d", len(all), n)
			}
			return all
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func readLog(t *testing.T, in *instance, model string) []loggedPrediction {
	t.Helper()
	var all []loggedPrediction
	token := ""
	for {
		status, body := api(t, in, "GET", "/api/predictions?limit=10000&model="+model+"&page_token="+url.QueryEscape(token), in.Admin, nil)
		if status != 200 {
			t.Fatalf("predictions: %d %s", status, body)
		}
		var page struct {
			Predictions []loggedPrediction
			Next        string `json:"next_page_token"`
		}
		decode(t, body, &page)
		all = append(all, page.Predictions...)
		if page.Next == "" {
			return all
		}
		token = page.Next
	}
}

// A SIGTERM under load loses no logged prediction that was answered:
// every request answered 200 is in the log after a restart.
func TestServingShutdownKeepsEveryAnsweredPrediction(t *testing.T) {
	dir := t.TempDir()
	in := startAt(t, dir, nil)
	v := registerModelDir(t, in, "churn", modelOnly(t, fixtureDir("xgboost", "binary_logistic"), "model.json"))
	setAlias(t, in, "churn", "production", v)
	rows, _ := fixtureRows(t, fixtureDir("xgboost", "binary_logistic"))

	var mu sync.Mutex
	answered := map[string]bool{}
	var ok atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for c := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p, status, _ := predictRaw(in, "/api/models/churn/predict", map[string]any{"rows": rows[(c+i)%len(rows) : (c+i)%len(rows)+1]})
				if status == 200 {
					mu.Lock()
					answered[p.RequestID] = true
					mu.Unlock()
					ok.Add(1)
				}
			}
		}()
	}
	for ok.Load() < 500 {
		time.Sleep(5 * time.Millisecond)
	}
	in.stop() // as SIGTERM: drain HTTP, flush the log, close the database
	close(stop)
	wg.Wait()

	again := startAt(t, dir, nil)
	logged := map[string]bool{}
	for _, p := range readLog(t, again, "churn") {
		logged[p.RequestID] = true
	}
	lost := 0
	for id := range answered {
		if !logged[id] {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d answered predictions missing from the log after shutdown", lost, len(answered))
	}
	t.Logf("%d answered predictions, all logged", len(answered))
}
