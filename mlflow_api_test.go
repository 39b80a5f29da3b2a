package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// mlflowClient drives the MLflow REST API of a test instance.
type mlflowClient struct {
	t  *testing.T
	in *instance
}

func (m mlflowClient) post(path string, body any) (int, []byte) {
	m.t.Helper()
	b, _ := json.Marshal(body)
	status, resp, _ := m.in.call("POST", "/api/2.0/mlflow"+path, m.in.Admin, bytes.NewReader(b), "Content-Type", "application/json")
	return status, resp
}

func (m mlflowClient) get(path string, q url.Values) (int, []byte) {
	m.t.Helper()
	status, resp, _ := m.in.call("GET", "/api/2.0/mlflow"+path+"?"+q.Encode(), m.in.Admin, nil)
	return status, resp
}

// ok checks a 200 and decodes the body into v (when v is not nil).
func (m mlflowClient) ok(status int, body []byte, v any) {
	m.t.Helper()
	if status != 200 {
		m.t.Fatalf("status %d: %s", status, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			m.t.Fatalf("decode %s: %v", body, err)
		}
	}
}

func (m mlflowClient) okCall(status int, body []byte) {
	m.t.Helper()
	m.ok(status, body, nil)
}

// mlflowErr checks MLflow's error shape: status and error_code.
func mlflowErr(t *testing.T, status int, body []byte, wantStatus int, wantCode string) {
	t.Helper()
	var e struct {
		ErrorCode string `json:"error_code"`
		Message   string `json:"message"`
	}
	if status != wantStatus || json.Unmarshal(body, &e) != nil || e.ErrorCode != wantCode || e.Message == "" {
		t.Fatalf("got %d %s, want %d with error_code %s", status, body, wantStatus, wantCode)
	}
}

var (
	hex32   = regexp.MustCompile(`[0-9a-f]{32}`)
	runName = regexp.MustCompile(`"(run_name|value)":"[a-z]+-[a-z]+-\d{1,3}"`)
)

// golden compares a response with testdata/golden/<name>.json after
// replacing what changes between runs (ids, clock times, generated names).
func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %v: %s", name, err, body)
	}
	v = normalize(v, "")
	got, _ := json.MarshalIndent(v, "", "  ")
	got = hex32.ReplaceAll(got, []byte("<run_id>"))
	got = runName.ReplaceAll(got, []byte(`"$1":"<generated-name>"`))
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden %s (run go test -run %s -update): %v", path, t.Name(), err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from golden:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

var clockFields = map[string]bool{"creation_time": true, "last_update_time": true, "start_time": true, "end_time": true}

func normalize(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e, k)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e, key)
		}
	case float64:
		if clockFields[key] && x > 1e12 {
			return "<clock>"
		}
	}
	return v
}

