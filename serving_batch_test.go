package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// A PyTorch→ONNX classifier is served through the adaptive batcher
// (batching.mode auto turns it on for ONNX): concurrent single-row
// requests are joined into batches and each still gets exactly the
// output PyTorch computed for its row.
func TestServingBatchesONNXUnderConcurrency(t *testing.T) {
	cfg := writeConfig(t, "serving:\n  models:\n    mlp:\n      batching:\n        max_batch_size: 16\n        max_latency: 2ms\n")
	in := start(t, nil, "--config", cfg)
	fx := fixtureDir("onnx", "mlp_softmax")
	v := registerModelDir(t, in, "mlp", modelOnly(t, fx, "model.onnx"))
	setAlias(t, in, "mlp", "production", v)
	var rows [][]float64
	var want [][]float64
	readJSON(t, filepath.Join(fx, "inputs.json"), &rows)
	readJSON(t, filepath.Join(fx, "expected.json"), &want)

	var wg sync.WaitGroup
	var mu sync.Mutex
	batched := 0
	errs := make(chan string, len(rows))
	for i := range rows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rep := range 5 {
				b, _ := json.Marshal(map[string]any{"inputs": [][]float64{rows[i]}})
				req, _ := newRequest("POST", in.URL+"/api/models/mlp/predict", b, in.Admin)
				resp, err := httpClient.Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				var res struct {
					Predictions [][]float64
					BatchRows   int `json:"batch_rows"`
				}
				err = json.NewDecoder(resp.Body).Decode(&res)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || len(res.Predictions) != 1 {
					errs <- fmt.Sprintf("row %d: status %d %v", i, resp.StatusCode, err)
					return
				}
				for k, x := range want[i] {
					if math.Abs(res.Predictions[0][k]-x) > 1e-5 {
						errs <- fmt.Sprintf("row %d (rep %d): output %v, PyTorch %v", i, rep, res.Predictions[0], want[i])
						return
					}
				}
				if res.BatchRows > 1 {
					mu.Lock()
					batched++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if batched == 0 {
		t.Fatal("320 concurrent requests were never batched together")
	}
	_, metrics, _ := in.call("GET", "/metrics", "", nil)
	if !contains(metrics, `paddock_serving_batch_rows_count{model="mlp",version="1"}`) {
		t.Fatal("/metrics lacks the batch size histogram")
	}
	t.Logf("%d of %d answers came from a joined batch", batched, 5*len(rows))
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func contains(b []byte, s string) bool { return bytesContains(b, []byte(s)) }
