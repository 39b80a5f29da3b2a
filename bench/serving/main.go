// Command serving measures Paddock's model serving over HTTP against the
// HTTP floor and against a Python peer doing what MLflow's scoring server
// does, each a separate server process on 127.0.0.1 loaded by wrk:
//
//   - floor: a bare fiber v2 handler answering a constant
//     {"predictions":[0.5]}, the most any Go server on fiber can do;
//   - paddock: `paddock serve` with the 100-tree XGBoost fixture
//     registered over the API, POST /api/models/bench/predict, run once
//     with the prediction log off and once logging every request;
//   - peer: peer.py, MLflow's scoring path for an XGBoost model (JSON to
//     a pandas DataFrame, Booster.predict on a DMatrix, json.dump) in
//     Flask under gunicorn with 2 sync workers, POST /invocations; run
//     once as MLflow runs it and once with OMP_NUM_THREADS=1 (see
//     startPeer), which the targets do not use but the table shows.
//
// Every server first answers one request that is checked (status 200 and
// the prediction XGBoost itself computes for that row), then wrk warms it
// up and measures it with the same settings. The program prints req/s,
// p50 and p99 per server and the ratios Paddock is held to, with MISSED
// beside a target not met; it exits non-zero only when something fails
// (a server, a check, a non-2xx answer under load).
//
//	go run ./bench/serving [-duration 10s] [-connections 32] [-json]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/serving:", err)
		os.Exit(1)
	}
}

// options are the command-line settings.
type options struct {
	wrk       load // Threads, Connections and Duration only
	warmup    time.Duration
	repeats   int
	fixture   string
	bin       string
	only      []string
	jsonOut   bool
	floorAddr string // set in the floor child process
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("serving", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.wrk.Threads, "threads", 2, "wrk threads")
	fs.IntVar(&o.wrk.Connections, "connections", 32, "wrk connections")
	fs.DurationVar(&o.wrk.Duration, "duration", 10*time.Second, "measured wrk run per server")
	fs.IntVar(&o.repeats, "repeats", 1, "measured rounds (each loads every server once, in turn); each server's best run is kept")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "wrk warm-up run per server, not measured")
	fs.StringVar(&o.bin, "paddock-bin", "", "measure this paddock binary instead of building the repository")
	fs.StringVar(&o.fixture, "fixture", defaultFixture(), "XGBoost fixture directory (model.json, inputs.json, expected.json)")
	only := fs.String("only", strings.Join(allServers, ","), "servers to measure, comma-separated")
	fs.BoolVar(&o.jsonOut, "json", false, "print the figures as JSON instead of a table")
	fs.StringVar(&o.floorAddr, "floor-child", "", "internal: serve the floor on this address")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.only = strings.Split(*only, ",")
	for _, name := range o.only {
		if !slices.Contains(allServers, name) {
			return o, fmt.Errorf("-only: unknown server %q (want some of %s)", name, strings.Join(allServers, ","))
		}
	}
	if o.wrk.Threads < 1 || o.wrk.Connections < o.wrk.Threads || o.wrk.Duration < time.Second || o.repeats < 1 {
		return o, errors.New("want -threads >= 1, -connections >= -threads, -duration >= 1s and -repeats >= 1")
	}
	return o, nil
}