func TestMLflowExperimentsAPI(t *testing.T) {
	in := start(t, nil)
	m := mlflowClient{t, in}

	status, body := m.get("/experiments/get-by-name", url.Values{"experiment_name": {"Default"}})
	m.ok(status, body, nil)
	golden(t, "mlflow/experiment_default", body)

	status, body = m.post("/experiments/create", map[string]any{"name": "churn", "tags": []map[string]string{{"key": "team", "value": "growth"}}})
	var created struct {
		ExperimentID string `json:"experiment_id"`
	}
	m.ok(status, body, &created)
	if created.ExperimentID != "1" {
		t.Fatalf("experiment id %q: %s", created.ExperimentID, body)
	}
	status, body = m.post("/experiments/create", map[string]any{"name": "churn"})
	mlflowErr(t, status, body, 400, "RESOURCE_ALREADY_EXISTS")
	status, body = m.post("/experiments/create", map[string]any{})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")

	status, body = m.get("/experiments/get", url.Values{"experiment_id": {"1"}})
	m.ok(status, body, nil)
	golden(t, "mlflow/experiment_get", body)
	status, body = m.get("/experiments/get", url.Values{"experiment_id": {"99"}})
	mlflowErr(t, status, body, 404, "RESOURCE_DOES_NOT_EXIST")
	status, body = m.get("/experiments/get", url.Values{"experiment_id": {"abc"}})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	status, body = m.get("/experiments/get", nil)
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	// set_experiment in the MLflow client relies on this 404.
	status, body = m.get("/experiments/get-by-name", url.Values{"experiment_name": {"nope"}})
	mlflowErr(t, status, body, 404, "RESOURCE_DOES_NOT_EXIST")

	m.okCall(m.post("/experiments/set-experiment-tag", map[string]any{"experiment_id": "1", "key": "owner", "value": "ana"}))
	m.okCall(m.post("/experiments/update", map[string]any{"experiment_id": "1", "new_name": "churn-v2"}))
	m.okCall(m.post("/experiments/create", map[string]any{"name": "email-intent"}))

	status, body = m.post("/experiments/search", map[string]any{"filter": "name LIKE 'churn%'", "max_results": 10})
	m.ok(status, body, nil)
	golden(t, "mlflow/experiments_search", body)
	status, body = m.post("/experiments/search", map[string]any{"max_results": 1, "order_by": []string{"name ASC"}})
	var page struct {
		Experiments   []struct{ Name string }
		NextPageToken string `json:"next_page_token"`
	}
	m.ok(status, body, &page)
	if len(page.Experiments) != 1 || page.Experiments[0].Name != "Default" || page.NextPageToken == "" {
		t.Fatalf("first page: %s", body)
	}
	status, body = m.post("/experiments/search", map[string]any{"max_results": 1, "order_by": []string{"name ASC"}, "page_token": page.NextPageToken})
	m.ok(status, body, &page)
	if len(page.Experiments) != 1 || page.Experiments[0].Name != "churn-v2" {
		t.Fatalf("second page: %s", body)
	}
	status, body = m.post("/experiments/search", map[string]any{"filter": "name LIKE"})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")

	m.okCall(m.post("/experiments/delete", map[string]any{"experiment_id": "1"}))
	status, body = m.post("/experiments/search", map[string]any{"view_type": "DELETED_ONLY"})
	if status != 200 || !strings.Contains(string(body), `"lifecycle_stage":"deleted"`) {
		t.Fatalf("deleted view: %d %s", status, body)
	}
	status, body = m.post("/runs/create", map[string]any{"experiment_id": "1"})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	m.okCall(m.post("/experiments/restore", map[string]any{"experiment_id": "1"}))
	status, body = m.post("/experiments/delete", map[string]any{"experiment_id": "0"})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")

	// The same API answers under the UI's /ajax-api prefix.
	status, body, _ = in.call("GET", "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0", in.Admin, nil)
	m.ok(status, body, nil)
	// Unknown endpoints and malformed bodies get MLflow-shaped errors.
	status, body, _ = in.call("GET", "/api/2.0/mlflow/experiments/frobnicate", in.Admin, nil)
	mlflowErr(t, status, body, 404, "ENDPOINT_NOT_FOUND")
	status, body, _ = in.call("POST", "/api/2.0/mlflow/experiments/create", in.Admin, strings.NewReader(`{"name": `))
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	status, body, _ = in.call("POST", "/api/2.0/mlflow/experiments/create", "", strings.NewReader(`{"name":"x"}`))
	mlflowErr(t, status, body, 401, "UNAUTHENTICATED")
}

