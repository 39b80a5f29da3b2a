package serving

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Prometheus collectors of serving. Per-request series
// are resolved once per (version, alias) and kept (see series), so the
// request path only adds to counters.
type metrics struct {
	requests     *prometheus.CounterVec
	errors       *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	batchSize    *prometheus.HistogramVec
	cacheHits    *prometheus.CounterVec
	cacheMisses  *prometheus.CounterVec
	ruleAnswers  *prometheus.CounterVec
	loadFailures *prometheus.CounterVec
	loaded       prometheus.Gauge

	shadowRun, shadowDropped, shadowFailed *prometheus.CounterVec
}

func newMetrics(r prometheus.Registerer) *metrics {
	labels := []string{"model", "version", "alias"}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paddock_serving_requests_total",
			Help: "Prediction requests answered, by model, version and alias (version and alias empty for requests that failed before one was chosen)."}, labels),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paddock_serving_errors_total",
			Help: "Prediction requests that failed, by model, version and alias."}, labels),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "paddock_serving_latency_seconds",
			Help:    "Time to answer a prediction with the model (cache hits and rule answers excluded), by model, version and alias.",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, labels),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "paddock_serving_batch_rows",
			Help:    "Rows per model call of the adaptive batcher, by model and version.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}}, []string{"model", "version"}),
		cacheHits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paddock_serving_cache_hits_total",
			Help: "Predictions answered from the response cache, by model, version and alias."}, labels),
		cacheMisses: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paddock_serving_cache_misses_total",
			Help: "Cache lookups that found nothing, by model, version and alias."}, labels),
		ruleAnswers: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paddock_serving_rule_answers_total",
			Help: "Predictions answered by a rule filter instead of the model, by model and rule."}, []string{"model", "rule"}),
		loadFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paddock_serving_load_failures_total",
			Help: "Model versions that failed to fetch, load or warm, by model."}, []string{"model"}),
		loaded: prometheus.NewGauge(prometheus.GaugeOpts{Name: "paddock_serving_loaded_versions",
			Help: "Model versions loaded in this process."}),
		shadowRun: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paddock_live_shadow_predictions_total",
			Help: "Shadow (alpha) predictions run, by live experiment."}, []string{"experiment"}),
		shadowDropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paddock_live_shadow_dropped_total",
			Help: "Shadow predictions dropped because the shadow queue was full, by live experiment."}, []string{"experiment"}),
		shadowFailed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "paddock_live_shadow_failed_total",
			Help: "Shadow predictions that failed or timed out, by live experiment."}, []string{"experiment"}),
	}
	if r != nil {
		r.MustRegister(m.requests, m.errors, m.latency, m.batchSize, m.cacheHits, m.cacheMisses,
			m.ruleAnswers, m.loadFailures, m.loaded, m.shadowRun, m.shadowDropped, m.shadowFailed)
	}
	return m
}

// series are one (model, version, alias) triple's resolved collectors.
type series struct {
	requests, errors, cacheHits, cacheMisses prometheus.Counter
	latency                                  prometheus.Observer
	// timeline is the same traffic in 10 s buckets for the dashboard
	// (timeline.go); nil for requests no version answered.
	timeline *timeline
}

type seriesKey struct {
	version int64
	alias   string
}

// aliasSeries caches a handle's series for the alias it last answered
// as, which is nearly always the only one: the request path then finds
// its collectors with one atomic load.
type aliasSeries struct {
	alias string
	s     *series
}

// seriesOf returns the collectors of h answering as alias.
func (ep *endpoint) seriesOf(h *handle, alias string) *series {
	if c := h.series.Load(); c != nil && c.alias == alias {
		return c.s
	}
	s := ep.seriesFor(h.version, alias)
	h.series.Store(&aliasSeries{alias: alias, s: s})
	return s
}

// seriesFor returns the collectors of a version answering as alias.
func (ep *endpoint) seriesFor(version int64, alias string) *series {
	k := seriesKey{version, alias}
	if s, ok := ep.series.Load(k); ok {
		return s.(*series)
	}
	m := ep.svc.metrics
	v := ""
	if version > 0 {
		v = strconv.FormatInt(version, 10)
	}
	s := &series{
		requests: m.requests.WithLabelValues(ep.name, v, alias), errors: m.errors.WithLabelValues(ep.name, v, alias),
		cacheHits: m.cacheHits.WithLabelValues(ep.name, v, alias), cacheMisses: m.cacheMisses.WithLabelValues(ep.name, v, alias),
		latency: m.latency.WithLabelValues(ep.name, v, alias), timeline: newTimeline(version),
	}
	actual, _ := ep.series.LoadOrStore(k, s)
	return actual.(*series)
}
