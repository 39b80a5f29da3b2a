package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/a-h/templ"
)

// render renders c, as the server does, with children when given.
func render(t *testing.T, c templ.Component, children ...templ.Component) string {
	t.Helper()
	ctx := context.Background()
	if len(children) > 0 {
		ctx = templ.WithChildren(ctx, children[0])
	}
	var b bytes.Buffer
	if err := c.Render(ctx, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// count is how many elements carry data-testid=id.
func count(html, id string) int { return strings.Count(html, `data-testid="`+id+`"`) }

func sampleOverview() OverviewView {
	return OverviewView{
		Served: []ServedModel{{Name: "churn", Aliases: []AliasVersion{{"alpha", 4}, {"production", 3}}, Loaded: []int64{3, 4}}},
		Live:   []LiveExperiment{{Name: "churn-ab", Model: "churn", Mode: "shadow", Production: "v3", Alpha: "v4", State: "running"}},
		Jobs:   []JobRow{{Name: "nightly", Model: "churn", NextFire: "2026-01-02 03:00 UTC"}, {Name: "adhoc", Model: "churn"}},
		Approvals: []ApprovalRow{{ID: 7, Model: "churn", Alias: "production", From: "v3", To: "v4",
			RequestedBy: "token:ci", Reason: "<b>better</b>"}},
		Audit: []AuditRow{{At: "2026-01-01 00:00 UTC", Actor: "token:ci", Action: "registry.alias.set", Resource: "alias churn@alpha"}},
		CSRF:  "tok123",
	}
}

// Every section renders its rows, and text from users is escaped.
func TestOverviewRendersEverySection(t *testing.T) {
	html := render(t, Overview(sampleOverview()))
	for id, want := range map[string]int{"served-model": 1, "alias": 2, "live-experiment": 1, "job": 2, "approval": 1, "audit-event": 1, "problem": 0} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	for _, want := range []string{"production → v3", "alpha → v4", "v3, v4", "not scheduled", "churn@production: v3 → v4", "&lt;b&gt;better&lt;/b&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if strings.Contains(html, "<b>better") {
		t.Error("a request's reason was not escaped")
	}
}

// Decision buttons, each a form with the CSRF token, only for approvers.
func TestOverviewDecisionButtonsOnlyForApprovers(t *testing.T) {
	v := sampleOverview()
	html := render(t, Overview(v))
	if count(html, "approve")+count(html, "reject") != 0 || strings.Contains(html, "<form") {
		t.Error("a caller who may not approve sees decision forms")
	}
	v.CanApprove = true
	html = render(t, Overview(v))
	if count(html, "approve") != 1 || count(html, "reject") != 1 {
		t.Errorf("approver sees %d approve and %d reject buttons", count(html, "approve"), count(html, "reject"))
	}
	if !strings.Contains(html, `action="/ui/approvals/7/approve"`) || strings.Count(html, `name="csrf" value="tok123"`) != 2 {
		t.Error("decision forms lack their action or CSRF token")
	}
}

// A section whose service is off says so instead of an empty table.
func TestOverviewSectionsOff(t *testing.T) {
	html := render(t, Overview(OverviewView{ServingOff: true, LiveOff: true, TrainingOff: true, RegistryOff: true, AuditOff: true,
		Problems: []string{"audit log could not be read: boom"}}))
	if strings.Contains(html, "<table") || strings.Count(html, "not enabled on this node") != 5 || count(html, "problem") != 1 {
		t.Errorf("sections off:\n%s", html)
	}
}

// The layout: skip link to main, labelled nav with the current page
// marked, the CSRF header for htmx and the sign-out form; no scripts
// when the build carries no htmx.
func TestLayout(t *testing.T) {
	p := Page{Title: "Overview", Section: "overview", User: "ana", Role: "admin", CSRF: "tok123",
		Assets: AssetLinks{CSS: "/static/ab/app.css", HTMX: "/static/cd/vendor/htmx.min.js"}}
	html := render(t, Layout(p), templ.Raw(`<p data-testid="content">hi</p>`))
	for _, want := range []string{`<a class="skip" href="#main">`, `<main id="main" tabindex="-1"><p data-testid="content">hi</p></main>`,
		`<nav id="main-nav" aria-label="Main"`, `aria-current="page"`, `<meta name="htmx-config"`, `hx-push-url="true"`, `<script src="/static/cd/vendor/htmx.min.js" defer>`,
		`hx-headers="{&#34;X-CSRF-Token&#34;:&#34;tok123&#34;}"`, `data-testid="logout"`, `<title>Overview · Paddock</title>`} {
		if !strings.Contains(html, want) {
			t.Errorf("layout lacks %s", want)
		}
	}
	p.Assets.HTMX, p.CSRF = "", ""
	html = render(t, Layout(p), templ.Raw(""))
	if strings.Contains(html, "<script") || strings.Contains(html, "hx-headers") || count(html, "logout") != 0 {
		t.Error("layout without htmx or session still has scripts, hx-headers or sign-out")
	}
	frag := render(t, Fragment(p), templ.Raw(`<p data-testid="content">hi</p>`))
	if strings.Contains(frag, "<main") || !strings.HasPrefix(frag, `<title>Overview · Paddock</title>`) ||
		!strings.HasSuffix(frag, `</nav><p data-testid="content">hi</p>`) {
		t.Errorf("fragment: %q", frag)
	}
	// The fragment's nav replaces the page's out of band, marking the
	// new section.
	p.Section = "audit"
	frag = render(t, Fragment(p), templ.Raw(""))
	if !strings.Contains(frag, `hx-swap-oob="true"`) || !strings.Contains(frag, `href="/ui/audit" hx-get="/ui/audit" hx-target="#main" hx-push-url="true" aria-current="page"`) {
		t.Errorf("fragment nav does not mark the audit section out of band: %q", frag)
	}
}

// The sign-in form carries its CSRF token and where to go next.
func TestLoginPage(t *testing.T) {
	html := render(t, LoginPage(LoginView{Next: "/ui/?x=1", CSRF: "c1", Error: "That token is not valid."}))
	for _, want := range []string{`data-testid="login-form"`, `name="csrf" value="c1"`, `name="next" value="/ui/?x=1"`,
		`type="password"`, `data-testid="login-error"`} {
		if !strings.Contains(html, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
}

// Hashed URLs change with content, stale hashes are not found, and a
// missing vendor file gives an empty URL.
func TestAssets(t *testing.T) {
	a, err := NewAssets(fstest.MapFS{"app.css": {Data: []byte("a{}")}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewAssets(fstest.MapFS{"app.css": {Data: []byte("b{}")}})
	u := a.URL(AppCSS)
	if !strings.HasPrefix(u, "/static/") || !strings.HasSuffix(u, "/app.css") || u == b.URL(AppCSS) {
		t.Errorf("URLs %q and %q", u, b.URL(AppCSS))
	}
	hash := strings.Split(u, "/")[2]
	if f, ok := a.Lookup(hash, "app.css"); !ok || string(f.Body) != "a{}" || !strings.HasPrefix(f.ContentType, "text/css") {
		t.Errorf("lookup: %v %+v", ok, f)
	}
	if _, ok := b.Lookup(hash, "app.css"); ok {
		t.Error("a stale hash was found")
	}
	if a.URL(HTMXJS) != "" || a.Links().HTMX != "" {
		t.Error("a missing vendor file has a URL")
	}
	if _, err := StaticAssets(); err != nil {
		t.Fatal(err)
	}
}