func TestMLflowRunsAPI(t *testing.T) {
	in := start(t, nil)
	m := mlflowClient{t, in}
	m.okCall(m.post("/experiments/create", map[string]any{"name": "churn"}))

	status, body := m.post("/runs/create", map[string]any{
		"experiment_id": "1", "user_id": "ana", "start_time": 1700000000000, "run_name": "baseline",
		"tags": []map[string]string{{"key": "mlflow.source.git.commit", "value": "abc123"}},
	})
	var created struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			}
		}
	}
	m.ok(status, body, &created)
	golden(t, "mlflow/run_create", body)
	id := created.Run.Info.RunID

	m.okCall(m.post("/runs/log-parameter", map[string]any{"run_id": id, "key": "lr", "value": "0.01"}))
	m.okCall(m.post("/runs/log-parameter", map[string]any{"run_id": id, "key": "lr", "value": "0.01"})) // same value: fine
	status, body = m.post("/runs/log-parameter", map[string]any{"run_id": id, "key": "lr", "value": "0.02"})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	m.okCall(m.post("/runs/log-metric", map[string]any{"run_id": id, "key": "loss", "value": 0.9, "timestamp": 1700000001000, "step": 0}))
	m.okCall(m.post("/runs/log-metric", map[string]any{"run_id": id, "key": "loss", "value": "NaN", "timestamp": "1700000002000", "step": "1"}))
	var metrics []map[string]any
	for step := 2; step < 12; step++ {
		metrics = append(metrics, map[string]any{"key": "loss", "value": 1.0 / float64(step), "timestamp": 1700000000000 + step, "step": step})
		metrics = append(metrics, map[string]any{"key": "f1", "value": 0.5 + float64(step)/100, "timestamp": 1700000000000 + step, "step": step})
	}
	m.okCall(m.post("/runs/log-batch", map[string]any{
		"run_id": id, "metrics": metrics,
		"params": []map[string]string{{"key": "depth", "value": "6"}},
		"tags":   []map[string]string{{"key": "team", "value": "growth"}, {"key": "mlflow.note.content", "value": "first try"}},
	}))
	m.okCall(m.post("/runs/set-tag", map[string]any{"run_id": id, "key": "stage", "value": "dev"}))
	m.okCall(m.post("/runs/delete-tag", map[string]any{"run_id": id, "key": "stage"}))
	status, body = m.post("/runs/delete-tag", map[string]any{"run_id": id, "key": "stage"})
	mlflowErr(t, status, body, 404, "RESOURCE_DOES_NOT_EXIST")
	m.okCall(m.post("/runs/log-inputs", map[string]any{"run_id": id, "datasets": []map[string]any{{
		"tags":    []map[string]string{{"key": "mlflow.data.context", "value": "training"}},
		"dataset": map[string]string{"name": "churn-2026-11", "digest": "d41d8cd9", "source_type": "local", "source": "data/churn.parquet", "schema": `{"mlflow_colspec": []}`},
	}}}))
	m.okCall(m.post("/runs/update", map[string]any{"run_id": id, "status": "FINISHED", "end_time": 1700000100000}))

	status, body = m.get("/runs/get", url.Values{"run_id": {id}})
	m.ok(status, body, nil)
	golden(t, "mlflow/run_get", body)

	// History: paged, in step order, NaN kept.
	status, body = m.get("/metrics/get-history", url.Values{"run_id": {id}, "metric_key": {"loss"}, "max_results": {"4"}})
	var hist struct {
		Metrics []struct {
			Value any
			Step  int64
		}
		NextPageToken string `json:"next_page_token"`
	}
	m.ok(status, body, &hist)
	golden(t, "mlflow/metric_history_page1", body)
	var steps []int64
	for hist.NextPageToken != "" {
		for _, p := range hist.Metrics {
			steps = append(steps, p.Step)
		}
		status, body = m.get("/metrics/get-history", url.Values{"run_id": {id}, "metric_key": {"loss"}, "max_results": {"4"}, "page_token": {hist.NextPageToken}})
		hist.NextPageToken = ""
		m.ok(status, body, &hist)
	}
	for _, p := range hist.Metrics {
		steps = append(steps, p.Step)
	}
	if fmt.Sprint(steps) != "[0 1 2 3 4 5 6 7 8 9 10 11]" {
		t.Fatalf("paged history steps %v", steps)
	}
	status, body = m.get("/metrics/get-history", url.Values{"run_id": {id}, "metric_key": {"loss"}, "page_token": {"!!"}, "max_results": {"2"}})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	status, body, _ = in.call("GET", "/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id="+id+"&metric_key=f1&max_results=3", in.Admin, nil)
	m.ok(status, body, nil)
	golden(t, "mlflow/metric_history_bulk", body)

	// Search: a second run, filtered and ordered by metrics.
	status, body = m.post("/runs/create", map[string]any{"experiment_id": "1", "run_name": "challenger", "start_time": 1700000200000})
	var second struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			}
		}
	}
	m.ok(status, body, &second)
	m.okCall(m.post("/runs/log-batch", map[string]any{"run_id": second.Run.Info.RunID,
		"metrics": []map[string]any{{"key": "f1", "value": 0.7, "timestamp": 1700000200001, "step": 1}},
		"params":  []map[string]string{{"key": "lr", "value": "0.05"}}}))
	status, body = m.post("/runs/search", map[string]any{"experiment_ids": []string{"1"}, "filter": "metrics.f1 > 0.5", "order_by": []string{"metrics.f1 DESC"}})
	m.ok(status, body, nil)
	golden(t, "mlflow/runs_search", body)
	status, body = m.post("/runs/search", map[string]any{"experiment_ids": []string{"1"}, "filter": "params.lr = '0.01'", "max_results": 1})
	var found struct {
		Runs []struct {
			Info struct {
				RunName string `json:"run_name"`
			}
		}
	}
	m.ok(status, body, &found)
	if len(found.Runs) != 1 || found.Runs[0].Info.RunName != "baseline" {
		t.Fatalf("params filter: %s", body)
	}
	status, body = m.post("/runs/search", map[string]any{"experiment_ids": []string{"1"}, "filter": "metrics.f1 >> 2"})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	if !strings.Contains(string(body), "position") {
		t.Fatalf("parse error does not name the position: %s", body)
	}
	status, body = m.post("/runs/search", map[string]any{"experiment_ids": []string{"1"}, "filter": "params.lr = '0.01'", "max_results": 50001})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	status, body = m.post("/runs/search", map[string]any{"experiment_ids": []string{"1"}, "filter": "params.lr = '0.99'"})
	if status != 200 || string(body) != "{}" {
		t.Fatalf("empty search must answer {}: %d %s", status, body)
	}

	// Errors on runs.
	status, body = m.get("/runs/get", url.Values{"run_id": {"0123456789abcdef0123456789abcdef"}})
	mlflowErr(t, status, body, 404, "RESOURCE_DOES_NOT_EXIST")
	status, body = m.post("/runs/log-metric", map[string]any{"run_id": id, "key": "../evil", "value": 1, "timestamp": 1})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	status, body = m.post("/runs/log-metric", map[string]any{"run_id": id, "key": "x", "value": "high", "timestamp": 1})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	status, body = m.post("/runs/log-metric", map[string]any{"run_id": id, "key": "x", "value": 1})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	status, body = m.post("/runs/update", map[string]any{"run_id": id, "status": "DONE"})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")

	m.okCall(m.post("/runs/delete", map[string]any{"run_id": id}))
	status, body = m.post("/runs/log-metric", map[string]any{"run_id": id, "key": "x", "value": 1, "timestamp": 1})
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	m.okCall(m.post("/runs/restore", map[string]any{"run_id": id}))
	m.okCall(m.post("/runs/log-metric", map[string]any{"run_id": id, "key": "x", "value": 1, "timestamp": 1}))
}

