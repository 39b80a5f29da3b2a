package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/errs"
)

// static serves an embedded asset at its content-hashed URL, cached for
// a year: a changed file gets a new URL.
func (d *dashboard) static(c *fiber.Ctx) error {
	a, ok := d.assets.Lookup(c.Params("hash"), c.Params("*"))
	if !ok {
		return errs.E(errs.NotFound, "no asset %s", strings.Clone(c.Path()))
	}
	c.Set(fiber.HeaderCacheControl, staticCache)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentType, a.ContentType)
	return c.Send(a.Body)
}