// allServers are the names -only accepts, in the order they are measured.
var allServers = []string{"floor", "paddock", "peer"}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.floorAddr != "" {
		return serveFloor(o.floorAddr)
	}
	fx, err := readFixture(o.fixture)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "paddock-bench-serving-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &bench{opts: o, fx: fx, dir: dir, log: stderr}
	defer b.stopAll()
	for _, name := range o.only {
		if err := b.measure(ctx, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := b.measureRounds(ctx); err != nil {
		return err
	}
	rep := newReport(o, fx, b.results)
	if o.jsonOut {
		return rep.writeJSON(stdout)
	}
	return rep.writeTable(stdout)
}

// bench starts every server, then measures them in rounds (each round
// loads every server once, in turn) and collects their results.
type bench struct {
	opts    options
	fx      fixture
	dir     string
	log     io.Writer
	results []result
	targets []*target
	stops   []func()
}

// target is one server to load, and what to check once it was loaded.
type target struct {
	name  string
	l     load
	after func(*result) error
}

// result is one server's measurement.
type result struct {
	Name         string  `json:"name"`
	RPS          float64 `json:"requests_per_second"`
	P50MS        float64 `json:"p50_ms"`
	P99MS        float64 `json:"p99_ms"`
	Requests     int64   `json:"requests"`
	Non2xx       int64   `json:"non_2xx"`
	SocketErrors int64   `json:"socket_errors"`
	LogWritten   float64 `json:"log_written,omitempty"`
	LogDropped   float64 `json:"log_dropped,omitempty"`
	Note         string  `json:"note,omitempty"`
}

func (b *bench) measure(ctx context.Context, name string) error {
	switch name {
	case "floor":
		return b.measureFloor(ctx)
	case "paddock":
		return b.measurePaddock(ctx)
	default:
		return b.measurePeer(ctx)
	}
}

func (b *bench) measureFloor(ctx context.Context) error {
	s, err := startFloor(ctx)
	if err != nil {
		return err
	}
	b.stops = append(b.stops, s.stop)
	return b.load(ctx, "floor", s.url("/predict"), b.fx.paddockBody, paddockHeaders)
}

// measurePeer measures the peer as MLflow runs it (XGBoost's OpenMP
// threads left at one per core), then with one OpenMP thread per worker,
// the peer at its best; the targets are against the first.
func (b *bench) measurePeer(ctx context.Context) error {
	for _, v := range []struct {
		name string
		omp  int
	}{{namePeer, 0}, {namePeerOMP1, 1}} {
		s, err := startPeer(ctx, b.dir, b.fx.modelFile, v.omp, b.fx.peerBody, b.fx.want)
		if err != nil {
			return err
		}
		b.stops = append(b.stops, s.stop)
		err = b.load(ctx, v.name, s.url("/invocations"), b.fx.peerBody, peerHeaders)
		if err != nil {
			return err
		}
	}
	return nil
}

// measurePaddock builds Paddock and measures it with the prediction log
// off, then on for every request.
func (b *bench) measurePaddock(ctx context.Context) error {
	bin := b.opts.bin
	if bin == "" {
		fmt.Fprintln(b.log, "building paddock")
		var err error
		if bin, err = buildPaddock(ctx, repoRoot(), b.dir); err != nil {
			return err
		}
	}
	for _, logAll := range []bool{false, true} {
		if err := b.measurePaddockOnce(ctx, bin, logAll); err != nil {
			return err
		}
	}
	return b.measureShadow(ctx, bin)
}

// measureShadow measures Paddock with the log on and a live experiment
// in shadow mode: every request is also answered by an alpha version
// (the 100-tree regression fixture) off the request path, and both
// answers are logged.
func (b *bench) measureShadow(ctx context.Context, bin string) error {
	s, err := startPaddock(ctx, bin, filepath.Join(b.dir, "data-shadow"), true)
	if err != nil {
		return err
	}
	b.stops = append(b.stops, s.stop)
	if err := registerModel(ctx, s, b.fx.modelFile); err != nil {
		return err
	}
	alpha := filepath.Join(filepath.Dir(filepath.Dir(b.fx.modelFile)), "reg_squarederror", "model.json")
	if err := registerAlpha(ctx, s, alpha); err != nil {
		return err
	}
	if err := checkPrediction(ctx, s.url(predictPath), paddockHeaders, b.fx.paddockBody, b.fx.want); err != nil {
		return fmt.Errorf("%s check: %w", namePaddockShadow, err)
	}
	if err := b.load(ctx, namePaddockShadow, s.url(predictPath), b.fx.paddockBody, paddockHeaders); err != nil {
		return err
	}
	b.after(func(r *result) error {
		shadowed, dropped, err := shadowCounters(ctx, s)
		if err != nil {
			return err
		}
		r.Note = fmt.Sprintf("alpha answered %d requests in the shadow, %d dropped under load", shadowed, dropped)
		return nil
	})
	return nil
}

func (b *bench) measurePaddockOnce(ctx context.Context, bin string, logAll bool) error {
	name, data := namePaddockOff, "data-log-off"
	if logAll {
		name, data = namePaddockOn, "data-log-on"
	}
	s, err := startPaddock(ctx, bin, filepath.Join(b.dir, data), logAll)
	if err != nil {
		return err
	}
	b.stops = append(b.stops, s.stop)
	if err := registerModel(ctx, s, b.fx.modelFile); err != nil {
		return err
	}
	if err := checkPrediction(ctx, s.url(predictPath), paddockHeaders, b.fx.paddockBody, b.fx.want); err != nil {
		return fmt.Errorf("%s check: %w", name, err)
	}
	if err := b.load(ctx, name, s.url(predictPath), b.fx.paddockBody, paddockHeaders); err != nil {
		return err
	}
	if logAll {
		b.after(func(r *result) error { b.checkLogged(ctx, s, r); return nil })
		return nil
	}
	// With the log off nothing may be written, or the two runs do not
	// compare what they claim to.
	b.after(func(*result) error {
		c, err := drainedLogCounters(ctx, s)
		if err == nil && c.written+c.dropped > 0 {
			err = fmt.Errorf("%.0f predictions logged with sample_rate 0", c.written+c.dropped)
		}
		return err
	})
	return nil
}

// checkLogged notes beside the 100% run how many predictions the log
// wrote and dropped, and whether GET /api/predictions lists them. A
// dropped prediction means the log-on figure flatters the log, so it is
// warned about; a missing query API only warns too, since it may not
// exist yet.
func (b *bench) checkLogged(ctx context.Context, s *server, last *result) {
	var notes []string
	warn := func(msg string) {
		notes = append(notes, msg)
		fmt.Fprintf(b.log, "warning: %s: %s\n", last.Name, msg)
	}
	c, err := drainedLogCounters(ctx, s)
	switch {
	case err != nil:
		warn(err.Error())
	case c.dropped > 0 || c.failed > 0:
		warn(fmt.Sprintf("log wrote %.0f predictions, dropped %.0f, failed %.0f", c.written, c.dropped, c.failed))
	default:
		notes = append(notes, fmt.Sprintf("log wrote all %.0f predictions", c.written))
	}
	if problem := logProblem(ctx, s); problem != "" {
		warn(problem)
	} else {
		notes = append(notes, "listed by GET /api/predictions")
	}
	last.Note = strings.Join(notes, "; ")
	last.LogWritten, last.LogDropped = c.written, c.dropped
}

// logProblem is "" once GET /api/predictions lists a prediction of the
// bench model, waiting up to five seconds for the asynchronous writer.
func logProblem(ctx context.Context, s *server) string {
	for range 50 {
		n, ok, err := loggedPredictions(ctx, s)
		switch {
		case err != nil:
			return "prediction log check failed: " + err.Error()
		case !ok:
			return "GET /api/predictions not found: prediction log not checked"
		case n > 0:
			return ""
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "GET /api/predictions listed no predictions after 5 s"
}

// load registers a server to measure; measureRounds loads it.
func (b *bench) load(_ context.Context, name, url string, body []byte, headers map[string]string) error {
	l := b.opts.wrk
	l.URL, l.Body, l.Headers = url, body, headers
	b.targets = append(b.targets, &target{name: name, l: l})
	return nil
}

// after sets what to check on the last registered server once measured.
func (b *bench) after(f func(*result) error) { b.targets[len(b.targets)-1].after = f }

// measureRounds warms every server up, then runs -repeats rounds, each
// loading every server once in turn, and keeps each server's run with
// the highest throughput. Interleaving means a neighbour's load on the
// shared machine falls on every server alike instead of on whichever was
// being measured then, so the ratios compare like with like. Any answer
// under load that is not 2xx, in the warm-up too, fails the benchmark.
func (b *bench) measureRounds(ctx context.Context) error {
	best := make([]wrkResult, len(b.targets))
	for round := range b.opts.repeats + 1 {
		for i, tg := range b.targets {
			run := tg.l
			if round == 0 {
				run.Duration = b.opts.warmup
				fmt.Fprintf(b.log, "%s: warm-up %s\n", tg.name, durationArg(run.Duration))
			} else {
				fmt.Fprintf(b.log, "%s: round %d of %d, %s with %d threads and %d connections\n",
					tg.name, round, b.opts.repeats, durationArg(run.Duration), run.Threads, run.Connections)
			}
			r, err := runWrk(ctx, b.dir, run)
			if err != nil {
				return fmt.Errorf("%s: %w", tg.name, err)
			}
			if r.Non2xx > 0 {
				return fmt.Errorf("%s: %d of %d answers under load were not 2xx", tg.name, r.Non2xx, r.Requests)
			}
			if round > 0 && r.RPS > best[i].RPS {
				best[i] = r
			}
		}
	}
	for i, tg := range b.targets {
		r := best[i]
		if r.SocketErrors > 0 {
			fmt.Fprintf(b.log, "warning: %s: %d socket errors under load\n", tg.name, r.SocketErrors)
		}
		b.results = append(b.results, result{
			Name: tg.name, RPS: r.RPS, Requests: r.Requests, Non2xx: r.Non2xx, SocketErrors: r.SocketErrors,
			P50MS: ms(r.P50), P99MS: ms(r.P99),
		})
		if tg.after != nil {
			if err := tg.after(&b.results[len(b.results)-1]); err != nil {
				return fmt.Errorf("%s: %w", tg.name, err)
			}
		}
	}
	return nil
}

// stopAll stops every server started.
func (b *bench) stopAll() {
	for _, stop := range b.stops {
		stop()
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// repoRoot is the repository holding this source file, so the program
// works from any directory under `go run`.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func defaultFixture() string {
	return filepath.Join(repoRoot(), "testdata", "fixtures", "xgboost", "binary_logistic")
}
