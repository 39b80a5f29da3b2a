package server

import (
	"strconv"

	"github.com/valyala/fastjson"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
)

// log-batch is the hot path of experiment tracking: a training loop sends
// up to 1000 metric points per request. encoding/json with the lenient
// number types spends ~1.8 ms on such a body; fastjson parses it in a
// fraction of that. The accepted shapes are the same as mlflowRequest's
// (numbers or strings for int64 and doubles, unknown fields ignored), and
// FuzzParseLogBatch checks that whenever both parsers accept a body they
// read the same batch from it.
var logBatchParsers fastjson.ParserPool

type logBatchRequest struct {
	RunID string
	Batch experiments.Batch
}

func parseLogBatch(body []byte) (logBatchRequest, error) {
	p := logBatchParsers.Get()
	defer logBatchParsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return logBatchRequest{}, errs.E(errs.Invalid, "Malformed JSON in request body: %v", err)
	}
	obj, err := v.Object()
	if err != nil {
		return logBatchRequest{}, errs.E(errs.Invalid, "Invalid value in request: expected a JSON object")
	}
	var req logBatchRequest
	var perr error
	obj.Visit(func(k []byte, fv *fastjson.Value) {
		if perr != nil {
			return
		}
		switch string(k) {
		case "run_id":
			req.RunID, perr = jsonString(fv, "run_id")
		case "metrics":
			req.Batch.Metrics, perr = parseMetrics(fv, map[string]string{})
		case "params":
			var kvs []experiments.Tag
			kvs, perr = parseKVs(fv, "params")
			for _, kv := range kvs {
				req.Batch.Params = append(req.Batch.Params, experiments.Param(kv))
			}
		case "tags":
			req.Batch.Tags, perr = parseKVs(fv, "tags")
		}
	})
	return req, perr
}

func jsonString(v *fastjson.Value, field string) (string, error) {
	if v.Type() == fastjson.TypeNull {
		return "", nil
	}
	b, err := v.StringBytes()
	if err != nil {
		return "", errs.E(errs.Invalid, "Invalid value in request: field %s must be a string", field)
	}
	return string(b), nil
}

// parseMetrics reads the metrics list; keys repeat across steps, so each
// distinct key string is allocated once (interned in keys).
func parseMetrics(v *fastjson.Value, keys map[string]string) ([]experiments.Metric, error) {
	if v.Type() == fastjson.TypeNull {
		return nil, nil
	}
	arr, err := v.Array()
	if err != nil {
		return nil, errs.E(errs.Invalid, "Invalid value in request: field metrics must be a list")
	}
	out := make([]experiments.Metric, 0, len(arr))
	for _, mv := range arr {
		m, err := parseMetric(mv, keys)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func parseMetric(v *fastjson.Value, keys map[string]string) (experiments.Metric, error) {
	obj, err := v.Object()
	if err != nil {
		return experiments.Metric{}, errs.E(errs.Invalid, "Invalid value in request: each metric must be an object")
	}
	var m experiments.Metric
	var hasKey, hasValue, hasTS bool
	var perr error
	obj.Visit(func(k []byte, fv *fastjson.Value) {
		if perr != nil || fv.Type() == fastjson.TypeNull {
			return
		}
		switch string(k) {
		case "key":
			b, err := fv.StringBytes()
			if err != nil {
				perr = errs.E(errs.Invalid, "Invalid value in request: field key must be a string")
				return
			}
			key, ok := keys[string(b)] // no allocation for the lookup
			if !ok {
				key = string(b)
				keys[key] = key
			}
			m.Key, hasKey = key, key != ""
		case "value":
			m.Value, perr = jsonDouble(fv)
			hasValue = true
		case "timestamp":
			m.Timestamp, perr = jsonInt64(fv, "timestamp")
			hasTS = true
		case "step":
			m.Step, perr = jsonInt64(fv, "step")
		}
	})
	if perr != nil {
		return m, perr
	}
	for _, f := range []struct {
		name string
		ok   bool
	}{{"key", hasKey}, {"value", hasValue}, {"timestamp", hasTS}} {
		if err := required(f.name, f.ok); err != nil {
			return m, err
		}
	}
	return m, nil
}

// jsonDouble reads a double as protobuf's JSON does: a number, or a
// string holding a number, "NaN", "Infinity" or "-Infinity".
func jsonDouble(v *fastjson.Value) (float64, error) {
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := v.Float64()
		if err != nil {
			return 0, errs.E(errs.Invalid, "Invalid value in request: %v", err)
		}
		return f, nil
	case fastjson.TypeString:
		var f flexFloat
		b, _ := v.StringBytes()
		if err := f.UnmarshalJSON(strconv.AppendQuote(nil, string(b))); err != nil {
			return 0, errs.E(errs.Invalid, "Invalid value in request: %v", err)
		}
		return f.V, nil
	}
	return 0, errs.E(errs.Invalid, "Invalid value in request: expected a number, got %s", v.Type())
}

func jsonInt64(v *fastjson.Value, field string) (int64, error) {
	var raw []byte
	switch v.Type() {
	case fastjson.TypeNumber:
		if n, err := v.Int64(); err == nil {
			return n, nil
		}
		raw = v.MarshalTo(nil)
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		raw = strconv.AppendQuote(nil, string(b))
	default:
		return 0, errs.E(errs.Invalid, "Invalid value in request: field %s must be an integer", field)
	}
	var f flexInt
	if err := f.UnmarshalJSON(raw); err != nil {
		return 0, errs.E(errs.Invalid, "Invalid value in request: field %s: %v", field, err)
	}
	return f.V, nil
}

func parseKVs(v *fastjson.Value, field string) ([]experiments.Tag, error) {
	if v.Type() == fastjson.TypeNull {
		return nil, nil
	}
	arr, err := v.Array()
	if err != nil {
		return nil, errs.E(errs.Invalid, "Invalid value in request: field %s must be a list", field)
	}
	out := make([]experiments.Tag, 0, len(arr))
	for _, e := range arr {
		obj, err := e.Object()
		if err != nil {
			return nil, errs.E(errs.Invalid, "Invalid value in request: each of %s must be an object", field)
		}
		var kv experiments.Tag
		var perr error
		obj.Visit(func(k []byte, fv *fastjson.Value) {
			if perr != nil {
				return
			}
			switch string(k) {
			case "key":
				kv.Key, perr = jsonString(fv, "key")
			case "value":
				kv.Value, perr = jsonString(fv, "value")
			}
		})
		if perr != nil {
			return nil, perr
		}
		out = append(out, kv)
	}
	return out, nil
}
