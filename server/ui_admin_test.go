package server

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/config"
)

// withConfig rebuilds the env's server on cfg (same database and
// services); sessions start afresh.
func (e *uiEnv) withConfig(cfg *config.Config) {
	d := e.s.deps
	d.Config, d.Metrics = cfg, prometheus.NewRegistry()
	e.s = New(d)
}

// signIn opens a dashboard session for any token and returns its cookie
// and the overview page.
func (e *uiEnv) signIn(token string) (*http.Cookie, string) {
	e.t.Helper()
	resp, page := e.do("GET", "/login", nil, nil)
	form := url.Values{"csrf": {csrfOf(e.t, page)}, "token": {token}, "next": {"/ui/"}}
	resp, _ = e.do("POST", "/login", form, []*http.Cookie{cookieNamed(resp, loginCookie)})
	sc := cookieNamed(resp, sessionCookie)
	if resp.StatusCode != http.StatusSeeOther || sc == nil {
		e.t.Fatalf("sign in: %d", resp.StatusCode)
	}
	_, page = e.do("GET", "/ui/", nil, []*http.Cookie{sc})
	return sc, page
}

// appendEvents records n events by token:bot, one second apart from at.
func (e *uiEnv) appendEvents(n int, at time.Time) {
	e.t.Helper()
	for i := range n {
		ev := audit.Event{At: at.Add(time.Duration(i) * time.Second), Actor: "token:bot", Action: "test.page.append",
			Resource: audit.Resource{Kind: "model", ID: fmt.Sprintf("m%d", i)}}
		if err := e.s.deps.Audit.Append(context.Background(), ev); err != nil {
			e.t.Fatal(err)
		}
	}
}

var adminEventRow = regexp.MustCompile(`data-testid="audit-row" data-event="(\d+)"`)

