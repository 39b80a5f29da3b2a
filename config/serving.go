package config

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/paddockml/paddock/registry/naming"
	"github.com/paddockml/paddock/serving/filters"
)

// ServingConfig configures the prediction endpoints (docs/serving.md).
type ServingConfig struct {
	// Enabled turns the prediction endpoints on. Default true.
	Enabled bool `yaml:"enabled"`
	// DefaultAlias is the alias a request without @alias or /versions/N
	// is answered by. Default "production".
	DefaultAlias string `yaml:"default_alias"`
	// ModelDir holds the local copies of loaded versions' files.
	// Default "<data_dir>/models".
	ModelDir string `yaml:"model_dir"`
	// LoadTimeout bounds fetching, loading and warming one version.
	// Default 2m.
	LoadTimeout Duration `yaml:"load_timeout"`
	// PredictTimeout bounds one prediction. Default 30s.
	PredictTimeout Duration `yaml:"predict_timeout"`
	// UnloadAfter unloads a version no alias points to once no request
	// has used it for this long. Default 10m.
	UnloadAfter Duration `yaml:"unload_after"`
	// PredictionLog configures the prediction log.
	PredictionLog PredictionLogConfig `yaml:"prediction_log"`
	// Models holds per-model settings, by registered model name. A model
	// named here is loaded at start (its default alias and the aliases
	// listed) and kept loaded; other models load on their first request.
	Models map[string]ServedModelConfig `yaml:"models"`
}

// PredictionLogConfig configures the log of predictions that dark mode,
// feedback and monitoring read.
type PredictionLogConfig struct {
	// SampleRate is the share of requests logged, 0 to 1. The decision
	// hashes the request id, so every arm of a request is kept or dropped
	// together. Default 1.
	SampleRate float64 `yaml:"sample_rate"`
	// KeepInputs stores each logged request's input, not only its digest.
	// Default false.
	KeepInputs bool `yaml:"keep_inputs"`
	// Capacity bounds the entries waiting to be written; beyond it new
	// entries are dropped and counted, never waited for. Default 65536.
	Capacity int `yaml:"capacity"`
	// MaxBytes bounds the memory those entries hold. Default 64MiB.
	MaxBytes ByteSize `yaml:"max_bytes"`
	// BatchSize is the most entries written in one transaction.
	// Default 512.
	BatchSize int `yaml:"batch_size"`
	// FlushInterval is the longest an entry waits to be written.
	// Default 200ms.
	FlushInterval Duration `yaml:"flush_interval"`
}

// ServedModelConfig is one model's serving settings.
type ServedModelConfig struct {
	// Aliases are loaded at start beside the default alias and followed.
	// Default [].
	Aliases []string `yaml:"aliases"`
	// SampleRate overrides serving.prediction_log.sample_rate for this
	// model; negative keeps the global rate. Default -1.
	SampleRate float64 `yaml:"sample_rate"`
	// Batching groups concurrent requests into one model call.
	Batching BatchingConfig `yaml:"batching"`
	// Cache answers a repeated input from memory.
	Cache CacheConfig `yaml:"cache"`
	// Filters are rules that answer a request without the model.
	Filters filters.Config `yaml:"filters"`
}

// BatchingConfig configures adaptive batching of one model.
type BatchingConfig struct {
	// Mode is "auto" (on for ONNX and Python models, where a batch is
	// cheaper per row; off for trees and linear models), "on" or "off".
	// Default "auto".
	Mode string `yaml:"mode"`
	// MaxBatchSize is the most rows in one model call. Default 64.
	MaxBatchSize int `yaml:"max_batch_size"`
	// MaxLatency is how long a batch waits for more requests once it has
	// one; 0 batches only what is already queued (no added latency when
	// the model is idle). Default 0.
	MaxLatency Duration `yaml:"max_latency"`
}

// CacheConfig configures the response cache of one model, keyed by
// model version and canonical input.
type CacheConfig struct {
	// Enabled turns the cache on. Default false.
	Enabled bool `yaml:"enabled"`
	// MaxEntries bounds the cached responses. Default 10000.
	MaxEntries int `yaml:"max_entries"`
	// MaxBytes bounds their size. Default 64MiB.
	MaxBytes ByteSize `yaml:"max_bytes"`
	// TTL is how long a response stays valid. Default 10m.
	TTL Duration `yaml:"ttl"`
}

