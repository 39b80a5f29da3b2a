package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
)

// registerAdminPages registers the audit log and settings pages. Reading
// the log needs what GET /api/audit needs (viewer); managing tokens
// needs what the tokens API needs (admin).
func (d *dashboard) registerAdminPages() {
	d.route(fiber.MethodGet, "/ui/audit", auth.Viewer, d.auditPage)
	d.route(fiber.MethodGet, "/ui/settings", auth.Viewer, d.settingsPage)
	d.route(fiber.MethodPost, "/ui/settings/tokens", auth.Admin, d.createTokenForm)
	d.route(fiber.MethodPost, "/ui/settings/tokens/:id/revoke", auth.Admin, d.revokeTokenForm)
}
