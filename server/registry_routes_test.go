package server

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/registry"
)

// The registry's routes: reads for viewers, writes for editors (the
// get-latest-versions POST only reads), decisions and policies for
// admins, and the MLflow routes under both prefixes.
func TestRegistryRoutesDeclareTheirRoles(t *testing.T) {
	s := New(Deps{Config: config.Default(), Registry: &registry.Service{}, Audit: &audit.Log{},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: prometheus.NewRegistry()})
	got := map[string]auth.Role{}
	for _, r := range s.Routes() {
		got[r.Method+" "+r.Path] = r.Role
		if r.Public && (strings.Contains(r.Path, "models") || strings.Contains(r.Path, "approvals") || strings.Contains(r.Path, "audit")) {
			t.Errorf("%s %s is public", r.Method, r.Path)
		}
	}
	want := map[string]auth.Role{
		"GET /api/models":                                            auth.Viewer,
		"POST /api/models":                                           auth.Editor,
		"PUT /api/models/:name/aliases/:alias":                       auth.Editor,
		"GET /api/models/:name/versions/:version/download":           auth.Viewer,
		"PUT /api/models/:name/approval-policy":                      auth.Admin,
		"DELETE /api/models/:name/approval-policy":                   auth.Admin,
		"POST /api/approvals/:id/approve":                            auth.Admin,
		"POST /api/approvals/:id/reject":                             auth.Admin,
		"GET /api/audit":                                             auth.Viewer,
		"GET /api/registry/events":                                   auth.Viewer,
		"POST /api/2.0/mlflow/registered-models/create":              auth.Editor,
		"POST /ajax-api/2.0/mlflow/registered-models/create":         auth.Editor,
		"POST /api/2.0/mlflow/registered-models/get-latest-versions": auth.Viewer,
		"DELETE /api/2.0/mlflow/registered-models/alias":             auth.Editor,
		"GET /api/2.0/mlflow/registered-models/alias":                auth.Viewer,
		"POST /api/2.0/mlflow/model-versions/transition-stage":       auth.Editor,
		"GET /ajax-api/2.0/mlflow/model-versions/search":             auth.Viewer,
	}
	for route, role := range want {
		if r, ok := got[route]; !ok || r != role {
			t.Errorf("%s: role %v (registered %v), want %v", route, r, ok, role)
		}
	}
	for route, role := range got {
		method, path, _ := strings.Cut(route, " ")
		if !strings.Contains(path, "models") && !strings.Contains(path, "approvals") && !strings.Contains(path, "registry") {
			continue
		}
		if method != "GET" && role < auth.Editor && !strings.HasSuffix(path, "/get-latest-versions") {
			t.Errorf("%s: a write open to viewers", route)
		}
	}
}