func defaultServing() ServingConfig {
	return ServingConfig{
		Enabled:        true,
		DefaultAlias:   "production",
		LoadTimeout:    Duration(2 * time.Minute),
		PredictTimeout: Duration(30 * time.Second),
		UnloadAfter:    Duration(10 * time.Minute),
		PredictionLog: PredictionLogConfig{
			SampleRate: 1, Capacity: 65536, MaxBytes: 64 << 20, BatchSize: 512,
			FlushInterval: Duration(200 * time.Millisecond),
		},
	}
}

// DefaultServedModel is the settings of a model the file does not name,
// and the base a named model's settings start from.
func DefaultServedModel() ServedModelConfig {
	return ServedModelConfig{
		SampleRate: -1,
		Batching:   BatchingConfig{Mode: "auto", MaxBatchSize: 64},
		Cache:      CacheConfig{MaxEntries: 10000, MaxBytes: 64 << 20, TTL: Duration(10 * time.Minute)},
	}
}

func (m *ServedModelConfig) setDefaults() { *m = DefaultServedModel() }

// validateServing checks the serving section, each problem at its key.
func validateServing(s ServingConfig, bad func(key, format string, args ...any)) {
	if err := naming.ValidateAlias(s.DefaultAlias); err != nil {
		bad("serving.default_alias", "%v", err)
	}
	if s.LoadTimeout <= 0 {
		bad("serving.load_timeout", "must be positive")
	}
	if s.PredictTimeout <= 0 {
		bad("serving.predict_timeout", "must be positive")
	}
	pl := s.PredictionLog
	if !(pl.SampleRate >= 0 && pl.SampleRate <= 1) {
		bad("serving.prediction_log.sample_rate", "must be between 0 and 1, got %v", pl.SampleRate)
	}
	if pl.Capacity < 1 {
		bad("serving.prediction_log.capacity", "must be at least 1, got %d", pl.Capacity)
	}
	if pl.MaxBytes < 1024 {
		bad("serving.prediction_log.max_bytes", "must be at least 1KiB, got %s", pl.MaxBytes)
	}
	if pl.BatchSize < 1 || pl.BatchSize > 10000 {
		bad("serving.prediction_log.batch_size", "must be between 1 and 10000, got %d", pl.BatchSize)
	}
	if pl.FlushInterval <= 0 {
		bad("serving.prediction_log.flush_interval", "must be positive")
	}
	for _, name := range slices.Sorted(maps.Keys(s.Models)) {
		validateServedModel("serving.models."+name, name, s.Models[name], bad)
	}
}

func validateServedModel(key, name string, m ServedModelConfig, bad func(key, format string, args ...any)) {
	if err := naming.ValidateModelName(name); err != nil {
		bad(key, "invalid model name: %v", err)
	}
	for i, a := range m.Aliases {
		if err := naming.ValidateAlias(a); err != nil {
			bad(fmt.Sprintf("%s.aliases[%d]", key, i), "%v", err)
		}
	}
	if m.SampleRate > 1 || m.SampleRate != m.SampleRate {
		bad(key+".sample_rate", "must be between 0 and 1 (or negative for the global rate), got %v", m.SampleRate)
	}
	switch m.Batching.Mode {
	case "auto", "on", "off":
	default:
		bad(key+".batching.mode", "unknown mode %q (want auto, on or off)", m.Batching.Mode)
	}
	if m.Batching.MaxBatchSize < 1 || m.Batching.MaxBatchSize > 100000 {
		bad(key+".batching.max_batch_size", "must be between 1 and 100000, got %d", m.Batching.MaxBatchSize)
	}
	if m.Batching.MaxLatency > Duration(time.Second) {
		bad(key+".batching.max_latency", "must be at most 1s, got %s", m.Batching.MaxLatency)
	}
	if m.Cache.MaxEntries < 1 {
		bad(key+".cache.max_entries", "must be at least 1, got %d", m.Cache.MaxEntries)
	}
	if m.Cache.MaxBytes < 1024 {
		bad(key+".cache.max_bytes", "must be at least 1KiB, got %s", m.Cache.MaxBytes)
	}
	for _, err := range m.Filters.Validate() {
		if ce, ok := err.(*filters.ConfigError); ok {
			bad(key+".filters."+ce.Key, "%s", ce.Msg)
		}
	}
}
