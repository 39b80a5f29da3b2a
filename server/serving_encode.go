package server

import (
	"strconv"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/serving"
	"github.com/paddockml/paddock/serving/codec"
)

// appendNativeResult writes the native predict response:
//
//	{"predictions": [...], "probabilities": [[...]], "classes": [...],
//	 "model": "churn", "version": 3, "alias": "production",
//	 "request_id": "...", "latency_ms": 0.21, "cache_hit": false}
//
// predictions is the model's predictions output (or its only answer, or
// an object of its outputs by name); probabilities and classes appear
// for classifiers. When a rule answered, predictions holds each row's
// rule output and "rule" names the rule. It is written by hand: it is on
// the path of every native prediction.
func appendNativeResult(b []byte, r *serving.Result, requestID string) []byte {
	b = append(b, `{"predictions":`...)
	switch {
	case r.Rule != "":
		b = r.AppendRuleOutputs(b)
	default:
		b = appendPredictions(b, r)
	}
	if p := findOutput(r.Outputs, flavor.OutputProbabilities); p != nil && r.Rule == "" {
		b = append(b, `,"probabilities":`...)
		b = codec.AppendTensorCompact(b, p)
		if len(r.Signature.Classes) > 0 {
			b = append(b, `,"classes":[`...)
			for i, c := range r.Signature.Classes {
				if i > 0 {
					b = append(b, ',')
				}
				b = codec.AppendString(b, c)
			}
			b = append(b, ']')
		}
	}
	b = append(b, `,"model":`...)
	b = codec.AppendString(b, r.Model)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, r.Version, 10)
	if r.Alias != "" {
		b = append(b, `,"alias":`...)
		b = codec.AppendString(b, r.Alias)
	}
	b = append(b, `,"request_id":`...)
	b = codec.AppendString(b, requestID)
	b = append(b, `,"latency_ms":`...)
	b = strconv.AppendFloat(b, float64(r.Latency.Microseconds())/1000, 'f', 3, 64)
	b = append(b, `,"cache_hit":`...)
	b = strconv.AppendBool(b, r.CacheHit)
	if r.Rule != "" {
		b = append(b, `,"rule":`...)
		b = codec.AppendString(b, r.Rule)
	}
	if r.Experiment != "" {
		b = append(b, `,"experiment":`...)
		b = codec.AppendString(b, r.Experiment)
		b = append(b, `,"arm":`...)
		b = codec.AppendString(b, r.Arm)
	}
	if r.BatchRows > 0 {
		b = append(b, `,"batch_rows":`...)
		b = strconv.AppendInt(b, int64(r.BatchRows), 10)
	}
	return append(b, '}')
}

// appendPredictions writes the predictions output, else the only answer,
// else every output by name.
func appendPredictions(b []byte, r *serving.Result) []byte {
	if p := findOutput(r.Outputs, flavor.OutputPredictions); p != nil {
		return codec.AppendTensorCompact(b, p)
	}
	if len(r.Answer) == 1 {
		return codec.AppendTensorCompact(b, &r.Answer[0])
	}
	b = append(b, '{')
	for i := range r.Outputs {
		if i > 0 {
			b = append(b, ',')
		}
		b = codec.AppendString(b, r.Outputs[i].Name)
		b = append(b, ':')
		b = codec.AppendTensorCompact(b, &r.Outputs[i])
	}
	return append(b, '}')
}

func findOutput(outs []flavor.Tensor, name string) *flavor.Tensor {
	for i := range outs {
		if outs[i].Name == name {
			return &outs[i]
		}
	}
	return nil
}
