package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/artifact/localfs"
	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/sqldb"
)

// uiEnv is a server on real SQLite with a registry holding one pending
// approval request, and a token per role.
type uiEnv struct {
	t      *testing.T
	s      *Server
	reg    *registry.Service
	tokens map[auth.Role]string
}

func newUIEnv(t *testing.T) *uiEnv {
	t.Helper()
	e, _, _ := newServerEnv(t, false)
	e.fileApproval()
	return e
}

// newServerEnv is a server on real SQLite and a local artifact store,
// with a registry, an audit log and a token per role; with tracking it
// also runs experiment tracking, which the registry then reads lineage
// from.
func newServerEnv(t *testing.T, tracking bool) (*uiEnv, *experiments.Service, artifact.Store) {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "p.db"), sqldb.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	store, err := localfs.Open(filepath.Join(t.TempDir(), "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	al := audit.New(db, nil)
	deps := Deps{Config: config.Default(), DB: db, Artifacts: store, Audit: al,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: prometheus.NewRegistry()}
	opts := registry.Options{DB: db, Artifacts: store, Audit: al}
	if tracking {
		deps.Tracking = experiments.New(db, nil)
		opts.Runs = deps.Tracking
	}
	if deps.Registry, err = registry.New(opts); err != nil {
		t.Fatal(err)
	}
	e := &uiEnv{t: t, reg: deps.Registry, tokens: map[auth.Role]string{}}
	deps.Auth = auth.NewService(db, nil)
	for _, role := range []auth.Role{auth.Viewer, auth.Editor, auth.Admin} {
		secret, _, err := deps.Auth.Create(ctx, role.String()+"-user", role, "test")
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	e.s = New(deps)
	return e, deps.Tracking, store
}

// fileApproval registers churn v1 and has an editor ask to move its
// guarded production alias, which files approval request 1.
func (e *uiEnv) fileApproval() {
	ctx := context.Background()
	admin := registry.Caller{Actor: "token:admin-user", Approver: true}
	if _, err := e.reg.CreateModel(ctx, admin, "churn", "", nil); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.reg.CreateVersion(ctx, admin, registry.CreateVersionRequest{Model: "churn", Source: "s3://bucket/churn/1"}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.reg.SetPolicy(ctx, admin, "churn", []string{"production"}); err != nil {
		e.t.Fatal(err)
	}
	res, err := e.reg.SetAlias(ctx, registry.Caller{Actor: "token:editor-user"}, "churn", "production", 1, registry.Justification{Reason: "better f1"})
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Request == nil {
		e.t.Fatalf("setting a guarded alias filed no approval request: %+v", res)
	}
}

// do sends a request with the given cookies and returns the response
// and its body.
func (e *uiEnv) do(method, target string, form url.Values, cookies []*http.Cookie, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.s.app.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf returns the CSRF token of the first form on a page.
func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in page:\n%s", page)
	}
	return m[1]
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// login signs in through the form and returns the session cookie and
// the overview page.
func (e *uiEnv) login(role auth.Role) (*http.Cookie, string) {
	e.t.Helper()
	resp, page := e.do("GET", "/login?next=/ui/", nil, nil)
	lc := cookieNamed(resp, loginCookie)
	if resp.StatusCode != 200 || lc == nil {
		e.t.Fatalf("GET /login: %d, login cookie %v", resp.StatusCode, lc)
	}
	form := url.Values{"csrf": {csrfOf(e.t, page)}, "token": {e.tokens[role]}, "next": {"/ui/"}}
	resp, _ = e.do("POST", "/login", form, []*http.Cookie{lc})
	sc := cookieNamed(resp, sessionCookie)
	if resp.StatusCode != http.StatusSeeOther || sc == nil || sc.Value == "" {
		e.t.Fatalf("POST /login as %s: %d, session cookie %v", role, resp.StatusCode, sc)
	}
	resp, page = e.do("GET", "/ui/", nil, []*http.Cookie{sc})
	if resp.StatusCode != 200 {
		e.t.Fatalf("GET /ui/ as %s: %d\n%s", role, resp.StatusCode, page)
	}
	return sc, page
}

// regexpFind returns the first group of pattern in s, or "".
func regexpFind(pattern, s string) string {
	if m := regexp.MustCompile(pattern).FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}
