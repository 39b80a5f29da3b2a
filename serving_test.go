package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// The XGBoost 100-tree fixture answers through all three protocols with
// what XGBoost itself computed for the same rows.
func TestServingThreeProtocolsMatchTheLibrary(t *testing.T) {
	in := start(t, nil)
	fx := fixtureDir("xgboost", "binary_logistic")
	v := registerModelDir(t, in, "churn", modelOnly(t, fx, "model.json"))
	setAlias(t, in, "churn", "production", v)
	rows, want := fixtureRows(t, fx)
	rows, want = rows[:8], want[:8]
	cols := make([]string, len(rows[0]))
	for i := range cols {
		cols[i] = fmt.Sprintf("f%d", i)
	}
	records := make([]map[string]any, len(rows))
	columns := map[string][]any{}
	for i, r := range rows {
		records[i] = map[string]any{}
		for j, c := range cols {
			records[i][c] = r[j]
			columns[c] = append(columns[c], r[j])
		}
	}

	t.Run("native", func(t *testing.T) {
		for name, body := range map[string]any{
			"positional rows": map[string]any{"rows": rows},
			"records":         map[string]any{"rows": records},
			"columns":         map[string]any{"columns": columns},
		} {
			status, out := postJSON(t, in, "/api/models/churn/predict", body)
			if status != 200 {
				t.Fatalf("%s: %d %s", name, status, out)
			}
			var res struct {
				Predictions json.RawMessage
				Model       string
				Version     int
				Alias       string
				RequestID   string `json:"request_id"`
				CacheHit    *bool  `json:"cache_hit"`
				LatencyMS   *float64
			}
			decode(t, out, &res)
			closeTo(t, name, floats(t, res.Predictions), want, 1e-6)
			if res.Model != "churn" || res.Version != v || res.Alias != "production" || res.RequestID == "" || res.CacheHit == nil || *res.CacheHit {
				t.Fatalf("%s: provenance %s", name, out)
			}
		}
		status, out := postJSON(t, in, fmt.Sprintf("/api/models/churn/versions/%d/predict", v), map[string]any{"rows": rows[:1]})
		if status != 200 || !strings.Contains(string(out), fmt.Sprintf(`"version":%d`, v)) || strings.Contains(string(out), `"alias"`) {
			t.Fatalf("by version: %d %s", status, out)
		}
		status, out = postJSON(t, in, "/api/models/churn@production/predict", map[string]any{"rows": rows[:1]})
		if status != 200 || !strings.Contains(string(out), `"alias":"production"`) {
			t.Fatalf("by alias: %d %s", status, out)
		}
	})

	t.Run("mlflow", func(t *testing.T) {
		csv := strings.Join(cols, ",") + "\n"
		for _, r := range rows {
			cells := make([]string, len(r))
			for j, c := range r {
				if c != nil {
					cells[j] = fmt.Sprint(c)
				}
			}
			csv += strings.Join(cells, ",") + "\n"
		}
		for name, body := range map[string]any{
			"dataframe_split":   map[string]any{"dataframe_split": map[string]any{"columns": cols, "data": rows}},
			"dataframe_records": map[string]any{"dataframe_records": records},
			"instances":         map[string]any{"instances": records},
			"inputs":            map[string]any{"inputs": columns},
		} {
			status, out := postJSON(t, in, "/models/churn/invocations", body)
			if status != 200 {
				t.Fatalf("%s: %d %s", name, status, out)
			}
			var res map[string]json.RawMessage
			decode(t, out, &res)
			if len(res) != 1 {
				t.Fatalf("%s: MLflow answers only predictions, got %s", name, out)
			}
			closeTo(t, name, floats(t, res["predictions"]), want, 1e-6)
		}
		status, out := postJSON(t, in, "/models/churn/invocations", csv, "Content-Type", "text/csv")
		if status != 200 {
			t.Fatalf("csv: %d %s", status, out)
		}
		var res struct{ Predictions json.RawMessage }
		decode(t, out, &res)
		closeTo(t, "csv", floats(t, res.Predictions), want, 1e-6)

		status, out = postJSON(t, in, "/models/churn/invocations", "x", "Content-Type", "text/plain")
		if status != 415 || !strings.HasPrefix(string(out), "This predictor only supports the following content types") {
			t.Fatalf("text/plain: %d %s", status, out)
		}
		status, out = postJSON(t, in, "/models/churn/invocations", map[string]any{"dataframe_split": map[string]any{"columns": cols, "data": rows}, "instances": records})
		wantScoringError(t, status, out, 400, "BAD_REQUEST", "exactly one of")
		status, out = postJSON(t, in, "/models/nope/invocations", map[string]any{"instances": records})
		wantScoringError(t, status, out, 404, "RESOURCE_DOES_NOT_EXIST", "nope")
	})

	t.Run("kserve v2", func(t *testing.T) {
		for _, p := range []string{"/v2/health/live", "/v2/health/ready", "/v2/models/churn/ready"} {
			if status, out, _ := in.call("GET", p, in.Admin, nil); status != 200 {
				t.Fatalf("%s: %d %s", p, status, out)
			}
		}
		status, out, _ := in.call("GET", "/v2/models/churn", in.Admin, nil)
		if status != 200 || !strings.Contains(string(out), `"datatype":"FP`) || !strings.Contains(string(out), `"versions":["1"]`) {
			t.Fatalf("metadata: %d %s", status, out)
		}
		// FP64 data has no null: send the rows without missing values.
		var flat []any
		var wantV2 []float64
		n := 0
		for i, r := range rows {
			if !containsNil(r) {
				flat, wantV2, n = append(flat, r...), append(wantV2, want[i]), n+1
			}
		}
		data, _ := json.Marshal(flat)
		body := fmt.Sprintf(`{"id":"req-42","inputs":[{"name":"input-0","shape":[%d,%d],"datatype":"FP64","data":%s}]}`, n, len(cols), data)
		status, out = postJSON(t, in, "/v2/models/churn/infer", body)
		if status != 200 {
			t.Fatalf("infer: %d %s", status, out)
		}
		var res struct {
			ModelName    string `json:"model_name"`
			ModelVersion string `json:"model_version"`
			ID           string
			Outputs      []struct {
				Name, Datatype string
				Shape          []int
				Data           json.RawMessage
			}
		}
		decode(t, out, &res)
		if res.ModelName != "churn" || res.ModelVersion != "1" || res.ID != "req-42" || len(res.Outputs) == 0 || res.Outputs[0].Shape[0] != n {
			t.Fatalf("infer response: %s", out)
		}
		closeTo(t, "v2", floats(t, res.Outputs[0].Data), wantV2, 1e-6)
		status, out = postJSON(t, in, "/v2/models/churn/infer", `{"inputs":[{"name":"x","shape":[1,20],"datatype":"FP99","data":[1]}]}`)
		wantV2Error(t, status, out, 400, "FP99")
		status, out = postJSON(t, in, "/v2/models/nope/infer", `{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]}`)
		wantV2Error(t, status, out, 404, "nope")
	})
}