// adminEventIDs are the event ids a page lists, in order.
func adminEventIDs(page string) []int64 {
	var ids []int64
	for _, m := range adminEventRow.FindAllStringSubmatch(page, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

// adminHref returns the unescaped href of the link with data-testid id.
func adminHref(page, id string) string {
	return html.UnescapeString(regexpFind(`href="([^"]*)"[^>]*data-testid="`+id+`"`, page))
}

// A viewer pages through the whole log newest first: each page links
// the next with the filters kept, and back to the newest.
func TestUIAuditPagesNewestFirst(t *testing.T) {
	e := newUIEnv(t)
	e.appendEvents(auditPageSize+10, time.Now().Add(-time.Hour))
	sc, _ := e.login(auth.Viewer)
	all, err := e.s.deps.Audit.List(context.Background(), audit.Query{Limit: audit.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	resp, page := e.do("GET", "/ui/audit", nil, []*http.Cookie{sc})
	ids := adminEventIDs(page)
	if resp.StatusCode != 200 || len(ids) != auditPageSize || ids[0] != all.Events[0].ID {
		t.Fatalf("first page: %d, %d rows starting at %v; want %d from the newest %d", resp.StatusCode, len(ids), ids[:min(1, len(ids))], auditPageSize, all.Events[0].ID)
	}
	if strings.Contains(page, `data-testid="audit-newest"`) {
		t.Error("the first page links to the newest page")
	}
	older := adminHref(page, "audit-older")
	if !strings.HasPrefix(older, "/ui/audit?page_token=") {
		t.Fatalf("older link %q", older)
	}
	_, page = e.do("GET", older, nil, []*http.Cookie{sc})
	rest := adminEventIDs(page)
	got := append(ids, rest...)
	if len(got) != len(all.Events) || strings.Contains(page, `data-testid="audit-older"`) || adminHref(page, "audit-newest") != "/ui/audit" {
		t.Fatalf("second page: %d rows in all, want %d; older link %v, newest %q", len(got), len(all.Events),
			strings.Contains(page, "audit-older"), adminHref(page, "audit-newest"))
	}
	for i := range got {
		if got[i] != all.Events[i].ID {
			t.Fatalf("row %d is event %d, want %d (newest first)", i, got[i], all.Events[i].ID)
		}
	}
	// The filters travel with the cursor.
	_, page = e.do("GET", "/ui/audit?actor=token:bot&action=test.page", nil, []*http.Cookie{sc})
	older = adminHref(page, "audit-older")
	if u, err := url.Parse(older); err != nil || u.Query().Get("actor") != "token:bot" || u.Query().Get("action") != "test.page" || u.Query().Get("page_token") == "" {
		t.Errorf("older link %q lost the filters", older)
	}
}

// Each filter narrows the log; the form shows the values back, so the
// filtered page is a deep link.
func TestUIAuditFilters(t *testing.T) {
	e := newUIEnv(t)
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	e.appendEvents(5, old)
	stats := audit.Event{Actor: "token:admin-user", Action: "live.experiment.promote", Resource: audit.Resource{Kind: "live_experiment", ID: "churn-ab"},
		After: audit.Snapshot(map[string]any{"statistics": map[string]any{"agreement": 0.97, "requests": 1200}}), Reason: "alpha <b>wins</b>"}
	if err := e.s.deps.Audit.Append(context.Background(), stats); err != nil {
		t.Fatal(err)
	}
	sc, _ := e.login(auth.Viewer)
	cases := []struct {
		query string
		want  func(row string) bool
		n     int
	}{
		{"actor=token:editor-user", func(r string) bool { return strings.Contains(r, "<td>token:editor-user</td>") }, 1},
		{"action=registry.approval", func(r string) bool { return strings.Contains(r, `data-action="registry.approval.request"`) }, 1},
		{"action=registry.policy.set", func(r string) bool { return strings.Contains(r, `data-action="registry.policy.set"`) }, 1},
		{"action=registry.version.*", func(r string) bool { return strings.Contains(r, `data-action="registry.version.`) }, 2}, // create, ready
		{"resource_kind=model_version&resource_id=churn/1", func(r string) bool { return strings.Contains(r, "churn/1") }, 2},
		{"since=2020-01-01T00:00:01&until=2020-01-01T00:00:03", func(r string) bool { return strings.Contains(r, "2020-01-01 00:00:0") }, 2},
		{"since=2020-01-01T00:00:01Z&until=1577836803000", func(r string) bool { return strings.Contains(r, "2020-01-01 00:00:0") }, 2},
		{"actor=nobody", nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			resp, page := e.do("GET", "/ui/audit?"+tc.query, nil, []*http.Cookie{sc})
			rows := strings.Split(page, `data-testid="audit-row"`)[1:]
			if resp.StatusCode != 200 || len(rows) != tc.n {
				t.Fatalf("%d, %d rows, want %d", resp.StatusCode, len(rows), tc.n)
			}
			for _, r := range rows {
				if r, _, _ = strings.Cut(r, "</tr>"); !tc.want(r) {
					t.Errorf("row does not match: %s", r)
				}
			}
			if tc.n == 0 && !strings.Contains(page, `data-testid="audit-empty"`) {
				t.Error("no empty-state message")
			}
		})
	}
	// The form shows the filters back, times as datetime-local values.
	_, page := e.do("GET", "/ui/audit?actor=token:bot&resource_kind=model&since=2020-01-01T00:00:01Z", nil, []*http.Cookie{sc})
	for _, want := range []string{`name="actor" value="token:bot"`, `name="resource_kind" value="model"`, `name="since" type="datetime-local" step="1" value="2020-01-01T00:00:01"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	// The promotion's detail carries its statistics, escaped.
	_, page = e.do("GET", "/ui/audit?action=live.experiment", nil, []*http.Cookie{sc})
	after := regexpFind(`(?s)data-testid="audit-after">(.*?)</pre>`, page)
	if !strings.Contains(page, `data-testid="audit-detail"`) || !strings.Contains(after, "&#34;agreement&#34;: 0.97") ||
		!strings.Contains(page, "alpha &lt;b&gt;wins&lt;/b&gt;") {
		t.Errorf("promotion detail missing or unescaped: after=%q", after)
	}
}

// A filter the log cannot read is reported above the form, which keeps
// what was typed.
func TestUIAuditBadFilter(t *testing.T) {
	e := newUIEnv(t)
	sc, _ := e.login(auth.Viewer)
	for _, q := range []string{"since=yesterday&actor=me", "page_token=garbage&actor=me"} {
		resp, page := e.do("GET", "/ui/audit?"+q, nil, []*http.Cookie{sc})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `data-testid="problem"`) || !strings.Contains(page, `name="actor" value="me"`) {
			t.Errorf("%s: %d, want 400 with the problem and the form", q, resp.StatusCode)
		}
	}
	resp, frag := e.do("GET", "/ui/audit", nil, []*http.Cookie{sc}, "HX-Request", "true")
	if resp.StatusCode != 200 || strings.Contains(frag, "<html") || !strings.Contains(frag, `data-testid="audit-filter"`) {
		t.Errorf("htmx request: %d, want the fragment", resp.StatusCode)
	}
}

// Every secret of a configuration that sets them all is masked on the
// page; the routes are listed with their roles.
func TestUISettingsMasksEverySecret(t *testing.T) {
	e := newUIEnv(t)
	e.withConfig(secretConfig(t))
	for _, role := range []auth.Role{auth.Viewer, auth.Admin} {
		sc, _ := e.login(role)
		resp, page := e.do("GET", "/ui/settings", nil, []*http.Cookie{sc})
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", role, resp.StatusCode)
		}
		if i := strings.Index(page, "SECRET-"); i >= 0 {
			t.Errorf("%s: the page shows a secret: …%s…", role, page[max(0, i-200):i+20])
		}
		if n := adminCount(page, "masked"); n < len(maskRules)/2 {
			t.Errorf("%s: %d masked settings, want at least %d", role, n, len(maskRules)/2)
		}
		for _, want := range []string{`data-key="auth.admin_token"`, `data-key="training.jobs.filled.notify[0].url"`, "visible-value"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the page lacks %s", role, want)
			}
		}
		tokens := regexp.MustCompile(`(?s)<td>POST</td>\s*<th scope="row"><code>/api/tokens</code></th>\s*<td><span class="tag">admin</span>`)
		if !tokens.MatchString(page) || adminCount(page, "route") != len(e.s.routes) {
			t.Errorf("%s: routes: %d rows for %d routes, POST /api/tokens listed as admin: %v", role, adminCount(page, "route"), len(e.s.routes), tokens.MatchString(page))
		}
	}
}

func adminCount(page, id string) int { return strings.Count(page, `data-testid="`+id+`"`) }

// Viewers and editors see no tokens and cannot create or revoke one,
// even with a valid CSRF token.
func TestUITokensAreForAdmins(t *testing.T) {
	e := newUIEnv(t)
	before, _ := e.s.deps.Auth.List(context.Background())
	for _, role := range []auth.Role{auth.Viewer, auth.Editor} {
		sc, _ := e.login(role)
		_, page := e.do("GET", "/ui/settings", nil, []*http.Cookie{sc})
		if adminCount(page, "tokens") != 0 || adminCount(page, "create-token") != 0 || strings.Contains(page, before[0].ID) ||
			adminCount(page, "config") != 1 || adminCount(page, "routes") != 1 {
			t.Errorf("%s: token section shown (%d) or config/routes missing", role, adminCount(page, "tokens"))
		}
		csrf := csrfOf(t, page)
		if resp, _ := e.do("POST", "/ui/settings/tokens", url.Values{"csrf": {csrf}, "name": {"sneaky"}, "role": {"admin"}}, []*http.Cookie{sc}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s creating a token: %d, want 403", role, resp.StatusCode)
		}
		if resp, _ := e.do("POST", "/ui/settings/tokens/"+before[0].ID+"/revoke", url.Values{"csrf": {csrf}}, []*http.Cookie{sc}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s revoking a token: %d, want 403", role, resp.StatusCode)
		}
	}
	after, _ := e.s.deps.Auth.List(context.Background())
	if len(after) != len(before) || after[0].RevokedAt != nil {
		t.Errorf("refused forms changed the tokens: %+v", after)
	}
}

// An admin creates a token and sees its secret once; a form without the
// CSRF token is refused; revoking a token signs its sessions out, and
// revoking one's own signs the admin out.
func TestUITokenCreateAndRevoke(t *testing.T) {
	e := newUIEnv(t)
	ctx := context.Background()
	sc, page := e.login(auth.Admin)
	csrf := csrfOf(t, page)
	form := url.Values{"name": {"ci-pipeline"}, "role": {"editor"}}
	if resp, _ := e.do("POST", "/ui/settings/tokens", form, []*http.Cookie{sc}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("create without the CSRF token: %d, want 403", resp.StatusCode)
	}
	if list, _ := e.s.deps.Auth.List(ctx); len(list) != 3 {
		t.Fatalf("a refused form created a token: %d tokens", len(list))
	}
	form.Set("csrf", csrf)
	resp, page := e.do("POST", "/ui/settings/tokens", form, []*http.Cookie{sc})
	secret := regexpFind(`value="(pdk_[^"]+)"[^>]*data-testid="new-token-secret"`, page)
	if resp.StatusCode != http.StatusCreated || secret == "" || !strings.Contains(page, `hx-history="false"`) {
		t.Fatalf("create: %d, secret %q", resp.StatusCode, secret)
	}
	p, err := e.s.deps.Auth.Authenticate(ctx, secret)
	if err != nil || p.Name != "ci-pipeline" || p.Role != auth.Editor {
		t.Fatalf("the shown secret authenticates as %+v, %v", p, err)
	}
	if _, page = e.do("GET", "/ui/settings", nil, []*http.Cookie{sc}); strings.Contains(page, secret) || !strings.Contains(page, `data-name="ci-pipeline"`) {
		t.Error("the secret is shown again, or the new token is not listed")
	}

	// A session signed in with the new token ends when it is revoked.
	other, _ := e.signIn(secret)
	revoke := "/ui/settings/tokens/" + p.TokenID + "/revoke"
	if resp, _ := e.do("POST", revoke, url.Values{}, []*http.Cookie{sc}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("revoke without the CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/ui/", nil, []*http.Cookie{other}); resp.StatusCode != 200 {
		t.Fatalf("a refused revoke ended the session: %d", resp.StatusCode)
	}
	resp, _ = e.do("POST", revoke, url.Values{"csrf": {csrf}}, []*http.Cookie{sc})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/settings" {
		t.Fatalf("revoke: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := e.do("GET", "/ui/", nil, []*http.Cookie{other}); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("the revoked token's session still works: %d", resp.StatusCode)
	}
	if _, page = e.do("GET", "/ui/settings", nil, []*http.Cookie{sc}); adminCount(page, "token-revoked") != 1 {
		t.Errorf("%d tokens shown revoked, want 1", adminCount(page, "token-revoked"))
	}

	// Revoking one's own token through htmx sends the browser to sign in.
	self, _ := e.s.deps.Auth.Authenticate(ctx, e.tokens[auth.Admin])
	resp, _ = e.do("POST", "/ui/settings/tokens/"+self.TokenID+"/revoke", nil, []*http.Cookie{sc}, headerCSRF, csrf, "HX-Request", "true")
	if resp.StatusCode != 200 || resp.Header.Get("HX-Redirect") != "/login" {
		t.Errorf("self-revoke: %d, HX-Redirect %q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
	}
	if resp, _ := e.do("GET", "/ui/settings", nil, []*http.Cookie{sc}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the admin's session outlived its token: %d", resp.StatusCode)
	}
}
