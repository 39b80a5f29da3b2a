package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// An admin causes registry changes through the API, then in the browser
// filters the audit log down to one of them (the filters land in the
// URL, which reloads to the same view), expands its detail, creates a
// token and sees its secret once (never in htmx's history cache), and
// revokes it with a confirmation, after which the secret stops working.
func TestBrowserAdminAuditAndTokens(t *testing.T) {
	ctx := browser(t)
	in := start(t, nil)
	for _, m := range []map[string]any{
		{"name": "audit-a", "description": "first of two", "tags": []map[string]string{{"key": "team", "value": "growth"}}},
		{"name": "audit-b"},
	} {
		if status, body := api(t, in, "POST", "/api/models", in.Admin, m); status != 201 {
			t.Fatalf("create model: %d %s", status, body)
		}
	}
	if status, body := api(t, in, "PATCH", "/api/models/audit-a", in.Admin, map[string]any{"description": "changed"}); status != 200 {
		t.Fatalf("update model: %d %s", status, body)
	}
	step, shot := browserSteps(t, ctx, in)

	step("sign in to the audit log", chromedp.Do(within(ctx),
		signIn(in.URL+"/ui/audit", in.Admin),
		chromedp.WaitVisible(`[data-testid="audit-filter"]`),
	))
	filterAudit(t, ctx, step, in.URL)
	shot("audit.png")
	manageToken(t, ctx, step, in)
	shot("settings.png")
}

// filterAudit narrows the log to audit-a's model events, reloads the
// deep link and expands the creation's detail.
func filterAudit(t *testing.T, ctx context.Context, step func(string, error), base string) {
	t.Helper()
	step("filter", chromedp.Do(within(ctx),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="audit-filter"]').setAttribute('data-before-swap', '1')`),
		chromedp.SendKeys(`#audit-action`, "registry.model"),
		chromedp.SendKeys(`#audit-kind`, "model"),
		chromedp.SendKeys(`#audit-resource`, "audit-a"),
		chromedp.Click(`[data-testid="audit-apply"]`),
		chromedp.WaitNotPresent(`[data-before-swap]`),
		chromedp.WaitVisible(`[data-testid="audit-row"]`),
	))
	actions, err := chromedp.Run(within(ctx), chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('[data-testid="audit-row"]')].map(r => r.dataset.action)`))
	step("read the rows", err)
	if strings.Join(actions, ",") != "registry.model.update,registry.model.create" {
		t.Errorf("filtered rows are %v, want audit-a's update then its creation", actions)
	}
	loc, err := chromedp.Run(within(ctx), chromedp.Location())
	step("read the location", err)
	for _, want := range []string{base + "/ui/audit?", "action=registry.model", "resource_kind=model", "resource_id=audit-a"} {
		if !strings.Contains(loc, want) {
			t.Errorf("the filtered view's URL %q lacks %q", loc, want)
		}
	}
	// The deep link reloads to the same view, the form filled in.
	const created = `[data-testid="audit-row"][data-action="registry.model.create"]`
	step("reload the deep link", chromedp.Do(within(ctx), chromedp.Navigate(loc), chromedp.WaitVisible(created)))
	action, err := chromedp.Run(within(ctx), chromedp.Value(`#audit-action`))
	step("read the action filter", err)
	if action != "registry.model" {
		t.Errorf("after reload the action filter reads %q", action)
	}
	step("expand the detail", chromedp.Do(within(ctx),
		chromedp.Click(created+` summary`),
		chromedp.WaitVisible(created+` [data-testid="audit-after"]`),
	))
	after, err := chromedp.Run(within(ctx), chromedp.Text(created+` [data-testid="audit-after"]`))
	step("read the detail", err)
	if !strings.Contains(after, `"audit-a"`) || !strings.Contains(after, "first of two") {
		t.Errorf("the creation's detail reads %q, want the model's snapshot", after)
	}
}

// manageToken creates a token on the settings page, checks its secret
// is shown once and works, then revokes it.
func manageToken(t *testing.T, ctx context.Context, step func(string, error), in *instance) {
	t.Helper()
	step("open settings", chromedp.Do(within(ctx),
		chromedp.Click(`nav a[href="/ui/settings"]`),
		chromedp.WaitVisible(`[data-testid="create-token"]`),
		chromedp.SendKeys(`#token-name`, "browser-ci"),
		chromedp.SetValue(`#token-role`, "editor"),
		chromedp.Click(`[data-testid="create-token-submit"]`),
		chromedp.WaitVisible(`[data-testid="new-token-secret"]`),
	))
	masked, err := chromedp.Run(within(ctx), chromedp.Text(`[data-testid="setting"][data-key="auth.admin_token"]`))
	step("read the admin token setting", err)
	leaked, err := chromedp.Run(within(ctx), chromedp.Evaluate[bool](`document.documentElement.outerHTML.includes(`+jsString(in.Admin)+`)`))
	step("look for the admin token", err)
	if !strings.Contains(masked, "********") || leaked {
		t.Errorf("auth.admin_token reads %q; the page holds the admin token: %v", masked, leaked)
	}
	secret, err := chromedp.Run(within(ctx), chromedp.Value(`[data-testid="new-token-secret"]`))
	step("read the secret", err)
	status, body, _ := in.call("GET", "/api/whoami", secret, nil)
	var who struct{ Name, Role string }
	if !strings.HasPrefix(secret, "pdk_") || status != 200 || json.Unmarshal(body, &who) != nil || who.Name != "browser-ci" || who.Role != "editor" {
		t.Fatalf("the shown secret %q: whoami %d %s", secret, status, body)
	}
	const row = `[data-testid="token"][data-name="browser-ci"]`
	step("leave and come back", chromedp.Do(within(ctx),
		chromedp.Click(`nav a[href="/ui/audit"]`),
		chromedp.WaitVisible(`[data-testid="audit-filter"]`),
		chromedp.Click(`nav a[href="/ui/settings"]`),
		chromedp.WaitVisible(row),
	))
	again, err := chromedp.Run(within(ctx), chromedp.Evaluate[bool](
		`document.body.innerHTML.includes(`+jsString(secret)+`) || JSON.stringify(localStorage).includes(`+jsString(secret)+`)`))
	step("look for the secret", err)
	if again {
		t.Error("the secret is shown again or kept in htmx's history cache")
	}
	// Revoking asks for confirmation (hx-confirm); accept it, and only it.
	dctx, stop := context.WithCancel(ctx)
	defer stop()
	dialogs := chromedp.Events(dctx, page.JavascriptDialogOpening)
	confirmed := make(chan string, 1)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			confirmed <- ev.Message
			_, _ = chromedp.Call(dctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			return
		}
	}()
	step("revoke", chromedp.Do(within(ctx),
		chromedp.Click(row+` [data-testid="revoke"]`),
		chromedp.WaitVisible(row+` [data-testid="token-revoked"]`),
	))
	if msg := <-confirmed; !strings.Contains(msg, "Revoke token browser-ci?") {
		t.Errorf("the confirmation asked %q", msg)
	}
	if status, body, _ := in.call("GET", "/api/whoami", secret, nil); status != 401 {
		t.Errorf("the revoked secret still works: %d %s", status, body)
	}
}

// jsString quotes s for a JavaScript expression.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
