package ui

import (
	"strings"
	"testing"
)

func sampleAudit() AuditView {
	return AuditView{
		Filter: AuditFilter{Actor: `token:"ci"`, Action: "registry.alias", Since: "2026-01-01T00:00:00"},
		Events: []AuditEventRow{
			{ID: 9, At: "2026-01-02 03:04:05 UTC", Actor: "token:ci", Action: "live.experiment.promote", ResourceKind: "live_experiment",
				ResourceID: "churn-ab", Reason: "<script>x</script>", After: "{\n  \"agreement\": 0.97\n}"},
			{ID: 8, At: "2026-01-02 03:04:00 UTC", Actor: "token:ci", Action: "registry.alias.set", ResourceKind: "alias", ResourceID: "churn@alpha"},
		},
		OlderURL:  "/ui/audit?action=registry.alias&page_token=ZTg",
		NewestURL: "/ui/audit?action=registry.alias",
		Kinds:     []string{"alias", "model"},
	}
}

// The audit page lists each event, puts the detail of those that have
// one behind a disclosure, escapes what users wrote and keeps the
// filters in the form and the pager's links.
func TestAuditRendersEventsFiltersAndPager(t *testing.T) {
	html := render(t, Audit(sampleAudit()))
	for id, want := range map[string]int{"audit-row": 2, "audit-detail": 1, "audit-after": 1, "audit-reason": 1,
		"audit-older": 1, "audit-newest": 1, "audit-filter": 1, "audit-empty": 0, "problem": 0} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	for _, want := range []string{
		`name="actor" value="token:&#34;ci&#34;"`, `name="action" value="registry.alias"`,
		`name="since" type="datetime-local" step="1" value="2026-01-01T00:00:00"`,
		`href="/ui/audit?action=registry.alias&amp;page_token=ZTg"`, `hx-push-url="true"`,
		`&lt;script&gt;x&lt;/script&gt;`, `&#34;agreement&#34;: 0.97`, `<option value="alias">`,
		`<label for="audit-actor">`, `<th scope="col">When</th>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("audit page lacks %s", want)
		}
	}
	if strings.Contains(html, "<script>x") {
		t.Error("a reason was not escaped")
	}
}

// No events says so; a refused filter is reported; an audit-less node
// gets a note instead of the form.
func TestAuditEmptyProblemAndOff(t *testing.T) {
	html := render(t, Audit(AuditView{Problem: "bad time"}))
	if count(html, "audit-empty") != 1 || count(html, "problem") != 1 || count(html, "audit-older")+count(html, "audit-newest") != 0 {
		t.Error("empty page: want the empty note, the problem and no pager")
	}
	html = render(t, Audit(AuditView{Off: true}))
	if count(html, "audit-off") != 1 || count(html, "audit-filter") != 0 {
		t.Error("audit off: want the note and no form")
	}
}

func sampleSettings() SettingsView {
	return SettingsView{
		Config: []SettingRow{{Key: "server.addr", Value: ":8080"}, {Key: "auth.admin_token", Value: "********", Masked: true},
			{Key: "log.level", Value: ""}},
		Routes: []RouteRow{{Method: "GET", Path: "/api/audit", Role: "viewer"}, {Method: "POST", Path: "/api/tokens", Role: "admin"}},
		Tokens: []TokenRow{{ID: "tok_a", Name: "ci", Role: "editor", Created: "2026-01-01 00:00 UTC", CreatedBy: "token:root"},
			{ID: "tok_b", Name: "old", Role: "viewer", Created: "2025-01-01 00:00 UTC", Revoked: "2025-06-01 00:00 UTC", LastUsed: "2025-05-01 00:00 UTC"}},
		Roles: []string{"viewer", "editor", "admin"},
		CSRF:  "csrf123",
	}
}

// A non-admin sees the configuration and the routes, and no token, form
// or token id.
func TestSettingsWithoutTokens(t *testing.T) {
	html := render(t, Settings(sampleSettings()))
	for id, want := range map[string]int{"setting": 3, "masked": 1, "route": 2, "tokens": 0, "token": 0, "create-token": 0, "revoke": 0} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	if strings.Contains(html, "tok_a") || strings.Contains(html, "<form") || strings.Contains(html, "csrf123") {
		t.Error("a non-admin's page carries token data or forms")
	}
	if !strings.Contains(html, `data-key="auth.admin_token"`) || !strings.Contains(html, "not set") {
		t.Error("settings rows lack their key or the not-set note")
	}
}

// An admin sees the tokens, a revoke form (with the CSRF token and a
// confirmation) for each live one, the create form, and a new token's
// secret kept out of htmx's history cache.
func TestSettingsTokensForAdmins(t *testing.T) {
	v := sampleSettings()
	v.ShowTokens = true
	html := render(t, Settings(v))
	for id, want := range map[string]int{"token": 2, "revoke": 1, "token-revoked": 1, "create-token": 1, "new-token": 0} {
		if got := count(html, id); got != want {
			t.Errorf("%d elements with data-testid=%q, want %d", got, id, want)
		}
	}
	for _, want := range []string{`action="/ui/settings/tokens/tok_a/revoke"`, `hx-confirm="Revoke token ci?`,
		`action="/ui/settings/tokens"`, `<option value="viewer">`} {
		if !strings.Contains(html, want) {
			t.Errorf("token section lacks %s", want)
		}
	}
	if strings.Count(html, `name="csrf" value="csrf123"`) != 2 {
		t.Error("each form needs the CSRF token")
	}
	v.NewToken = &NewToken{Name: "ci", Role: "editor", Secret: "pdk_s3cret"}
	html = render(t, Settings(v))
	if count(html, "new-token") != 1 || strings.Count(html, "pdk_s3cret") != 1 || !strings.Contains(html, `hx-history="false"`) {
		t.Error("the new token's secret is not shown exactly once outside the history cache")
	}
}
