// Command tracking measures Paddock's experiment tracking over its MLflow
// REST API on a real server process and a real SQLite file:
//
//   - ingestion: log-batch requests of 1000 metrics from several clients,
//     in metric points per second;
//
//   - search: runs/search for 1000 of 100,000 runs, filtered and ordered
//     by a metric, latency percentiles.
//
//     go run ./bench/tracking [-runs 100000] [-clients 4] [-duration 10s]
//
// MLflow's own server cannot be installed on the reference machine (no
// package index), so the peer figures printed beside Paddock's are the
// ones measured for MLflow 2.12 on the same kind of machine, quoted in
// issue 3; they are labelled as such.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paddockml/paddock/bench/internal/benchkit"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/sqldb"
)

const (
	token          = "bench-admin-token-0123456789"
	mlflowPointsPS = 15000.0 // MLflow 2.12, quoted in issue 3
	mlflowSearchMS = 500.0   // MLflow 2.12, 1000 of 2000 runs, quoted in issue 3
)

func main() {
	nRuns := flag.Int("runs", 100000, "runs in the search database")
	clients := flag.Int("clients", 4, "concurrent log-batch clients")
	duration := flag.Duration("duration", 10*time.Second, "ingestion duration")
	searches := flag.Int("searches", 50, "search requests to time")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "paddock-bench-tracking-")
	check(err)
	defer os.RemoveAll(tmp)
	bin := build(tmp)

	fmt.Println("== ingestion: log-batch, 1000 metrics per request")
	srv := startServer(bin, filepath.Join(tmp, "ingest"))
	running = srv
	meter := startCPUMeter(srv)
	pps := ingest(srv, *clients, *duration)
	fmt.Printf("(%s)\n", meter.others())
	srv.Stop()
	fmt.Printf("Paddock: %.0f metric points/s (%d clients)\n", pps, *clients)
	fmt.Printf("MLflow 2.12 (quoted): %.0f points/s  → ratio %.1fx (target ≥20x, ≥300,000 points/s)\n\n", mlflowPointsPS, pps/mlflowPointsPS)

	fmt.Printf("== search: 1000 of %d runs, filtered and ordered by a metric\n", *nRuns)
	dir := filepath.Join(tmp, "search")
	start := time.Now()
	populate(dir, *nRuns)
	fmt.Printf("(populated %d runs in %s)\n", *nRuns, time.Since(start).Round(time.Second))
	srv = startServer(bin, dir)
	running = srv
	meter = startCPUMeter(srv)
	p50, p95 := search(srv, *searches)
	fmt.Printf("(%s)\n", meter.others())
	srv.Stop()
	fmt.Printf("Paddock: p50 %.1f ms, p95 %.1f ms\n", p50, p95)
	fmt.Printf("MLflow 2.12 (quoted): ~%.0f ms for 1000 of 2000 runs → ratio %.0fx (target p50 ≤25 ms)\n", mlflowSearchMS, mlflowSearchMS/p50)
}

// server is the Paddock process under measurement.
type server = benchkit.Paddock

func build(dir string) string {
	bin, err := benchkit.BuildPaddock(dir)
	check(err)
	return bin
}

func startServer(bin, dataDir string) *server {
	s, err := benchkit.StartPaddock(bin, dataDir, token)
	check(err)
	return s
}

// post calls an MLflow REST route of s as the admin.
func post(s *server, path string, body []byte) []byte {
	req, _ := http.NewRequest("POST", s.URL+"/api/2.0/mlflow"+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	check(err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		check(fmt.Errorf("%s: %d %s", path, resp.StatusCode, out))
	}
	return out
}

func ingest(s *server, clients int, d time.Duration) float64 {
	var points atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var run struct {
				Run struct {
					Info struct {
						RunID string `json:"run_id"`
					}
				}
			}
			check(json.Unmarshal(post(s, "/runs/create", []byte(`{"experiment_id":"0"}`)), &run))
			step := 0
			for time.Now().Before(deadline) {
				var b strings.Builder
				fmt.Fprintf(&b, `{"run_id":%q,"metrics":[`, run.Run.Info.RunID)
				for i := range 1000 {
					if i > 0 {
						b.WriteByte(',')
					}
					fmt.Fprintf(&b, `{"key":"m%d","value":%g,"timestamp":%d,"step":%d}`, i%10, rand.Float64(), 1700000000000+step, step)
					step++
				}
				b.WriteString("]}")
				post(s, "/runs/log-batch", []byte(b.String()))
				points.Add(1000)
			}
			_ = c
		}()
	}
	start := time.Now()
	wg.Wait()
	return float64(points.Load()) / time.Since(start).Seconds()
}

// populate writes n runs with params, tags and three metrics through the
// tracking service itself (the HTTP path is what ingestion measures),
// from several goroutines so that their batches share commits.
func populate(dir string, n int) {
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(dir, "paddock.db"), sqldb.SQLiteOptions{})
	check(err)
	defer db.Close()
	_, err = db.Migrate(ctx)
	check(err)
	svc := experiments.New(db, nil)
	exp, err := svc.CreateExperiment(ctx, "search-bench", "", nil)
	check(err)
	const writers = 8
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += writers {
				writeRun(ctx, svc, exp, i)
			}
		}()
	}
	wg.Wait()
}

func writeRun(ctx context.Context, svc *experiments.Service, exp int64, i int) {
	st := int64(1700000000000 + i)
	run, err := svc.CreateRun(ctx, experiments.CreateRunRequest{ExperimentID: exp, StartTime: &st, RunName: fmt.Sprintf("run-%d", i)})
	check(err)
	check(svc.LogBatch(ctx, run.Info.RunID, experiments.Batch{
		Metrics: []experiments.Metric{
			{Key: "accuracy", Value: rand.Float64(), Timestamp: st, Step: 10},
			{Key: "f1", Value: rand.Float64(), Timestamp: st, Step: 10},
			{Key: "loss", Value: rand.Float64(), Timestamp: st, Step: 10},
		},
		Params: []experiments.Param{{Key: "lr", Value: fmt.Sprint([]float64{0.1, 0.01, 0.001}[i%3])}, {Key: "depth", Value: fmt.Sprint(3 + i%6)}},
		Tags:   []experiments.Tag{{Key: "team", Value: []string{"growth", "nlp", "risk"}[i%3]}},
	}))
}

func search(s *server, n int) (p50, p95 float64) {
	body := []byte(`{"experiment_ids":["1"],"filter":"metrics.accuracy > 0.5 and params.lr = '0.01'","order_by":["metrics.f1 DESC"],"max_results":1000}`)
	var times []float64
	for i := range n + 3 {
		start := time.Now()
		out := post(s, "/runs/search", body)
		ms := float64(time.Since(start).Microseconds()) / 1000
		if i < 3 {
			var r struct{ Runs []any }
			check(json.Unmarshal(out, &r))
			if len(r.Runs) == 0 {
				check(fmt.Errorf("search returned no runs"))
			}
			if i == 0 {
				fmt.Printf("(each search returns %d runs)\n", len(r.Runs))
			}
			continue // warm-up
		}
		times = append(times, ms)
	}
	slices.Sort(times)
	return times[len(times)/2], times[len(times)*95/100]
}

// running is the server to stop when the benchmark fails.
var running *server

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		if running != nil {
			running.Stop()
		}
		os.Exit(1)
	}
}
