package server

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
)

// slowParseLogBatch is the reference: encoding/json with the lenient wire
// types, as every other MLflow endpoint reads its body.
func slowParseLogBatch(body []byte) (logBatchRequest, error) {
	var req struct {
		RunID   string         `json:"run_id"`
		Metrics []wireMetricIn `json:"metrics"`
		Params  []wireKV       `json:"params"`
		Tags    []wireKV       `json:"tags"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return logBatchRequest{}, err
	}
	out := logBatchRequest{RunID: req.RunID}
	for _, wm := range req.Metrics {
		m, err := wm.metric()
		if err != nil {
			return out, err
		}
		out.Batch.Metrics = append(out.Batch.Metrics, m)
	}
	for _, p := range req.Params {
		out.Batch.Params = append(out.Batch.Params, experiments.Param{Key: p.Key, Value: p.Value})
	}
	if len(req.Tags) > 0 {
		out.Batch.Tags = fromWireKVs(req.Tags)
	}
	return out, nil
}

func TestParseLogBatchShapes(t *testing.T) {
	body := []byte(`{"run_id":"r1","extra":{"x":[1,2]},"metrics":[
		{"key":"loss","value":0.5,"timestamp":1700000000000,"step":3},
		{"key":"loss","value":"NaN","timestamp":"1700000000001","step":"4"},
		{"key":"acc","value":"-Infinity","timestamp":1.0e3}],
		"params":[{"key":"lr","value":"0.1"}],"tags":[{"key":"t","value":"v"}]}`)
	got, err := parseLogBatch(body)
	if err != nil {
		t.Fatal(err)
	}
	if got.RunID != "r1" || len(got.Batch.Metrics) != 3 || !math.IsNaN(got.Batch.Metrics[1].Value) ||
		got.Batch.Metrics[1].Step != 4 || !math.IsInf(got.Batch.Metrics[2].Value, -1) || got.Batch.Metrics[2].Timestamp != 1000 ||
		got.Batch.Params[0].Value != "0.1" || got.Batch.Tags[0].Key != "t" {
		t.Fatalf("parsed %+v", got)
	}
	for _, bad := range []string{`{`, `[]`, `{"metrics":{}}`, `{"metrics":[1]}`, `{"metrics":[{"key":"a","value":true,"timestamp":1}]}`,
		`{"metrics":[{"key":"a","value":1}]}`, `{"metrics":[{"value":1,"timestamp":1}]}`, `{"metrics":[{"key":"a","value":1,"timestamp":1.5}]}`,
		`{"run_id":5}`, `{"params":[{"key":1}]}`} {
		if _, err := parseLogBatch([]byte(bad)); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: got %v, want an invalid_argument error", bad, err)
		}
	}
}

func FuzzParseLogBatch(f *testing.F) {
	f.Add([]byte(`{"run_id":"r","metrics":[{"key":"a","value":1.5,"timestamp":1,"step":2}],"params":[{"key":"p","value":"v"}]}`))
	f.Add([]byte(`{"metrics":[{"key":"a","value":"NaN","timestamp":"5"}]}`))
	f.Add([]byte(`{"metrics":[{"key":"a","value":1e400,"timestamp":-1}],"tags":null}`))
	f.Add([]byte(`{"run_id":"\u00e9\ud800","metrics":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ferr := parseLogBatch(body)
		if ferr != nil && !errs.Is(ferr, errs.Invalid) {
			t.Fatalf("fast parser error of the wrong kind: %v", ferr)
		}
		slow, serr := slowParseLogBatch(body)
		if ferr != nil || serr != nil || !utf8.Valid(body) || !cleanStrings(fast) || !cleanStrings(slow) || caseVariantKeys(body) {
			return // compared on success only; lone surrogates are replaced differently
		}
		if !sameBatch(fast, slow) {
			t.Fatalf("parsers disagree on %q:\nfast %+v\nslow %+v", body, fast, slow)
		}
	})
}

func sameBatch(a, b logBatchRequest) bool {
	if a.RunID != b.RunID || len(a.Batch.Metrics) != len(b.Batch.Metrics) {
		return false
	}
	for i := range a.Batch.Metrics {
		x, y := a.Batch.Metrics[i], b.Batch.Metrics[i]
		if x.Key != y.Key || x.Timestamp != y.Timestamp || x.Step != y.Step ||
			!(x.Value == y.Value || math.IsNaN(x.Value) && math.IsNaN(y.Value)) {
			return false
		}
	}
	return reflect.DeepEqual(norm(a.Batch.Params), norm(b.Batch.Params)) && reflect.DeepEqual(normT(a.Batch.Tags), normT(b.Batch.Tags))
}

func norm(p []experiments.Param) []experiments.Param {
	if len(p) == 0 {
		return nil
	}
	return p
}

func normT(p []experiments.Tag) []experiments.Tag {
	if len(p) == 0 {
		return nil
	}
	return p
}

// cleanStrings reports whether every string is valid UTF-8 without U+FFFD
// (encoding/json writes U+FFFD for a lone surrogate escape, fastjson keeps
// the bytes; neither is a name a client means to log).
func cleanStrings(r logBatchRequest) bool {
	ok := func(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, utf8.RuneError) }
	all := []string{r.RunID}
	for _, m := range r.Batch.Metrics {
		all = append(all, m.Key)
	}
	for _, p := range r.Batch.Params {
		all = append(all, p.Key, p.Value)
	}
	for _, t := range r.Batch.Tags {
		all = append(all, t.Key, t.Value)
	}
	for _, s := range all {
		if !ok(s) {
			return false
		}
	}
	return true
}

// caseVariantKeys reports whether the body spells a field name in other
// letter case ("metriCs"): encoding/json matches those, protobuf's JSON
// parser (and so MLflow, and the fast parser) does not.
func caseVariantKeys(body []byte) bool {
	v, err := fastjson.ParseBytes(body)
	if err != nil {
		return false
	}
	fields := []string{"run_id", "metrics", "params", "tags", "key", "value", "timestamp", "step"}
	found := false
	var walk func(*fastjson.Value)
	walk = func(v *fastjson.Value) {
		switch v.Type() {
		case fastjson.TypeObject:
			o, _ := v.Object()
			o.Visit(func(k []byte, e *fastjson.Value) {
				for _, f := range fields {
					if string(k) != f && strings.EqualFold(string(k), f) {
						found = true
					}
				}
				walk(e)
			})
		case fastjson.TypeArray:
			a, _ := v.Array()
			for _, e := range a {
				walk(e)
			}
		}
	}
	walk(v)
	return found
}
