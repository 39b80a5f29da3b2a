package server

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// httpMetrics are the per-route request counters and latency histograms.
type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	handler  fiber.Handler
	// series caches each (route, method, status)'s counter and histogram:
	// finding them by label values hashes three strings under a lock on
	// every request, which the prediction routes feel.
	series sync.Map // seriesKey → routeSeries
}

// seriesKey names one route's series; routes are fiber's, registered once.
type seriesKey struct {
	route     *fiber.Route
	method    string
	status    int
	unmatched bool
}

type routeSeries struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paddock_http_requests_total",
			Help: "HTTP requests by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "paddock_http_request_duration_seconds",
			Help: "HTTP request latency by method and route pattern.",
			// From 100µs (in-process predictions) to 30s (large uploads).
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	m.handler = adaptor.HTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	return m
}

func (m *httpMetrics) observe(key seriesKey, route string, d time.Duration) {
	v, ok := m.series.Load(key)
	if !ok {
		key.method = strings.Clone(key.method) // fiber reuses the request's buffers
		v, _ = m.series.LoadOrStore(key, routeSeries{
			requests: m.requests.WithLabelValues(key.method, route, strconv.Itoa(key.status)),
			latency:  m.latency.WithLabelValues(key.method, route),
		})
	}
	rs := v.(routeSeries)
	rs.requests.Inc()
	rs.latency.Observe(d.Seconds())
}

func (s *Server) metrics(c *fiber.Ctx) error { return s.http.handler(c) }
