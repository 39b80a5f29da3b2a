package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test re-run this binary as a real Paddock process
// (PADDOCK_TEST_CHILD_SERVE=<data dir>), so it can be killed with SIGKILL.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PADDOCK_TEST_CHILD_SERVE"); dir != "" {
		err := run(context.Background(), []string{"paddock", "serve", "--data-dir", dir, "--addr", "127.0.0.1:0"}, os.Getenv, os.Stdout, os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startChild runs Paddock in a child process and returns its URL.
func startChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PADDOCK_TEST_CHILD_SERVE="+dir, "PADDOCK_ADMIN_TOKEN=test-admin-token-0123456789",
		"PADDOCK_LOG_LEVEL=error", "PADDOCK_LOG_ACCESS=false", "PADDOCK_DEMO=false")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return cmd, m[1]
		}
	}
	t.Fatal("child paddock did not start")
	return nil, ""
}

// A kill -9 while clients are logging batches loses no batch that was
// acknowledged: after a restart on the same data dir every acknowledged
// batch is there, complete.
func TestKillDuringLogBatchLosesNoAcknowledgedBatch(t *testing.T) {
	dir := t.TempDir()
	cmd, url := startChild(t, dir)
	const token = "test-admin-token-0123456789"
	post := func(base, path, body string) (int, []byte, error) {
		req, _ := http.NewRequest("POST", base+"/api/2.0/mlflow"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, nil
	}
	var runIDs []string
	for range 4 {
		status, body, err := post(url, "/runs/create", `{"experiment_id":"0"}`)
		var r struct {
			Run struct {
				Info struct {
					RunID string `json:"run_id"`
				}
			}
		}
		if err != nil || status != 200 || json.Unmarshal(body, &r) != nil {
			t.Fatalf("create run: %d %s %v", status, body, err)
		}
		runIDs = append(runIDs, r.Run.Info.RunID)
	}
	var mu sync.Mutex
	acked := map[string][]int{} // run → acknowledged batch numbers
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, id := range runIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				var b strings.Builder
				fmt.Fprintf(&b, `{"run_id":%q,"metrics":[`, id)
				for i := range 500 {
					if i > 0 {
						b.WriteByte(',')
					}
					fmt.Fprintf(&b, `{"key":"b%d","value":%d,"timestamp":1,"step":%d}`, n, i, i)
				}
				b.WriteString("]}")
				status, _, err := post(url, "/runs/log-batch", b.String())
				if err != nil {
					return // the server died mid-request: not acknowledged
				}
				if status == 200 {
					mu.Lock()
					acked[id] = append(acked[id], n)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	close(stop)
	wg.Wait()

	cmd2, url2 := startChild(t, dir)
	defer func() { cmd2.Process.Signal(syscall.SIGTERM); cmd2.Wait() }()
	total := 0
	for id, batches := range acked {
		for _, n := range batches {
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/2.0/mlflow/metrics/get-history?run_id=%s&metric_key=b%d", url2, id, n), nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var h struct{ Metrics []any }
			json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if len(h.Metrics) != 500 {
				t.Fatalf("run %s batch %d was acknowledged but has %d of 500 points after kill -9", id, n, len(h.Metrics))
			}
			total++
		}
	}
	if total < 4 {
		t.Fatalf("only %d batches acknowledged before the kill: the test proves nothing", total)
	}
	t.Logf("%d acknowledged batches all present after kill -9", total)
}
