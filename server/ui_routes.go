package server

import (
	"context"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/ui"
)

const (
	localSession = "paddock.ui_session"
	headerCSRF   = "X-CSRF-Token"
	// staticCache lets browsers keep assets a year: their URLs carry
	// their content hash.
	staticCache = "public, max-age=31536000, immutable"
	// dashboardCSP keeps pages to their own origin and out of frames.
	// Inline styles stay allowed for htmx's indicator style.
	dashboardCSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)

// dashboard serves the browser UI under /ui/, the sign-in pages and the
// hashed static assets. Its sessions live in memory.
type dashboard struct {
	s        *Server
	sessions *sessionStore
	assets   *ui.Assets
}

// registerUI registers the dashboard's routes.
func (s *Server) registerUI() {
	assets, err := ui.StaticAssets()
	if err != nil {
		// Only a broken build gets here; the pages still render unstyled.
		s.log.Error("dashboard assets", "err", err)
		assets = ui.NoAssets()
	}
	d := &dashboard{s: s, sessions: newSessionStore(time.Now), assets: assets}
	s.public(fiber.MethodGet, "/static/:hash/*", d.static)
	s.public(fiber.MethodGet, "/login", d.loginForm)
	s.public(fiber.MethodPost, "/login", d.login)
	d.route(fiber.MethodPost, "/logout", auth.None, d.logout)
	d.route(fiber.MethodGet, "/ui/", auth.Viewer, d.overview)
	if s.deps.Registry != nil {
		d.route(fiber.MethodPost, "/ui/approvals/:id/approve", auth.Admin, d.approve)
		d.route(fiber.MethodPost, "/ui/approvals/:id/reject", auth.Admin, d.reject)
	}
	d.registerRunPages()
	d.registerModelPages()
	d.registerOpsPages()
	d.registerAdminPages()
}

// route registers a dashboard endpoint: a session (or the anonymous
// role) must reach need, and every write must carry the CSRF token.
func (d *dashboard) route(method, path string, need auth.Role, h fiber.Handler) {
	d.s.routes = append(d.s.routes, Route{Method: method, Path: path, Role: need})
	d.s.app.Add(method, path, d.s.limitBody, d.guard(need), h)
}

// guard resolves the caller from the session cookie, checks CSRF on
// writes and the role. A caller without a session who may not read is
// sent to the sign-in form.
func (d *dashboard) guard(need auth.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ss, p := d.caller(c)
		c.Locals(localPrincipal, p)
		c.Locals(localSession, ss)
		if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
			sent := c.Get(headerCSRF)
			if sent == "" {
				sent = c.FormValue("csrf")
			}
			if !sameSecret(ss.csrf, sent) {
				return d.fail(c, errs.E(errs.PermissionDenied, "this form has expired or did not come from Paddock; reload the page and try again"))
			}
		}
		if !p.Allows(need) {
			if ss.id == "" && c.Method() == fiber.MethodGet {
				return c.Redirect("/login?next="+strings.Clone(c.OriginalURL()), fiber.StatusSeeOther)
			}
			return d.fail(c, errs.E(errs.PermissionDenied, "role %s may not do this; it needs %s", p.Role, need))
		}
		return c.Next()
	}
}

// caller returns the request's session and principal. The session's
// token is checked again on every request, so revoking it signs out.
func (d *dashboard) caller(c *fiber.Ctx) (session, auth.Principal) {
	id := c.Cookies(sessionCookie)
	if ss, ok := d.sessions.get(id); ok {
		p, err := d.s.deps.Auth.Authenticate(c.UserContext(), ss.token)
		if err == nil {
			return ss, p
		}
		d.sessions.drop(ss.id)
	}
	role, _ := auth.ParseRole(d.s.deps.Config.Auth.AnonymousRole)
	return session{}, auth.Principal{Role: role}
}

func sessionOf(c *fiber.Ctx) session {
	ss, _ := c.Locals(localSession).(session)
	return ss
}

// page builds the layout's view model for the current caller.
func (d *dashboard) page(c *fiber.Ctx, title, section string) ui.Page {
	p := principalOf(c)
	user := p.Name
	if p.Anonymous() {
		user = "anonymous"
	}
	return ui.Page{Title: title, Section: section, User: user, Role: p.Role.String(),
		CSRF: sessionOf(c).csrf, Assets: d.assets.Links()}
}

// render writes content as a whole page, or as a fragment of the main
// region for an htmx request (but not for htmx's history restore, which
// needs the whole page).
func (d *dashboard) render(c *fiber.Ctx, status int, page ui.Page, content templ.Component) error {
	c.Status(status)
	c.Type("html", "utf-8")
	c.Set(fiber.HeaderVary, "HX-Request")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentSecurityPolicy, dashboardCSP)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	frame := ui.Layout(page)
	if c.Get("HX-Request") == "true" && c.Get("HX-History-Restore-Request") != "true" {
		frame = ui.Fragment(page)
	}
	ctx := templ.WithChildren(c.UserContext(), content)
	return frame.Render(ctx, c.Response().BodyWriter())
}

// fail renders err as a dashboard page with the status the API would
// give it; internal errors are logged and not shown.
func (d *dashboard) fail(c *fiber.Ctx, err error) error {
	status, _, msg := classify(err)
	if status >= 500 {
		d.s.log.Error("dashboard request failed", "request_id", requestIDOf(c), "path", c.Path(), "err", err)
		msg = "internal error (request " + requestIDOf(c) + ")"
	}
	return d.render(c, status, d.page(c, "Error", ""), ui.ErrorPage(status, msg))
}

// uiContext bounds a page's reads so one slow section cannot hang it.
func uiContext(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), 5*time.Second)
}
