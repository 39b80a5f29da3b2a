package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
)

// registerRunPages registers the experiments, runs and compare pages.
// Editing a note needs what the MLflow set-tag route needs (editor).
func (d *dashboard) registerRunPages() {
	if d.s.deps.Tracking == nil {
		d.route(fiber.MethodGet, "/ui/experiments", auth.Viewer, func(c *fiber.Ctx) error {
			return d.fail(c, errs.E(errs.NotFound, "experiment tracking is not enabled on this node"))
		})
		return
	}
	p := &runPages{dashboard: d, curves: newCurveCache()}
	d.route(fiber.MethodGet, "/ui/experiments", auth.Viewer, d.experimentsPage)
	d.route(fiber.MethodGet, "/ui/experiments/runs", auth.Viewer, d.runsPage)
	d.route(fiber.MethodGet, "/ui/experiments/:ids/runs", auth.Viewer, d.runsPage)
	d.route(fiber.MethodGet, "/ui/runs/:id", auth.Viewer, p.runPage)
	d.route(fiber.MethodPost, "/ui/runs/:id/note", auth.Editor, d.saveRunNote)
	d.route(fiber.MethodGet, "/ui/runs/:id/artifact", auth.Viewer, d.runArtifact)
	d.route(fiber.MethodGet, "/ui/compare", auth.Viewer, p.comparePage)
}

// runPages are the pages that draw curves, with the curves they drew.
type runPages struct {
	*dashboard
	curves *curveCache
}
