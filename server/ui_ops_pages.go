package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
)

// registerOpsPages registers the serving, live experiment and training
// pages. Their writes need the role the matching API route needs:
// promote and rollback (/api/experiments/{name}/promote) and "Run now"
// (/api/training/jobs/{name}/run) are for editors.
func (d *dashboard) registerOpsPages() {
	d.route(fiber.MethodGet, "/ui/serving", auth.Viewer, d.servingList)
	d.route(fiber.MethodGet, "/ui/serving/:model", auth.Viewer, d.servingModel)
	d.route(fiber.MethodGet, "/ui/live", auth.Viewer, d.liveList)
	d.route(fiber.MethodGet, "/ui/live/:name", auth.Viewer, d.liveDetail)
	if d.s.deps.Live != nil {
		d.route(fiber.MethodGet, "/ui/live/:name/confirm", auth.Editor, d.liveConfirm)
		d.route(fiber.MethodPost, "/ui/live/:name/promote", auth.Editor, d.liveDecide(liveActionPromote))
		d.route(fiber.MethodPost, "/ui/live/:name/rollback", auth.Editor, d.liveDecide(liveActionRollback))
	}
	d.route(fiber.MethodGet, "/ui/training", auth.Viewer, d.trainingList)
	d.route(fiber.MethodGet, "/ui/training/:job", auth.Viewer, d.trainingJobPage)
	if d.s.deps.Training != nil {
		d.route(fiber.MethodPost, "/ui/training/jobs/:job/run", auth.Editor, d.trainingRunNowForm)
		// The API's stream, behind the session: EventSource sends the
		// session cookie but cannot send a bearer token.
		d.route(fiber.MethodGet, "/ui/training/runs/:id/log", auth.Viewer, d.s.trainingLog)
	}
}
