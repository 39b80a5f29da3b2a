package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/serving/predlog"
)

// openPredictionLog starts the prediction log writer and exposes its
// counters on /metrics.
func openPredictionLog(c config.PredictionLogConfig, st *stores, reg prometheus.Registerer, logger *slog.Logger) *predlog.Writer {
	w := predlog.New(st.db, predlog.Options{
		Capacity: c.Capacity, MaxBytes: int64(c.MaxBytes), BatchSize: c.BatchSize,
		FlushInterval: c.FlushInterval.Std(), KeepInputs: c.KeepInputs, Logger: logger,
	})
	counter := func(name, help string, f func() uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f()) })
	}
	reg.MustRegister(
		counter("paddock_prediction_log_written_total", "Predictions written to the prediction log.", w.Written),
		counter("paddock_prediction_log_dropped_total", "Predictions not logged because the log's queue was full.", w.Dropped),
		counter("paddock_prediction_log_failed_total", "Accepted predictions that could not be written.", w.Failed),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "paddock_prediction_log_queue_length",
			Help: "Predictions accepted and not yet written."}, func() float64 { return float64(w.QueueLen()) }),
	)
	return w
}

// closePredictionLog flushes every accepted prediction, within timeout.
func closePredictionLog(w *predlog.Writer, timeout time.Duration, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		logger.Error("prediction log", "err", err)
	}
}
