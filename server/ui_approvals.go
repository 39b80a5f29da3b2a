package server

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/registry"
)

// approve and reject decide an approval request from the dashboard's
// forms, then go back to the page the form was on (its "back" field, a
// /ui/ path; the overview without one) with a plain redirect, so the
// forms work without JavaScript.
func (d *dashboard) approve(c *fiber.Ctx) error { return d.decide(c, d.s.deps.Registry.Approve) }

func (d *dashboard) reject(c *fiber.Ctx) error { return d.decide(c, d.s.deps.Registry.Reject) }

type decision func(ctx context.Context, who registry.Caller, id int64, comment string) (registry.ApprovalRequest, error)

func (d *dashboard) decide(c *fiber.Ctx, fn decision) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return d.fail(c, errs.E(errs.Invalid, "approval request id must be a positive integer"))
	}
	comment := strings.Clone(c.FormValue("comment"))
	if _, err := fn(c.UserContext(), callerOf(c), id, comment); err != nil {
		return d.fail(c, err)
	}
	return c.Redirect(safeNext(c.FormValue("back")), fiber.StatusSeeOther)
}
