// Command dashboard measures the dashboard's runs pages on a real server
// process and a real SQLite file holding 100,000 runs and 10 million
// metric points (one run with a 1,000,000-point loss history, the others
// with 30 points each of three metrics):
//
//   - the runs table of the experiment, first page (50 runs), and the
//     same table filtered and ordered by a metric;
//   - the run page of the long run, whose chart is the 1,000,000-point
//     history: viewed again (the curve the server kept), viewed after
//     1,000 more points were logged through the MLflow API (the kept
//     curve brought up to date), and viewed first in a fresh process;
//   - a comparison of the long run with two others, the experiments list;
//   - every page of the table, following its next-page links.
//
// Each page is requested repeatedly by a signed-in client on loopback;
// the figures are the client's wall time per request, which includes the
// HTTP exchange (nothing is subtracted), and the server process's CPU
// time per request from /proc. Target: p95 ≤50 ms.
//
//	go run ./bench/dashboard [-runs 100000] [-requests 50] [-restarts 10] [-data DIR]
//
// -data keeps the seeded database in DIR and reuses it on the next run
// (the long run grows by the points the benchmark logs).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/paddockml/paddock/bench/internal/benchkit"
)

const (
	token     = "bench-admin-token-0123456789"
	targetMS  = 50.0
	longSteps = 1_000_000
)

func main() {
	nRuns := flag.Int("runs", 100_000, "runs in the database, the long one included")
	requests := flag.Int("requests", 50, "timed requests per page")
	restarts := flag.Int("restarts", 10, "fresh server processes whose first chart request is timed")
	dataDir := flag.String("data", "", "keep the seeded data here and reuse it (default: a temporary directory)")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "paddock-bench-dashboard-")
	check(err)
	defer os.RemoveAll(tmp)
	bin := build(tmp)
	dir := *dataDir
	if dir == "" {
		dir = filepath.Join(tmp, "data")
	}
	db := prepare(dir, *nRuns)

	srv := startServer(bin, dir)
	running = srv
	client := signIn(srv.URL)
	fmt.Printf("(load average before: %s)\n", loadAverage())
	runs := fmt.Sprintf("/ui/experiments/%d/runs", db.experiment)
	chart := "/ui/runs/" + db.longRun + "?metric=loss"
	filtered := runs + "?" + url.Values{"filter": {"metrics.accuracy > 0.5 and params.lr = '0.01'"}, "order_by": {"metrics.f1 DESC"}}.Encode()
	pages := []page{
		{name: "runs table, first page (50 runs)", path: runs, mark: `data-testid="run"`, want: 50},
		{name: "runs table, filtered and ordered by a metric", path: filtered, mark: `data-testid="run"`, want: 50},
		{name: "run page, 1,000,000-point chart, viewed again", path: chart, mark: `data-testid="chart-metric"`, want: 1},
		{name: "same, 1,000 new points logged before each view", path: chart, mark: `data-testid="chart-metric"`, want: 1,
			before: appender(srv.URL, db.longRun)},
		{name: "compare 3 runs, overlaid loss curves", path: "/ui/compare?runs=" + db.longRun + "," + db.sampleRun + "," + db.otherRun + "&metric=loss",
			mark: `data-testid="chart-compare"`, want: 1},
		{name: "runs table ordered by a param", path: runs + "?order_by=params.lr", mark: `data-testid="run"`, want: 50},
		{name: "experiments list", path: "/ui/experiments", mark: `data-testid="experiment"`, want: 2},
	}
	fmt.Printf("%-48s %9s %9s %9s %12s\n", "page", "p50 ms", "p95 ms", "max ms", "server CPU")
	for _, p := range pages {
		r := measure(client, srv, p, *requests)
		v := verdict(r)
		if strings.HasPrefix(p.name, "experiments") || strings.HasPrefix(p.name, "compare") || strings.Contains(p.name, "param") {
			v = "(no target)"
		}
		fmt.Printf("%-48s %9.1f %9.1f %9.1f %9.1f ms  %s\n", p.name, r.p50, r.p95, r.max, r.cpu, v)
	}
	fmt.Println("\nevery page of the table, following its next-page links (50 runs a page):")
	for _, p := range []page{{name: "newest first", path: runs}, {name: "filtered, ordered by metrics.f1 DESC", path: filtered}} {
		r, n := walk(client, srv.URL, p.path)
		fmt.Printf("%-48s %9.1f %9.1f %9.1f  (%d runs, %d pages)\n", p.name, r.p50, r.p95, r.max, n, (n+49)/50)
	}
	srv.Stop()
	fmt.Printf("\nthe chart's first view, in %d fresh server processes each:\n", *restarts)
	for _, warm := range []string{"", runs} {
		r := firstViews(bin, dir, warm, chart, *restarts)
		name := "as the process's first request"
		if warm != "" {
			name = "after one runs-table request"
		}
		fmt.Printf("%-48s %9.1f %9.1f %9.1f  %s\n", name, r.p50, r.p95, r.max, verdict(r))
	}
	fmt.Printf("(load average after: %s)\n", loadAverage())
}

// firstViews starts the server n times and times its first request for
// path (after one for warm, if given): no curve is kept yet, and SQLite's
// page cache is empty (the file itself is in the OS's cache).
func firstViews(bin, dir, warm, path string, n int) result {
	var times []float64
	for range n {
		srv := startServer(bin, dir)
		running = srv
		client := signIn(srv.URL)
		if warm != "" {
			resp, err := client.Get(srv.URL + warm)
			check(err)
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			check(err)
		}
		start := time.Now()
		resp, err := client.Get(srv.URL + path)
		check(err)
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		times = append(times, float64(time.Since(start).Microseconds())/1000)
		check(err)
		if resp.StatusCode != http.StatusOK {
			check(fmt.Errorf("%s: %d", path, resp.StatusCode))
		}
		srv.Stop()
		running = nil
	}
	slices.Sort(times)
	return result{p50: times[len(times)/2], p95: times[len(times)*95/100], max: times[len(times)-1]}
}

// verdict holds p95 to the target.
func verdict(r result) string {
	if r.p95 > targetMS {
		return "≤50 ms: MISSED"
	}
	return "≤50 ms: met"
}

// prepare seeds dir unless it holds a database already.
func prepare(dir string, nRuns int) seeded {
	ctx := context.Background()
	check(os.MkdirAll(dir, 0o755))
	info := filepath.Join(dir, "bench-dashboard.txt")
	if b, err := os.ReadFile(info); err == nil {
		var s seeded
		_, err := fmt.Sscan(string(b), &s.experiment, &s.longRun, &s.sampleRun, &s.otherRun, &s.points)
		check(err)
		fmt.Printf("(reusing %s: %d metric points)\n", dir, s.points)
		return s
	}
	start := time.Now()
	plan := seedPlan{runs: nRuns - 1, stepsEach: 30, longPoints: longSteps}
	s, err := seed(ctx, dir, plan)
	check(err)
	fmt.Printf("(seeded %d runs and %d metric points in %s)\n", nRuns, s.points, time.Since(start).Round(100*time.Millisecond))
	check(os.WriteFile(info, fmt.Appendf(nil, "%d %s %s %s %d\n", s.experiment, s.longRun, s.sampleRun, s.otherRun, s.points), 0o644))
	return s
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

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
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
