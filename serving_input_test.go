package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// Every kind of bad prediction request gets a clear 4xx in its
// protocol's error format, naming what is wrong.
func TestServingBadInputGetsClear4xx(t *testing.T) {
	in := start(t, map[string]string{"PADDOCK_SERVER_BODY_LIMIT": "16KiB"})
	v := registerModelDir(t, in, "churn", modelOnly(t, fixtureDir("xgboost", "binary_logistic"), "model.json"))
	setAlias(t, in, "churn", "production", v)
	row := make([]float64, 20)
	record := map[string]any{}
	for i := range 20 {
		record[fmt.Sprintf("f%d", i)] = 0.5
	}
	missing := map[string]any{}
	for k, v := range record {
		if k != "f7" {
			missing[k] = v
		}
	}
	typed := map[string]any{}
	for k, v := range record {
		typed[k] = v
	}
	typed["f3"] = "high"

	native := []struct {
		name, path string
		body       any
		status     int
		code, part string
	}{
		{"malformed json", "/api/models/churn/predict", `{"rows": [[1, 2`, 400, "invalid_argument", ""},
		{"no rows", "/api/models/churn/predict", `{"nothing": 1}`, 400, "invalid_argument", ""},
		{"wrong feature count", "/api/models/churn/predict", map[string]any{"rows": [][]float64{row[:19]}}, 400, "invalid_argument", "20"},
		{"missing column", "/api/models/churn/predict", map[string]any{"rows": []any{missing}}, 400, "invalid_argument", "f7"},
		{"wrong type", "/api/models/churn/predict", map[string]any{"rows": []any{typed}}, 400, "invalid_argument", "f3"},
		{"unknown model", "/api/models/nope/predict", map[string]any{"rows": [][]float64{row}}, 404, "not_found", "nope"},
		{"unknown alias", "/api/models/churn@nope/predict", map[string]any{"rows": [][]float64{row}}, 404, "not_found", "nope"},
		{"unknown version", "/api/models/churn/versions/9/predict", map[string]any{"rows": [][]float64{row}}, 404, "not_found", "9"},
		{"bad version", "/api/models/churn/versions/x/predict", map[string]any{"rows": [][]float64{row}}, 400, "invalid_argument", "version"},
		{"path traversal", "/api/models/..%2f..%2fetc/predict", map[string]any{"rows": [][]float64{row}}, 400, "invalid_argument", "name"},
	}
	for _, c := range native {
		status, out := postJSON(t, in, c.path, c.body)
		wantError(t, status, out, c.status, c.code)
		if !strings.Contains(string(out), c.part) {
			t.Errorf("%s: the error should mention %q: %s", c.name, c.part, out)
		}
	}
	status, out := postJSON(t, in, "/models/churn/invocations", map[string]any{"dataframe_records": []any{missing}})
	wantScoringError(t, status, out, 400, "BAD_REQUEST", "f7")
	status, out = postJSON(t, in, "/models/churn/invocations", `{"instances": [[1,2,`)
	wantScoringError(t, status, out, 400, "BAD_REQUEST", "")
	status, out = postJSON(t, in, "/v2/models/churn/infer", `{"inputs":[{"name":"x","shape":[1,19],"datatype":"FP32","data":[`+strings.Repeat("1,", 18)+`1]}]}`)
	wantV2Error(t, status, out, 400, "20")
	status, out = postJSON(t, in, "/v2/models/churn/infer", `{"inputs":[{"name":"x","shape":[1,20],"datatype":"FP32","data":[1,2]}]}`)
	wantV2Error(t, status, out, 400, "")

	// Oversize bodies are refused before they are read.
	big := append([]byte(`{"rows": [`), bytes.Repeat([]byte("[1.5],"), 4000)...)
	status, out, _ = in.call("POST", "/api/models/churn/predict", in.Admin, bytes.NewReader(big), "Content-Type", "application/json")
	wantError(t, status, out, 413, "payload_too_large")
	// The server is still fine.
	if status, out := postJSON(t, in, "/api/models/churn/predict", map[string]any{"rows": [][]float64{row}}); status != 200 {
		t.Fatalf("after bad input: %d %s", status, out)
	}
}
