package server

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// runs/search answers with up to 50,000 runs; encoding/json spends most
// of a 1000-run answer in reflection and in wireFloat's MarshalJSON. These
// appenders write the same bytes as encoding/json would for the wire
// types (TestRunEncoderMatchesEncodingJSON holds them to it), without
// reflection.

func appendRun(b []byte, r *wireRun) []byte {
	b = append(b, `{"info":`...)
	b = appendRunInfo(b, &r.Info)
	b = append(b, `,"data":{`...)
	sep := false
	if len(r.Data.Metrics) > 0 {
		b = append(b, `"metrics":[`...)
		for i := range r.Data.Metrics {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendMetric(b, &r.Data.Metrics[i])
		}
		b = append(b, ']')
		sep = true
	}
	b = appendKVField(b, "params", r.Data.Params, &sep)
	b = appendKVField(b, "tags", r.Data.Tags, &sep)
	b = append(b, `},"inputs":{`...)
	if len(r.Inputs.DatasetInputs) > 0 {
		b = append(b, `"dataset_inputs":[`...)
		for i, in := range r.Inputs.DatasetInputs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			s := false
			b = appendKVField(b, "tags", in.Tags, &s)
			if s {
				b = append(b, ',')
			}
			d := in.Dataset
			b = append(b, `"dataset":{"name":`...)
			b = appendString(b, d.Name)
			b = append(b, `,"digest":`...)
			b = appendString(b, d.Digest)
			b = append(b, `,"source_type":`...)
			b = appendString(b, d.SourceType)
			b = append(b, `,"source":`...)
			b = appendString(b, d.Source)
			if d.Schema != "" {
				b = append(b, `,"schema":`...)
				b = appendString(b, d.Schema)
			}
			if d.Profile != "" {
				b = append(b, `,"profile":`...)
				b = appendString(b, d.Profile)
			}
			b = append(b, "}}"...)
		}
		b = append(b, ']')
	}
	return append(b, "}}"...)
}

func appendRunInfo(b []byte, i *wireRunInfo) []byte {
	b = append(b, `{"run_id":`...)
	b = appendString(b, i.RunID)
	b = append(b, `,"run_uuid":`...)
	b = appendString(b, i.RunUUID)
	b = append(b, `,"run_name":`...)
	b = appendString(b, i.RunName)
	b = append(b, `,"experiment_id":`...)
	b = appendString(b, i.ExperimentID)
	b = append(b, `,"user_id":`...)
	b = appendString(b, i.UserID)
	b = append(b, `,"status":`...)
	b = appendString(b, i.Status)
	if i.StartTime != nil {
		b = append(b, `,"start_time":`...)
		b = strconv.AppendInt(b, *i.StartTime, 10)
	}
	if i.EndTime != nil {
		b = append(b, `,"end_time":`...)
		b = strconv.AppendInt(b, *i.EndTime, 10)
	}
	b = append(b, `,"artifact_uri":`...)
	b = appendString(b, i.ArtifactURI)
	b = append(b, `,"lifecycle_stage":`...)
	b = appendString(b, i.LifecycleStage)
	return append(b, '}')
}

func appendMetric(b []byte, m *wireMetric) []byte {
	b = append(b, `{"key":`...)
	b = appendString(b, m.Key)
	b = append(b, `,"value":`...)
	b = appendFloat(b, float64(m.Value))
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, m.Timestamp, 10)
	b = append(b, `,"step":`...)
	b = strconv.AppendInt(b, m.Step, 10)
	if m.RunID != "" {
		b = append(b, `,"run_id":`...)
		b = appendString(b, m.RunID)
	}
	return append(b, '}')
}

func appendKVField(b []byte, name string, kvs []wireKV, sep *bool) []byte {
	if len(kvs) == 0 {
		return b
	}
	if *sep {
		b = append(b, ',')
	}
	*sep = true
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, `":[`...)
	for i, kv := range kvs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"key":`...)
		b = appendString(b, kv.Key)
		b = append(b, `,"value":`...)
		b = appendString(b, kv.Value)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendFloat writes a double as wireFloat.MarshalJSON does.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, `"NaN"`...)
	case math.IsInf(v, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(v, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string the way encoding/json does:
// quotes, backslashes and control characters escaped, <, > and & as
// \u00XX, U+2028 and U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
