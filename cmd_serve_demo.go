package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"path/filepath"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/demo"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/serving/live"
)

// churnExample holds the scripts the demo's training job runs, embedded
// so that a binary run far from this repository has them too.
//
//go:embed examples/churn-xgboost/make_data.py examples/churn-xgboost/train.py
var churnExample embed.FS

// demoTokenName names the token the demo's traffic calls the API with;
// replaced on every start, like the training jobs' token.
const demoTokenName = "demo-traffic"

// demoRun is the demo's part of one start of serve. A nil *demoRun is
// the demo turned off, and its methods do nothing.
type demoRun struct {
	created bool
	// traffic is false when serving is off: there is nothing to call.
	traffic bool
	logger  *slog.Logger
	cancel  context.CancelFunc
	done    chan struct{}
}

// setupDemo seeds the demo into an empty store (once: a store seeded
// before is left as it is, one holding anything else is never touched)
// and, while the store holds the demo, adds its training job to the
// effective configuration. It must run before serving starts. A seeding
// that fails is logged and Paddock starts without the demo.
func setupDemo(ctx context.Context, cfg *config.Loaded, st *stores, models *registry.Service, stdout io.Writer, logger *slog.Logger) *demoRun {
	if !cfg.Demo {
		return nil
	}
	outcome, err := demo.Seed(ctx, demo.Deps{DB: st.db, Artifacts: st.artifacts, Logger: logger})
	switch {
	case err != nil:
		logger.Error("demo not started", "err", err)
		return nil
	case outcome == demo.NotEmpty:
		logger.Debug("demo not started: the store holds data of its own")
		return nil
	}
	// The job's model must exist, or the scheduler refuses to start;
	// someone may have deleted the demo's models since.
	if _, err := models.GetModel(ctx, demo.JobModel); err != nil {
		logger.Warn("demo training job not added", "err", err)
	} else if err := addDemoJob(cfg); err != nil {
		logger.Error("demo training job not added", "err", err)
	}
	const off = "turn it off with --no-demo, demo: false in the config file or PADDOCK_DEMO=false"
	fmt.Fprintf(stdout, "Demo project on (models churn and email-intent, a shadow experiment with live traffic); %s.\n", off)
	logger.Info("demo project on", "seeded", outcome == demo.Created, "experiment", demo.ExperimentName, "job", demo.JobName, "off", off)
	return &demoRun{created: outcome == demo.Created, traffic: cfg.Serving.Enabled, logger: logger}
}

// addDemoJob writes the job's scripts under the data directory and adds
// the job, unless the configuration has a job of that name.
func addDemoJob(cfg *config.Loaded) error {
	if _, taken := cfg.Training.Jobs[demo.JobName]; taken {
		return nil
	}
	dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "demo", demo.JobName))
	if err != nil {
		return err
	}
	scripts, err := fs.Sub(churnExample, "examples/churn-xgboost")
	if err != nil {
		return err
	}
	job, err := demo.Job(dir, scripts)
	if err != nil {
		return err
	}
	jobs := maps.Clone(cfg.Training.Jobs)
	if jobs == nil {
		jobs = map[string]config.TrainingJob{}
	}
	jobs[demo.JobName] = job
	cfg.Training.Jobs = jobs
	return nil
}

// startLive creates the demo's shadow experiment on the start that
// seeded the store; later starts find it stored, as any experiment made
// through the API.
func (d *demoRun) startLive(ctx context.Context, m *live.Manager) {
	if d == nil || !d.created {
		return
	}
	if err := demo.CreateExperiment(ctx, m); err != nil {
		d.logger.Error("demo live experiment not created", "err", err)
	}
}

// startTraffic sends the demo's synthetic requests to the server at addr
// until stop, with a fresh editor token.
func (d *demoRun) startTraffic(ctx context.Context, tokens *auth.Service, addr net.Addr) {
	if d == nil || !d.traffic {
		return
	}
	token, err := rotateSystemToken(ctx, tokens, demoTokenName, auth.Editor)
	if err != nil {
		d.logger.Error("demo traffic not started", "err", err)
		return
	}
	tctx, cancel := context.WithCancel(ctx)
	d.cancel, d.done = cancel, make(chan struct{})
	go func() {
		defer close(d.done)
		if err := demo.Traffic(tctx, demo.TrafficOptions{URL: "http://" + loopback(addr), Token: token, Logger: d.logger}); err != nil {
			d.logger.Error("demo traffic stopped", "err", err)
		}
	}()
}

// stop ends the traffic and waits for its last request.
func (d *demoRun) stop() {
	if d == nil || d.cancel == nil {
		return
	}
	d.cancel()
	<-d.done
}
