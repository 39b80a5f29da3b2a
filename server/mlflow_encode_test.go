package server

import (
	"encoding/json"
	"math"
	"testing"
)

func sampleRun(s string) wireRun {
	st, et := int64(1700000000000), int64(1700000000999)
	return wireRun{
		Info: wireRunInfo{RunID: "abc", RunUUID: "abc", RunName: s, ExperimentID: "1", UserID: "u\u2028<&>", Status: "FINISHED",
			StartTime: &st, EndTime: &et, ArtifactURI: "mlflow-artifacts:/1/abc/artifacts", LifecycleStage: "active"},
		Data: wireRunData{
			Metrics: []wireMetric{{Key: "a", Value: 0.1, Timestamp: 1, Step: 2}, {Key: "n", Value: wireFloat(math.NaN())},
				{Key: "i", Value: wireFloat(math.Inf(-1))}, {Key: "big", Value: 1e300}, {Key: "small", Value: 1e-7}, {Key: "int", Value: 3}},
			Params: []wireKV{{Key: "p", Value: s}},
			Tags:   []wireKV{{Key: "t\x01", Value: "\"quoted\"\\"}},
		},
		Inputs: wireRunInputs{DatasetInputs: []wireDatasetInput{{Tags: []wireKV{{Key: "k", Value: "v"}},
			Dataset: wireDataset{Name: "d", Digest: "x", SourceType: "local", Source: "s", Schema: "{}"}}}},
	}
}

// The hand-written encoder must write exactly encoding/json's bytes.
func TestRunEncoderMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"plain", "", "tab\there", "ünïcode ✓", "bad \xff utf8", "\u2029", "emoji 🐎"} {
		for _, r := range []wireRun{sampleRun(s), {Info: wireRunInfo{RunID: s}}} {
			want, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if got := appendRun(nil, &r); string(got) != string(want) {
				t.Fatalf("string %q:\ngot  %s\nwant %s", s, got, want)
			}
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"a", "\x00", "\xff\xfe", "\u2028", "<script>", "é", "\b\f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s want %s", s, got, want)
		}
	})
}
