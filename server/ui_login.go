package server

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/ui"
)

// loginForm shows the sign-in form, or goes straight to the dashboard
// for a caller already signed in.
func (d *dashboard) loginForm(c *fiber.Ctx) error {
	next := safeNext(c.Query("next"))
	if ss, _ := d.caller(c); ss.id != "" {
		return c.Redirect(next, fiber.StatusSeeOther)
	}
	return d.renderLogin(c, fiber.StatusOK, next, "")
}

// renderLogin shows the form with a fresh CSRF token, kept in a cookie
// because no session exists yet (double submit).
func (d *dashboard) renderLogin(c *fiber.Ctx, status int, next, problem string) error {
	tok := randomToken()
	d.setCookie(c, loginCookie, tok, time.Now().Add(time.Hour))
	c.Status(status)
	c.Type("html", "utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentSecurityPolicy, dashboardCSP)
	v := ui.LoginView{Next: next, CSRF: tok, Error: problem, CSS: d.assets.URL(ui.AppCSS)}
	return ui.LoginPage(v).Render(c.UserContext(), c.Response().BodyWriter())
}

// login checks the token from the form and opens a session with its
// principal and role.
func (d *dashboard) login(c *fiber.Ctx) error {
	next := safeNext(c.FormValue("next"))
	if !sameSecret(c.Cookies(loginCookie), c.FormValue("csrf")) {
		return d.renderLogin(c, fiber.StatusForbidden, next, "The form expired. Please sign in again.")
	}
	token := strings.TrimSpace(strings.Clone(c.FormValue("token")))
	if _, err := d.s.deps.Auth.Authenticate(c.UserContext(), token); err != nil {
		if status, _, _ := classify(err); status >= 500 {
			return err
		}
		return d.renderLogin(c, fiber.StatusUnauthorized, next, "That token is not valid.")
	}
	ss := d.sessions.create(token)
	d.setCookie(c, sessionCookie, ss.id, ss.expires)
	c.ClearCookie(loginCookie)
	return c.Redirect(next, fiber.StatusSeeOther)
}

// logout ends the session; the guard has checked its CSRF token.
func (d *dashboard) logout(c *fiber.Ctx) error {
	ss := sessionOf(c)
	if ss.id == "" {
		return errs.E(errs.Unauthenticated, "not signed in")
	}
	d.sessions.drop(ss.id)
	d.setCookie(c, sessionCookie, "", time.Unix(0, 0))
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// setCookie sets an HttpOnly, SameSite=Strict cookie, Secure behind TLS.
func (d *dashboard) setCookie(c *fiber.Ctx, name, value string, expires time.Time) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: "/", Expires: expires,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode, Secure: c.Protocol() == "https"})
}

// safeNext keeps the post-sign-in redirect inside the dashboard, so the
// form cannot be used to send someone elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.ContainsAny(next, "\\\r\n") || strings.Contains(next, "//") {
		return "/ui/"
	}
	return strings.Clone(next)
}
