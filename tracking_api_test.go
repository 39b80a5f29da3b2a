package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// The native tracking API: resource routes, Paddock's error format and
// status codes, the same object shapes as the MLflow routes.
func TestNativeTrackingAPI(t *testing.T) {
	in := start(t, nil)
	call := func(method, path, body string) (int, []byte) {
		t.Helper()
		var rd *strings.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		var status int
		var resp []byte
		if rd != nil {
			status, resp, _ = in.call(method, path, in.Admin, rd)
		} else {
			status, resp, _ = in.call(method, path, in.Admin, nil)
		}
		return status, resp
	}
	status, body := call("POST", "/api/experiments", `{"name":"churn","tags":[{"key":"team","value":"growth"}]}`)
	if status != 201 || !strings.Contains(string(body), `"experiment_id":"1"`) {
		t.Fatalf("create experiment: %d %s", status, body)
	}
	status, body = call("POST", "/api/experiments", `{"name":"churn"}`)
	wantError(t, status, body, 409, "already_exists")
	status, body = call("GET", "/api/experiments/42", "")
	wantError(t, status, body, 404, "not_found")
	status, body = call("GET", "/api/experiments/x", "")
	wantError(t, status, body, 400, "invalid_argument")
	status, body = call("PATCH", "/api/experiments/1", `{"name":"churn-v2"}`)
	if status != 200 || !strings.Contains(string(body), `"name":"churn-v2"`) {
		t.Fatalf("rename: %d %s", status, body)
	}
	if status, body = call("PUT", "/api/experiments/1/tags/owner", `{"value":"ana"}`); status != 204 {
		t.Fatalf("experiment tag: %d %s", status, body)
	}
	status, body = call("GET", "/api/experiments?filter="+strings.ReplaceAll("tags.owner = 'ana'", " ", "%20"), "")
	if status != 200 || !strings.Contains(string(body), `"name":"churn-v2"`) || strings.Contains(string(body), `"Default"`) {
		t.Fatalf("search experiments: %d %s", status, body)
	}

	status, body = call("POST", "/api/runs", `{"experiment_id":"1","run_name":"r1","start_time":1700000000000}`)
	var run struct {
		Info struct {
			RunID string `json:"run_id"`
		}
	}
	if status != 201 || json.Unmarshal(body, &run) != nil || run.Info.RunID == "" {
		t.Fatalf("create run: %d %s", status, body)
	}
	id := run.Info.RunID
	status, body = call("POST", "/api/runs/"+id+"/batch", `{"metrics":[{"key":"loss","value":0.5,"timestamp":1,"step":0},{"key":"loss","value":0.25,"timestamp":2,"step":1}],"params":[{"key":"lr","value":"0.1"}]}`)
	if status != 204 {
		t.Fatalf("batch: %d %s", status, body)
	}
	status, body = call("POST", "/api/runs/"+id+"/batch", `{"params":[{"key":"lr","value":"0.2"}]}`)
	wantError(t, status, body, 400, "invalid_argument")
	if status, body = call("PUT", "/api/runs/"+id+"/tags/stage", `{"value":"dev"}`); status != 204 {
		t.Fatalf("tag: %d %s", status, body)
	}
	if status, body = call("DELETE", "/api/runs/"+id+"/tags/stage", ""); status != 204 {
		t.Fatalf("delete tag: %d %s", status, body)
	}
	status, body = call("DELETE", "/api/runs/"+id+"/tags/stage", "")
	wantError(t, status, body, 404, "not_found")
	status, body = call("GET", "/api/runs/"+id+"/metrics/loss?max_results=1", "")
	if status != 200 || !strings.Contains(string(body), `"step":0`) || strings.Contains(string(body), `"next_page_token":""`) {
		t.Fatalf("history page: %d %s", status, body)
	}
	status, body = call("PATCH", "/api/runs/"+id, `{"status":"FINISHED","end_time":1700000009999}`)
	if status != 200 || !strings.Contains(string(body), `"status":"FINISHED"`) || !strings.Contains(string(body), `"end_time":1700000009999`) {
		t.Fatalf("update run: %d %s", status, body)
	}
	status, body = call("POST", "/api/runs/search", `{"experiment_ids":["1"],"filter":"metrics.loss < 0.3","order_by":["metrics.loss"]}`)
	if status != 200 || !strings.Contains(string(body), id) {
		t.Fatalf("search runs: %d %s", status, body)
	}
	status, body = call("POST", "/api/runs/search", `{"experiment_ids":["1"],"filter":"metrics.loss <"}`)
	wantError(t, status, body, 400, "invalid_argument")
	status, body = call("POST", "/api/runs/search", `{"experiment_ids":["1"],"filtre":"x"}`)
	wantError(t, status, body, 400, "invalid_argument")
	if status, body = call("DELETE", "/api/runs/"+id, ""); status != 204 {
		t.Fatalf("delete run: %d %s", status, body)
	}
	status, body = call("POST", "/api/runs/"+id+"/batch", `{"metrics":[{"key":"x","value":1,"timestamp":1}]}`)
	wantError(t, status, body, 400, "invalid_argument")
	if status, body = call("POST", "/api/runs/"+id+"/restore", ""); status != 200 {
		t.Fatalf("restore run: %d %s", status, body)
	}
	status, body = call("GET", "/api/runs/0123456789abcdef0123456789abcdef", "")
	wantError(t, status, body, 404, "not_found")
	status, body, _ = in.call("POST", "/api/runs", "", strings.NewReader(`{}`))
	wantError(t, status, body, 401, "unauthenticated")
}
