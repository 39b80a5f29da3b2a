package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// BenchmarkServeNativePredict serves the XGBoost 100-tree fixture in
// process and calls the native predict route over loopback with many
// clients, as bench/serving does with wrk. It exists to be profiled:
//
//	go test -run '^$' -bench ServeNativePredict -cpuprofile cpu.out .
//	go tool pprof -top -focus 'fasthttp.\(\*Server\)' cpu.out
//
// The figure of record is bench/serving's; this one includes the
// client's CPU.
func BenchmarkServeNativePredict(b *testing.B) {
	const token = "bench-admin-token-0123456789"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{"PADDOCK_ADMIN_TOKEN": token, "PADDOCK_LOG_LEVEL": "error", "PADDOCK_LOG_ACCESS": "false",
		"PADDOCK_SERVING_PREDICTION_LOG_SAMPLE_RATE": os.Getenv("BENCH_LOG_RATE")}
	if env["PADDOCK_SERVING_PREDICTION_LOG_SAMPLE_RATE"] == "" {
		env["PADDOCK_SERVING_PREDICTION_LOG_SAMPLE_RATE"] = "0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- cmdServe(ctx, []string{"--data-dir", b.TempDir(), "--addr", addr}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()
	b.Cleanup(func() { cancel(); <-done })
	base := "http://" + addr
	waitHealthy(b, base)

	model, err := os.ReadFile(fixtureDir("xgboost", "binary_logistic") + "/model.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range []struct{ method, path, body string }{
		{"PUT", "/api/2.0/mlflow-artifacts/artifacts/bench/m/model.json", string(model)},
		{"POST", "/api/models", `{"name":"bench"}`},
		{"POST", "/api/models/bench/versions", `{"source":"mlflow-artifacts:/bench/m"}`},
		{"PUT", "/api/models/bench/aliases/production", `{"version":1}`},
	} {
		req, _ := http.NewRequest(s.method, base+s.path, bytes.NewReader([]byte(s.body)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			b.Fatalf("%s %s: %d %s", s.method, s.path, resp.StatusCode, out)
		}
	}
	var inputs [][]*float64
	raw, err := os.ReadFile(fixtureDir("xgboost", "binary_logistic") + "/inputs.json")
	if err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(raw, &inputs); err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"rows": inputs[:1]})
	hammer(b, base+"/api/models/bench/predict", token, body)
}

// BenchmarkServeFloor is BenchmarkServeNativePredict's floor: a bare
// fiber handler answering a constant, called the same way.
func BenchmarkServeFloor(b *testing.B) {
	cfg := fiber.Config{DisableStartupMessage: true}
	if os.Getenv("BENCH_FLOOR_CONFIG") == "paddock" {
		cfg = fiber.Config{DisableStartupMessage: true, BodyLimit: 32 << 20, StreamRequestBody: true,
			ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute, ReadBufferSize: 16 << 10}
	}
	app := fiber.New(cfg)
	app.Post("/predict", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.SendString(`{"predictions":[0.5]}`)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go app.Listener(ln)
	b.Cleanup(func() { app.Shutdown() })
	hammer(b, "http://"+ln.Addr().String()+"/predict", "x", []byte(`{"rows":[[1,2,3]]}`))
}

// hammer posts body to url from 32 concurrent clients b.N times.
func hammer(b *testing.B, url, token string, body []byte) {
	client := &fasthttp.Client{MaxConnsPerHost: 64}
	b.SetParallelism(16)
	before := cpuTime(b)
	b.ResetTimer()
	defer func() {
		b.StopTimer()
		b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N), "cpu-ns/op")
	}()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		for pb.Next() {
			req.Reset()
			req.SetRequestURI(url)
			req.Header.SetMethod("POST")
			req.Header.SetContentType("application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			req.SetBody(body)
			if err := client.Do(req, resp); err != nil || resp.StatusCode() != 200 {
				panic(fmt.Sprintf("predict: %v %d %s", err, resp.StatusCode(), resp.Body()))
			}
		}
	})
}

// waitHealthy waits until base answers /healthz.
func waitHealthy(tb testing.TB, base string) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatal("server did not become healthy")
}

// cpuTime is the process's user and system CPU time so far: per request
// it is steadier than wall time on a shared machine.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