// A classifier whose MLmodel says predict_fn: predict_proba answers the
// MLflow protocol with probabilities, as MLflow's pyfunc would.
func TestServingHonoursPredictFn(t *testing.T) {
	in := start(t, nil)
	v := registerModelDir(t, in, "iris", "testdata/mlmodel/sklearn_pickle_proba")
	setAlias(t, in, "iris", "production", v)
	row := make([]float64, 12)
	for i := range row {
		row[i] = float64(i) / 10
	}
	status, out := postJSON(t, in, "/models/iris/invocations", map[string]any{"instances": [][]float64{row, row}})
	if status != 200 {
		t.Fatalf("invocations: %d %s", status, out)
	}
	var res struct{ Predictions [][]float64 }
	decode(t, out, &res)
	if len(res.Predictions) != 2 || len(res.Predictions[0]) != 3 {
		t.Fatalf("want 2 rows of 3 probabilities: %s", out)
	}
	sum := res.Predictions[0][0] + res.Predictions[0][1] + res.Predictions[0][2]
	if sum < 0.999 || sum > 1.001 {
		t.Fatalf("probabilities sum to %v: %s", sum, out)
	}
	status, out = postJSON(t, in, "/api/models/iris/predict", map[string]any{"rows": [][]float64{row}})
	if status != 200 || !strings.Contains(string(out), `"probabilities":[[`) || !strings.Contains(string(out), `"classes":[`) {
		t.Fatalf("native answer of a classifier: %d %s", status, out)
	}
}

func wantScoringError(t *testing.T, status int, body []byte, wantStatus int, code, msgPart string) {
	t.Helper()
	var e struct {
		ErrorCode string `json:"error_code"`
		Message   string
	}
	if status != wantStatus || json.Unmarshal(body, &e) != nil || e.ErrorCode != code || !strings.Contains(e.Message, msgPart) {
		t.Fatalf("got %d %s, want %d %s mentioning %q", status, body, wantStatus, code, msgPart)
	}
}

func wantV2Error(t *testing.T, status int, body []byte, wantStatus int, msgPart string) {
	t.Helper()
	var e map[string]any
	if status != wantStatus || json.Unmarshal(body, &e) != nil || len(e) != 1 || !strings.Contains(fmt.Sprint(e["error"]), msgPart) {
		t.Fatalf("got %d %s, want %d {\"error\": ...%q...}", status, body, wantStatus, msgPart)
	}
}

func containsNil(r []any) bool {
	for _, c := range r {
		if c == nil {
			return true
		}
	}
	return false
}
