package server

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/ui"
)

// tokenRoles are the roles the create-token form offers, least first so
// the default is the least privilege.
var tokenRoles = []string{auth.Viewer.String(), auth.Editor.String(), auth.Admin.String()}

// settingsPage renders the effective configuration, the routes and, for
// an admin, the tokens.
func (d *dashboard) settingsPage(c *fiber.Ctx) error {
	return d.renderSettings(c, fiber.StatusOK, nil)
}

// renderSettings renders the settings page; created is a token just made,
// whose secret the page shows this once.
func (d *dashboard) renderSettings(c *fiber.Ctx, status int, created *ui.NewToken) error {
	ctx, cancel := uiContext(c)
	defer cancel()
	v := ui.SettingsView{Config: configRows(d.s.deps.Config), Routes: routeRows(d.s.routes), CSRF: sessionOf(c).csrf}
	// Tokens are for admins with a session: the forms need its CSRF token.
	v.ShowTokens = v.CSRF != "" && principalOf(c).Allows(auth.Admin)
	if v.ShowTokens {
		v.Roles, v.NewToken = tokenRoles, created
		rows, err := d.tokenRows(ctx)
		if err != nil {
			d.s.log.Warn("dashboard settings", "section", "tokens", "err", err)
			v.Problems = append(v.Problems, "tokens could not be read: "+err.Error())
		}
		v.Tokens = rows
	}
	return d.render(c, status, d.page(c, "Settings", "settings"), ui.Settings(v))
}

func (d *dashboard) tokenRows(ctx context.Context) ([]ui.TokenRow, error) {
	list, err := d.s.deps.Auth.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ui.TokenRow, 0, len(list))
	for _, t := range list {
		row := ui.TokenRow{ID: t.ID, Name: t.Name, Role: t.Role, Created: formatTime(t.CreatedAt), CreatedBy: t.CreatedBy}
		if t.LastUsedAt != nil {
			row.LastUsed = formatTime(*t.LastUsedAt)
		}
		if t.RevokedAt != nil {
			row.Revoked = formatTime(*t.RevokedAt)
		}
		out = append(out, row)
	}
	return out, nil
}

// routeRows lists the routes by path, then method.
func routeRows(routes []Route) []ui.RouteRow {
	out := make([]ui.RouteRow, 0, len(routes))
	for _, r := range routes {
		role := r.Role.String()
		switch {
		case r.Public:
			role = "public"
		case r.Role == auth.None:
			role = "anyone"
		}
		out = append(out, ui.RouteRow{Method: r.Method, Path: r.Path, Role: role})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// createTokenForm creates a token as POST /api/tokens does and answers
// with the settings page showing its secret once. It renders rather than
// redirects: the secret must not travel in a URL or be kept anywhere.
func (d *dashboard) createTokenForm(c *fiber.Ctx) error {
	role, err := auth.ParseRole(strings.Clone(c.FormValue("role")))
	if err != nil {
		return d.fail(c, err)
	}
	secret, tok, err := d.s.createTokenAudited(c, strings.Clone(c.FormValue("name")), role)
	if err != nil {
		return d.fail(c, err)
	}
	return d.renderSettings(c, fiber.StatusCreated, &ui.NewToken{Name: tok.Name, Role: tok.Role, Secret: secret})
}

// revokeTokenForm revokes a token as DELETE /api/tokens/:id does. Every
// dashboard session re-checks its token on each request, so the
// revoked token's sessions end with it; revoking one's own token signs
// the caller out at once.
func (d *dashboard) revokeTokenForm(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("id"))
	if err := d.s.revokeTokenAudited(c, id); err != nil {
		return d.fail(c, err)
	}
	if principalOf(c).TokenID != id {
		return c.Redirect("/ui/settings", fiber.StatusSeeOther)
	}
	d.sessions.drop(sessionOf(c).id)
	d.setCookie(c, sessionCookie, "", time.Unix(0, 0))
	if c.Get("HX-Request") == "true" {
		// htmx would swap the sign-in page into the main region.
		c.Set("HX-Redirect", "/login")
		return c.SendStatus(fiber.StatusOK)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}
