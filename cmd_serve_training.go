package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/scheduler"
)

// trainingTokenName names the token training jobs report their runs
// with; it is replaced on every start, so it never outlives a restart.
const trainingTokenName = "training-jobs"

// startTraining starts the scheduler of training jobs, or returns nil
// when the configuration has none. Jobs are checked against the registry
// (their model must exist) before anything fires.
func startTraining(ctx context.Context, cfg *config.Loaded, st *stores, tracking *experiments.Service,
	models *registry.Service, tokens *auth.Service, addr net.Addr, logger *slog.Logger) (*scheduler.Scheduler, error) {
	if len(cfg.Training.Jobs) == 0 {
		return nil, nil
	}
	token, err := rotateSystemToken(ctx, tokens, trainingTokenName, auth.Editor)
	if err != nil {
		return nil, fmt.Errorf("training jobs token: %w", err)
	}
	s, err := scheduler.New(scheduler.Options{
		Config: cfg.Training, DB: st.db,
		Tracker:  scheduler.ServiceTracker{Runs: tracking, Artifacts: st.artifacts},
		Registry: scheduler.ServiceRegistry{Models: models, Caller: registry.Caller{Actor: "system:training"}},
		Data:     st.artifacts, TrackingURI: "http://" + loopback(addr), TrackingToken: token, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	if err := s.Check(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// rotateSystemToken revokes the previous start's token of this name
// (training jobs, the demo's traffic) and makes a new one with role.
func rotateSystemToken(ctx context.Context, tokens *auth.Service, name string, role auth.Role) (string, error) {
	list, err := tokens.List(ctx)
	if err != nil {
		return "", err
	}
	for _, t := range list {
		if t.Name == name && t.CreatedBy == "system" && t.RevokedAt == nil {
			if err := tokens.Revoke(ctx, t.ID); err != nil {
				return "", err
			}
		}
	}
	secret, _, err := tokens.Create(ctx, name, role, "system")
	return secret, err
}

// loopback is the address local commands reach the server on: the
// listening port on 127.0.0.1 when it listens on every interface.
func loopback(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
