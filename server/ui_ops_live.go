package server

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/serving/live"
	"github.com/paddockml/paddock/ui"
)

// The actions of the live experiment page.
const (
	liveActionPromote  = "promote"
	liveActionRollback = "rollback"
)

// maxLiveWindow bounds the ?window= of the live page: the prediction log
// read for it is bounded anyway (Stats reads at most 200,000 requests).
const maxLiveWindow = 7 * 24 * time.Hour

// liveList renders /ui/live: every live experiment.
func (d *dashboard) liveList(c *fiber.Ctx) error {
	page := d.page(c, "Live experiments", "live")
	if d.s.deps.Live == nil {
		return d.render(c, fiber.StatusOK, page, ui.LiveList(ui.LiveListView{Off: true}))
	}
	views, reloadErr := d.s.deps.Live.List()
	v := ui.LiveListView{ReloadError: reloadErr}
	for _, e := range views {
		v.Experiments = append(v.Experiments, liveExperimentRow(e))
	}
	return d.render(c, fiber.StatusOK, page, ui.LiveList(v))
}

func liveExperimentRow(e live.View) ui.LiveRow {
	return ui.LiveRow{Name: e.Name, Model: e.Model, Mode: e.Mode, Production: e.Production, Alpha: e.Alpha, State: e.State,
		Routing: liveRouting(e), ProductionN: e.Counters.Production, AlphaN: e.Counters.Alpha,
		Shadowed: e.Counters.Shadowed, ShadowDrops: e.Counters.ShadowDropped}
}

// liveRouting says what an experiment's mode does now.
func liveRouting(e live.View) string {
	switch {
	case e.State != live.StateRunning:
		return "production answers everything"
	case e.Mode == "shadow":
		return "alpha shadows " + opsPct(e.SampleRate) + " of requests"
	case e.Mode == "canary" && e.CanaryStep != nil:
		return "canary step " + strconv.Itoa(*e.CanaryStep+1) + ": alpha answers " + opsPct(e.AlphaPercent/100)
	}
	return "alpha answers " + opsPct(e.AlphaPercent/100)
}

// liveParams reads the experiment of the path, or NotFound.
func (d *dashboard) liveParams(c *fiber.Ctx) (live.View, error) {
	if d.s.deps.Live == nil {
		return live.View{}, errs.E(errs.NotFound, "live experiments are not enabled on this node")
	}
	return d.s.deps.Live.Get(strings.Clone(c.Params("name")))
}

// liveDetail renders /ui/live/:name?window=30m: the comparison of the
// arms over the window (the experiment's rules.window by default).
func (d *dashboard) liveDetail(c *fiber.Ctx) error {
	e, err := d.liveParams(c)
	if err != nil {
		return d.fail(c, err)
	}
	var window time.Duration
	if w := c.Query("window"); w != "" {
		if window, err = time.ParseDuration(w); err != nil || window <= 0 || window > maxLiveWindow {
			return d.fail(c, errs.E(errs.Invalid, "window must be a duration such as 30m, up to 168h, got %q", w))
		}
	}
	ctx, cancel := uiContext(c)
	defer cancel()
	v := d.liveDetailView(ctx, e, window)
	p := principalOf(c)
	v.CanDecide = sessionOf(c).csrf != "" && p.Allows(auth.Editor)
	return d.render(c, fiber.StatusOK, d.page(c, "Live "+e.Name, "live"), ui.LiveDetail(v))
}

// liveDetailView gathers the statistics and the timeline; one that
// fails is reported on the page without hiding the other.
func (d *dashboard) liveDetailView(ctx context.Context, e live.View, window time.Duration) ui.LiveDetailView {
	v := ui.LiveDetailView{LiveRow: liveExperimentRow(e), Reason: e.Reason, Source: e.Source, ShadowFailed: e.Counters.ShadowFailed,
		Window: e.Rules.Window}
	if window > 0 {
		v.Window = opsWindow(window)
	} else if w, err := time.ParseDuration(e.Rules.Window); err == nil {
		v.Window = opsWindow(w)
	}
	_, fixedProd := config.ArmVersion(e.Production)
	running := e.State == live.StateRunning || e.State == live.StatePaused
	v.CanPromote = running && !fixedProd
	v.CanRollback = running || e.State == live.StatePromoted || e.State == live.StateAwaitingApproval
	problem := func(what string, err error) {
		d.s.log.Warn("dashboard live experiment", "experiment", e.Name, "section", what, "err", err)
		v.Problems = append(v.Problems, what+" could not be read: "+err.Error())
	}
	report, err := d.s.deps.Live.Stats(ctx, e.Name, window)
	if err != nil {
		problem("statistics", err)
	} else {
		liveFillReport(&v, report)
	}
	if e.Mode == "shadow" {
		tl, err := d.s.deps.Live.Timeline(ctx, e.Name, window, 0)
		if err != nil {
			problem("agreement over time", err)
		} else {
			liveFillTimeline(&v, tl)
		}
	}
	return v
}

