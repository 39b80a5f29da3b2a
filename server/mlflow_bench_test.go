package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func logBatchBody() []byte {
	var b strings.Builder
	b.WriteString(`{"run_id":"0123456789abcdef0123456789abcdef","metrics":[`)
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"key":"m%d","value":%g,"timestamp":%d,"step":%d}`, i%10, 0.123456789*float64(i), 1700000000000+i, i)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func BenchmarkDecodeLogBatch(b *testing.B) {
	body := logBatchBody()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var req struct {
			RunID   string         `json:"run_id"`
			Metrics []wireMetricIn `json:"metrics"`
			Params  []wireKV       `json:"params"`
			Tags    []wireKV       `json:"tags"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseLogBatchFast(b *testing.B) {
	body := logBatchBody()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := parseLogBatch(body); err != nil {
			b.Fatal(err)
		}
	}
}