func TestMLflowLogBatchLimits(t *testing.T) {
	in := start(t, nil)
	m := mlflowClient{t, in}
	var created struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			}
		}
	}
	m.okCall(m.post("/runs/create", map[string]any{"experiment_id": "0"}))
	status, body := m.post("/runs/create", map[string]any{"experiment_id": "0"})
	m.ok(status, body, &created)
	id := created.Run.Info.RunID
	many := func(n int, f func(i int) map[string]any) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	metric := func(i int) map[string]any { return map[string]any{"key": "m", "value": i, "timestamp": 1, "step": i} }
	kv := func(i int) map[string]any { return map[string]any{"key": fmt.Sprintf("k%d", i), "value": "v"} }
	cases := []struct {
		name string
		body map[string]any
	}{
		{"1001 metrics", map[string]any{"run_id": id, "metrics": many(1001, metric)}},
		{"101 params", map[string]any{"run_id": id, "params": many(101, kv)}},
		{"101 tags", map[string]any{"run_id": id, "tags": many(101, kv)}},
		{"1001 items", map[string]any{"run_id": id, "metrics": many(950, metric), "params": many(51, kv)}},
		{"key of 251", map[string]any{"run_id": id, "params": []map[string]any{{"key": strings.Repeat("k", 251), "value": "v"}}}},
		{"param value of 6001", map[string]any{"run_id": id, "params": []map[string]any{{"key": "p", "value": strings.Repeat("v", 6001)}}}},
		{"tag value of 8001", map[string]any{"run_id": id, "tags": []map[string]any{{"key": "t", "value": strings.Repeat("v", 8001)}}}},
		{"duplicate params", map[string]any{"run_id": id, "params": []map[string]any{{"key": "p", "value": "1"}, {"key": "p", "value": "2"}}}},
		{"over 1 MB", map[string]any{"run_id": id, "tags": many(100, func(i int) map[string]any {
			return map[string]any{"key": fmt.Sprintf("t%d", i), "value": strings.Repeat("v", 7999)} // ~800 KB
		}), "params": many(100, func(i int) map[string]any {
			return map[string]any{"key": fmt.Sprintf("p%d", i), "value": strings.Repeat("v", 5999)} // ~600 KB more
		})}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := m.post("/runs/log-batch", tc.body)
			mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
		})
	}
	// The limits themselves are accepted, and a refused batch stored nothing.
	m.okCall(m.post("/runs/log-batch", map[string]any{"run_id": id, "metrics": many(900, metric), "params": many(100, kv)}))
	status, body = m.get("/runs/get", url.Values{"run_id": {id}})
	var got struct {
		Run struct {
			Data struct {
				Params []any
				Tags   []struct{ Key string }
			}
		}
	}
	m.ok(status, body, &got)
	if len(got.Run.Data.Params) != 100 {
		t.Fatalf("params stored: %d", len(got.Run.Data.Params))
	}
	for _, tg := range got.Run.Data.Tags {
		if strings.HasPrefix(tg.Key, "t") {
			t.Fatalf("a refused batch left tag %q", tg.Key)
		}
	}
}