// liveConfirm renders /ui/live/:name/confirm?action=promote: what the
// action will do, and the form that does it.
func (d *dashboard) liveConfirm(c *fiber.Ctx) error {
	e, err := d.liveParams(c)
	if err != nil {
		return d.fail(c, err)
	}
	action := c.Query("action")
	if action != liveActionPromote && action != liveActionRollback {
		return d.fail(c, errs.E(errs.Invalid, "action must be promote or rollback, got %q", action))
	}
	ctx, cancel := uiContext(c)
	defer cancel()
	v := ui.LiveConfirmView{Name: e.Name, Action: action, Effect: d.liveEffect(ctx, e, action)}
	return d.render(c, fiber.StatusOK, d.page(c, "Confirm "+action, "live"), ui.LiveConfirm(v, sessionOf(c).csrf))
}

// liveEffect says what promoting or rolling back will do, with the versions
// the registry names now.
func (d *dashboard) liveEffect(ctx context.Context, e live.View, action string) string {
	version := func(arm string) string {
		if n, ok := config.ArmVersion(arm); ok {
			return "v" + strconv.FormatInt(n, 10)
		}
		if d.s.deps.Registry != nil {
			if ver, err := d.s.deps.Registry.VersionByAlias(ctx, e.Model, arm); err == nil {
				return arm + " (v" + strconv.FormatInt(ver.Version, 10) + ")"
			}
		}
		return arm
	}
	if action == liveActionPromote {
		return "The alias " + e.Production + " of " + e.Model + ", now " + version(e.Production) + ", moves to alpha's version " +
			version(e.Alpha) + " through the registry, and the experiment ends. When the alias is guarded, an approval request is filed instead and production stays until an admin approves it."
	}
	if e.State == live.StatePromoted && e.PreviousVersion > 0 {
		return "The alias " + e.Production + " of " + e.Model + " moves back to v" + strconv.FormatInt(e.PreviousVersion, 10) +
			", the version the promotion replaced, and the experiment ends as rolled back."
	}
	return "Alpha (" + version(e.Alpha) + ") is taken off traffic; production (" + version(e.Production) + ") keeps answering every request."
}

// liveDecide is POST /ui/live/:name/promote or .../rollback: it runs
// the action as the API does and shows what it did.
func (d *dashboard) liveDecide(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		e, err := d.liveParams(c)
		if err != nil {
			return d.fail(c, err)
		}
		reason := strings.TrimSpace(strings.Clone(c.FormValue("reason")))
		if utf8.RuneCountInString(reason) > 2000 {
			return d.fail(c, errs.E(errs.Invalid, "reason is longer than 2000 characters"))
		}
		act := d.s.deps.Live.Promote
		if action == liveActionRollback {
			act = d.s.deps.Live.Rollback
		}
		dec, err := act(c.UserContext(), callerOf(c), e.Name, reason)
		if err != nil {
			return d.fail(c, err)
		}
		return d.render(c, fiber.StatusOK, d.page(c, "Live "+e.Name, "live"), ui.LiveDecision(liveDecisionView(action, dec)))
	}
}

func liveDecisionView(action string, dec live.Decision) ui.LiveDecisionView {
	v := ui.LiveDecisionView{Name: dec.Experiment, Action: action, State: dec.State, Reason: dec.Reason}
	if dec.Approval != nil {
		v.ApprovalID = dec.Approval.ID
	}
	if dec.Alias != "" && dec.Version > 0 {
		where := "Production (" + dec.Model + "@" + dec.Alias + ") now answers with v" + strconv.FormatInt(dec.Version, 10) + "."
		if dec.State == live.StateAwaitingApproval {
			where = "Production (" + dec.Model + "@" + dec.Alias + ") keeps answering with v" + strconv.FormatInt(dec.Version, 10) + " until the request is approved."
		}
		v.Where = where
	}
	return v
}
