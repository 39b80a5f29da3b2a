package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/registry"
)

// Sign-in sets an HttpOnly, SameSite=Strict session cookie; a form
// without its CSRF token is refused; sign-out ends the session.
func TestUILoginLogoutAndCSRF(t *testing.T) {
	e := newUIEnv(t)
	resp, _ := e.do("GET", "/ui/", nil, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=/ui/" {
		t.Fatalf("GET /ui/ signed out: %d to %q, want 303 to the sign-in form", resp.StatusCode, resp.Header.Get("Location"))
	}

	// The sign-in form's own CSRF token (double submit with a cookie).
	resp, page := e.do("GET", "/login", nil, nil)
	lc := cookieNamed(resp, loginCookie)
	good := url.Values{"csrf": {csrfOf(t, page)}, "token": {e.tokens[auth.Viewer]}}
	if resp, _ := e.do("POST", "/login", url.Values{"token": {e.tokens[auth.Viewer]}}, []*http.Cookie{lc}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without the form's CSRF token: %d, want 403", resp.StatusCode)
	}
	bad := url.Values{"csrf": good["csrf"], "token": {"pdk_not-a-token"}}
	if resp, page := e.do("POST", "/login", bad, []*http.Cookie{lc}); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, `data-testid="login-error"`) {
		t.Errorf("sign-in with a wrong token: %d, want 401 and the form with an error", resp.StatusCode)
	}

	sc, page := e.login(auth.Editor)
	if !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode {
		t.Errorf("session cookie %+v: want HttpOnly and SameSite=Strict", sc)
	}
	csrf := csrfOf(t, page)
	if !strings.Contains(page, `hx-headers="{&#34;X-CSRF-Token&#34;:&#34;`+csrf) {
		t.Errorf("the body does not hand htmx the CSRF header")
	}
	if resp, _ := e.do("POST", "/logout", url.Values{}, []*http.Cookie{sc}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without the CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/logout", url.Values{"csrf": {"x" + csrf}}, []*http.Cookie{sc}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out with a wrong CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/ui/", nil, []*http.Cookie{sc}); resp.StatusCode != 200 {
		t.Fatalf("refused sign-outs ended the session: %d", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/logout", nil, []*http.Cookie{sc}, headerCSRF, csrf); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-out with the CSRF header: %d, want 303", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/ui/", nil, []*http.Cookie{sc}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the session outlived sign-out: %d", resp.StatusCode)
	}
}

// Only an admin gets approve and reject buttons; a viewer's or an
// editor's POST is refused even with a valid CSRF token, an admin's
// decides the request.
func TestUIApprovalsFollowRoles(t *testing.T) {
	e := newUIEnv(t)
	for _, role := range []auth.Role{auth.Viewer, auth.Editor} {
		sc, page := e.login(role)
		if !strings.Contains(page, `data-testid="approval"`) {
			t.Fatalf("%s: the open approval request is not listed", role)
		}
		if strings.Contains(page, `data-testid="approve"`) || strings.Contains(page, `data-testid="reject"`) {
			t.Errorf("%s sees decision buttons", role)
		}
		resp, _ := e.do("POST", "/ui/approvals/1/approve", url.Values{"csrf": {csrfOf(t, page)}}, []*http.Cookie{sc})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s approving: %d, want 403", role, resp.StatusCode)
		}
	}
	sc, page := e.login(auth.Admin)
	if !strings.Contains(page, `data-testid="approve"`) {
		t.Fatalf("the admin sees no approve button")
	}
	if resp, _ := e.do("POST", "/ui/approvals/1/approve", url.Values{}, []*http.Cookie{sc}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("admin approving without the CSRF token: %d, want 403", resp.StatusCode)
	}
	if got := e.approvalStatus(); got != registry.ApprovalPending {
		t.Fatalf("refused decisions changed the request to %q", got)
	}
	resp, _ := e.do("POST", "/ui/approvals/1/approve", url.Values{"csrf": {csrfOf(t, page)}}, []*http.Cookie{sc})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin approving: %d, want 303", resp.StatusCode)
	}
	if got := e.approvalStatus(); got != registry.ApprovalApproved {
		t.Errorf("after the admin's approval the request is %q", got)
	}
}

func (e *uiEnv) approvalStatus() string {
	e.t.Helper()
	a, err := e.reg.GetApproval(context.Background(), 1)
	if err != nil {
		e.t.Fatal(err)
	}
	return a.Status
}

// An htmx request gets the main region only; a direct load or htmx's
// history restore gets the whole page.
func TestUIFragmentOrPage(t *testing.T) {
	e := newUIEnv(t)
	sc, page := e.login(auth.Viewer)
	if !strings.HasPrefix(page, "<!doctype html>") || !strings.Contains(page, `id="main"`) {
		t.Errorf("direct load is not a whole page: %.80q", page)
	}
	resp, frag := e.do("GET", "/ui/", nil, []*http.Cookie{sc}, "HX-Request", "true")
	if strings.Contains(frag, "<html") || strings.Contains(frag, `id="main"`) || !strings.Contains(frag, `data-testid="served"`) || !strings.Contains(frag, "<title>Overview") {
		t.Errorf("htmx request did not get a fragment with a title: %.200q", frag)
	}
	if resp.Header.Get("Vary") != "HX-Request" {
		t.Errorf("Vary = %q, want HX-Request", resp.Header.Get("Vary"))
	}
	_, restore := e.do("GET", "/ui/", nil, []*http.Cookie{sc}, "HX-Request", "true", "HX-History-Restore-Request", "true")
	if !strings.Contains(restore, "<html") {
		t.Errorf("history restore did not get the whole page")
	}
}

// Assets are served at their hashed URL with a year's immutable cache;
// any other hash is not found.
func TestUIStaticAssets(t *testing.T) {
	e := newUIEnv(t)
	_, page := e.login(auth.Viewer)
	m := regexpFind(`href="(/static/[0-9a-f]+/app\.css)"`, page)
	if m == "" {
		t.Fatalf("the page links no hashed app.css")
	}
	resp, css := e.do("GET", m, nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(css, "skip") || resp.Header.Get("Cache-Control") != staticCache ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("GET %s: %d %q %q", m, resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
	}
	if resp, _ := e.do("GET", "/static/000000000000/app.css", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a stale hash: %d, want 404", resp.StatusCode)
	}
}
