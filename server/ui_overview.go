package server

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/ui"
)

// overviewAuditEvents is how many recent audit events the overview lists.
const overviewAuditEvents = 10

// overview renders the dashboard's landing page.
func (d *dashboard) overview(c *fiber.Ctx) error {
	ctx, cancel := uiContext(c)
	defer cancel()
	p := principalOf(c)
	v := d.overviewView(ctx)
	v.CSRF = sessionOf(c).csrf
	v.CanApprove = v.CSRF != "" && p.Allows(auth.Admin)
	return d.render(c, fiber.StatusOK, d.page(c, "Overview", "overview"), ui.Overview(v))
}

// overviewView gathers each section from its service; a section whose
// service is off says so, and one that fails is reported on the page
// without hiding the rest.
func (d *dashboard) overviewView(ctx context.Context) ui.OverviewView {
	deps := d.s.deps
	var v ui.OverviewView
	problem := func(what string, err error) {
		d.s.log.Warn("dashboard overview", "section", what, "err", err)
		v.Problems = append(v.Problems, what+" could not be read: "+err.Error())
	}
	v.ServingOff = deps.Serving == nil
	if !v.ServingOff {
		var aliases []registry.ModelTarget
		if deps.Registry != nil {
			snap, err := deps.Registry.Snapshot(ctx)
			if err != nil {
				problem("model aliases", err)
			}
			aliases = snap.Aliases
		}
		v.Served = servedModels(deps.Serving.Status(), aliases)
	}
	v.LiveOff = deps.Live == nil
	if !v.LiveOff {
		views, _ := deps.Live.List()
		for _, e := range views {
			v.Live = append(v.Live, ui.LiveExperiment{Name: e.Name, Model: e.Model, Mode: e.Mode, Production: e.Production, Alpha: e.Alpha, State: e.State})
		}
	}
	v.TrainingOff = deps.Training == nil
	if !v.TrainingOff {
		jobs, err := deps.Training.Jobs(ctx)
		if err != nil {
			problem("training jobs", err)
		}
		for _, j := range jobs {
			row := ui.JobRow{Name: j.Name, Model: j.Model, Running: j.Running, Queued: j.Queued}
			if j.NextFire != nil {
				row.NextFire = formatTime(*j.NextFire)
			}
			v.Jobs = append(v.Jobs, row)
		}
	}
	v.RegistryOff = deps.Registry == nil
	if !v.RegistryOff {
		reqs, err := deps.Registry.ListApprovals(ctx, registry.ApprovalQuery{Status: registry.ApprovalPending, Limit: 50})
		if err != nil {
			problem("approval requests", err)
		}
		v.Approvals = approvalRows(reqs)
	}
	v.AuditOff = deps.Audit == nil
	if !v.AuditOff {
		page, err := deps.Audit.List(ctx, audit.Query{Limit: overviewAuditEvents})
		if err != nil {
			problem("audit log", err)
		}
		v.Audit = auditRows(page.Events)
	}
	return v
}
