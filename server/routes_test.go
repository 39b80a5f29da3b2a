package server

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/experiments"
)

// Every API route but the version must require a token role: a route
// added without one would silently be open to anonymous callers.
func TestEveryAPIRouteDeclaresARole(t *testing.T) {
	s := New(Deps{Config: config.Default(), Tracking: experiments.New(nil, nil), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: prometheus.NewRegistry()})
	publicAPI := map[string]bool{"/api/version": true}
	// POST .../search endpoints only read, so viewers may call them.
	n := 0
	for _, r := range s.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		n++
		if r.Public != publicAPI[r.Path] {
			t.Errorf("%s %s: public=%v", r.Method, r.Path, r.Public)
		}
		if !r.Public && r.Role == 0 {
			t.Errorf("%s %s declares no role", r.Method, r.Path)
		}
		if r.Method != "GET" && r.Method != "HEAD" && !r.Public && r.Role < 2 && !strings.HasSuffix(r.Path, "/search") {
			t.Errorf("%s %s: a write open to viewers", r.Method, r.Path)
		}
	}
	if n < 5 {
		t.Fatalf("only %d API routes registered", n)
	}
}