// Proxied artifacts: what mlflow.log_artifact and the MLflow UI call.
func TestMLflowProxiedArtifacts(t *testing.T) {
	in := start(t, nil)
	base := "/api/2.0/mlflow-artifacts/artifacts"
	for _, f := range []struct{ path, body string }{
		{"0/r1/artifacts/model/model.pkl", "pickle-bytes"},
		{"0/r1/artifacts/model/MLmodel", "flavors: {}"},
		{"0/r1/artifacts/plots/cm.png", "png"},
	} {
		status, body, _ := in.call("PUT", base+"/"+f.path, in.Admin, strings.NewReader(f.body))
		if status != 200 || string(body) != "{}" {
			t.Fatalf("upload %s: %d %s", f.path, status, body)
		}
	}
	status, body, _ := in.call("GET", base+"?path=0/r1/artifacts", in.Admin, nil)
	if status != 200 || string(body) != `{"files":[{"path":"model","is_dir":true},{"path":"plots","is_dir":true}]}` {
		t.Fatalf("list dir: %d %s", status, body)
	}
	status, body, _ = in.call("GET", base+"?path=0/r1/artifacts/model", in.Admin, nil)
	if status != 200 || string(body) != `{"files":[{"path":"MLmodel","is_dir":false,"file_size":11},{"path":"model.pkl","is_dir":false,"file_size":12}]}` {
		t.Fatalf("list files: %d %s", status, body)
	}
	status, body, _ = in.call("GET", base+"/0/r1/artifacts/model/model.pkl", in.Admin, nil)
	if status != 200 || string(body) != "pickle-bytes" {
		t.Fatalf("download: %d %s", status, body)
	}
	status, body, _ = in.call("DELETE", base+"/0/r1/artifacts/model", in.Admin, nil)
	if status != 200 || string(body) != "{}" {
		t.Fatalf("delete dir: %d %s", status, body)
	}
	status, body, _ = in.call("GET", base+"?path=0/r1/artifacts/model", in.Admin, nil)
	if status != 200 || string(body) != "{}" {
		t.Fatalf("list after delete: %d %s", status, body)
	}
	status, body, _ = in.call("GET", base+"/0/r1/artifacts/model/model.pkl", in.Admin, nil)
	mlflowErr(t, status, body, 404, "RESOURCE_DOES_NOT_EXIST")
	status, body, _ = in.call("PUT", base+"/0/..%2F..%2Fescape", in.Admin, strings.NewReader("x"))
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	status, body, _ = in.call("GET", base+"?path=../x", in.Admin, nil)
	mlflowErr(t, status, body, 400, "INVALID_PARAMETER_VALUE")
	status, body, _ = in.call("PUT", base+"/0/r1/artifacts/x", "", strings.NewReader("x"))
	mlflowErr(t, status, body, 401, "UNAUTHENTICATED")
}
