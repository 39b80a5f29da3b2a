package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/server"
	"github.com/paddockml/paddock/serving"
	"github.com/paddockml/paddock/serving/live"
)

// cmdServe runs Paddock until ctx is cancelled (SIGINT/SIGTERM), then
// shuts down in order: stop accepting HTTP and drain in-flight requests,
// then close the artifact store and, last, the database.
func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	started := time.Now()
	fs, cf := newFlagSet("serve", stderr, getenv, true)
	noDemo := fs.Bool("no-demo", false, "no demo project on an empty store (env PADDOCK_DEMO=false)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(cf, getenv)
	if err != nil {
		return err
	}
	cfg.Demo = cfg.Demo && !*noDemo
	logger := newLogger(cfg.Log, stderr)
	st, err := openStores(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer st.close(logger)

	tokens := auth.NewService(st.db, nil)
	adminToken, err := tokens.Bootstrap(ctx, cfg.Auth.AdminToken)
	if err != nil {
		return fmt.Errorf("bootstrap admin token: %w", err)
	}
	if adminToken != "" {
		fmt.Fprintf(stdout, "\nAn admin token was created. It is shown only this once; keep it safe:\n\n    %s\n\n", adminToken)
	}

	tracking := experiments.New(st.db, nil)
	auditLog := audit.New(st.db, nil)
	models, err := registry.New(registry.Options{DB: st.db, Artifacts: st.artifacts, Runs: tracking, Audit: auditLog,
		Policies: cfg.Registry.Policies(), Logger: logger})
	if err != nil {
		return err
	}
	// Before serving follows the registry and training checks its jobs.
	demoProject := setupDemo(ctx, cfg, st, models, stdout, logger)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	predictions := openPredictionLog(cfg.Serving.PredictionLog, st, reg, logger)
	// Closed after the HTTP server has drained: every prediction a client
	// was answered for is flushed before the database closes.
	defer closePredictionLog(predictions, cfg.Server.ShutdownTimeout.Std(), logger)
	// Listen before the services start: training jobs are told the
	// address to report their runs to.
	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Server.Addr, err)
	}
	defer ln.Close()
	served, err := serving.New(ctx, serving.Options{Config: cfg.Serving, Registry: models, Log: predictions,
		Shadow: cfg.Live.Shadow, Metrics: reg, Logger: logger})
	if err != nil {
		return fmt.Errorf("start serving: %w", err)
	}
	defer served.Close()
	experimentsLive, err := live.New(ctx, live.Options{Config: cfg.Live, DB: st.db, Serving: served, Registry: models,
		Audit: auditLog, Logger: logger, Reload: reloadLive(cf, getenv)})
	if err != nil {
		return fmt.Errorf("start live experiments: %w", err)
	}
	defer experimentsLive.Close()
	demoProject.startLive(ctx, experimentsLive)
	training, err := startTraining(ctx, cfg, st, tracking, models, tokens, ln.Addr(), logger)
	if err != nil {
		return err
	}
	if training != nil {
		defer training.Close()
	}
	srv := server.New(server.Deps{
		Config: cfg.Config, DB: st.db, Artifacts: st.artifacts, Auth: tokens, Tracking: tracking, Registry: models, Audit: auditLog,
		Serving: served, Live: experimentsLive, Training: training, Logger: logger, Metrics: reg, Version: version(), Started: started,
	})
	fmt.Fprintf(stdout, "paddock %s listening on http://%s (data in %s, started in %s)\n",
		version(), ln.Addr(), cfg.DataDir, time.Since(started).Round(time.Millisecond))
	logger.Info("paddock started", "addr", ln.Addr().String(), "version", version(), "data_dir", cfg.DataDir)

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	demoProject.startTraffic(ctx, tokens, ln.Addr())
	defer demoProject.stop()
	select {
	case err := <-serveErr:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout.Std())
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("http shutdown", "err", err)
	}
	<-serveErr
	logger.Info("stopped")
	return nil
}

// newLogger builds the structured logger the configuration asks for.
func newLogger(cfg configLog, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// reloadLive re-reads the configuration file for its live section, with
// the same environment and flags as at start.
func reloadLive(cf *commonFlags, getenv func(string) string) func() (config.LiveConfig, error) {
	return func() (config.LiveConfig, error) {
		cfg, err := loadConfig(cf, getenv)
		if err != nil {
			return config.LiveConfig{}, err
		}
		return cfg.Live, nil
	}
}
