package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/ui"
)

const (
	// auditPageSize is how many events one page of the audit log lists.
	auditPageSize = 50
	// auditSnapshotShown bounds each before/after snapshot on the page;
	// an event may hold megabytes, the API has them whole.
	auditSnapshotShown = 32 << 10
	// auditTimeLayout is the datetime-local value the time filters show.
	auditTimeLayout = "2006-01-02T15:04:05"
)

// auditKinds suggests the resource kinds Paddock records.
var auditKinds = []string{"alias", "approval", "approval_policy", "live_experiment", "model", "model_version"}

// auditFilter is the audit page's query string: the form's values and
// the page cursor.
type auditFilter struct {
	form      ui.AuditFilter
	pageToken string
}

func auditFilterOf(c *fiber.Ctx) auditFilter {
	q := func(key string) string { return strings.TrimSpace(strings.Clone(c.Query(key))) }
	return auditFilter{form: ui.AuditFilter{Actor: q("actor"), Action: q("action"), ResourceKind: q("resource_kind"),
		ResourceID: q("resource_id"), Since: q("since"), Until: q("until")}, pageToken: q("page_token")}
}

// url is the page's address with these filters and the given cursor.
func (f auditFilter) url(pageToken string) string {
	v := url.Values{}
	for key, val := range map[string]string{"actor": f.form.Actor, "action": f.form.Action,
		"resource_kind": f.form.ResourceKind, "resource_id": f.form.ResourceID,
		"since": f.form.Since, "until": f.form.Until, "page_token": pageToken} {
		if val != "" {
			v.Set(key, val)
		}
	}
	if len(v) == 0 {
		return "/ui/audit"
	}
	return "/ui/audit?" + v.Encode()
}

// query turns the filters into an audit query (without its action, which
// listAudit resolves). Times are normalised in f.form so the form shows
// them back as the datetime-local inputs expect.
func (f *auditFilter) query() (audit.Query, error) {
	q := audit.Query{Actor: f.form.Actor, ResourceKind: f.form.ResourceKind, ResourceID: f.form.ResourceID,
		Limit: auditPageSize, PageToken: f.pageToken}
	var err error
	if q.Since, err = parseFilterTime("from", &f.form.Since); err != nil {
		return q, err
	}
	if q.Until, err = parseFilterTime("before", &f.form.Until); err != nil {
		return q, err
	}
	return q, nil
}

// parseFilterTime reads a datetime-local value (UTC), RFC 3339 or Unix
// milliseconds, and rewrites *raw as a datetime-local value.
func parseFilterTime(what string, raw *string) (time.Time, error) {
	if *raw == "" {
		return time.Time{}, nil
	}
	var t time.Time
	var err error
	if ms, perr := strconv.ParseInt(*raw, 10, 64); perr == nil {
		t = time.UnixMilli(ms)
	} else if t, err = time.Parse(time.RFC3339Nano, *raw); err != nil {
		if t, err = time.Parse(auditTimeLayout, *raw); err != nil {
			t, err = time.Parse("2006-01-02T15:04", *raw)
		}
	}
	if err != nil {
		return time.Time{}, errs.E(errs.Invalid, "the %q time must look like 2025-01-31T13:45 (UTC), got %q", what, *raw)
	}
	*raw = t.UTC().Format(auditTimeLayout)
	return t, nil
}

// auditAction reads the action filter: "registry.alias.*" or
// "registry.alias." is a prefix; a bare "registry.alias" is tried as a
// prefix first and as an exact action when nothing is under it (an
// action is never both a leaf and a prefix).
func auditAction(raw string) (prefix, exact string) {
	switch {
	case raw == "":
		return "", ""
	case strings.HasSuffix(raw, ".*"):
		return raw, ""
	case strings.HasSuffix(raw, "."):
		return raw + "*", ""
	}
	return raw + ".*", raw
}

// listAudit lists one page for q with the action filter raw.
func (d *dashboard) listAudit(ctx context.Context, q audit.Query, raw string) (audit.Page, error) {
	prefix, exact := auditAction(raw)
	q.Action = prefix
	if prefix == "" {
		q.Action = exact
	}
	page, err := d.s.deps.Audit.List(ctx, q)
	if err != nil || len(page.Events) > 0 || prefix == "" || exact == "" {
		return page, err
	}
	q.Action = exact
	return d.s.deps.Audit.List(ctx, q)
}

// auditPage renders the audit log, filtered by the query string.
func (d *dashboard) auditPage(c *fiber.Ctx) error {
	page := d.page(c, "Audit log", "audit")
	if d.s.deps.Audit == nil {
		return d.render(c, fiber.StatusOK, page, ui.Audit(ui.AuditView{Off: true}))
	}
	f := auditFilterOf(c)
	q, err := f.query()
	v := ui.AuditView{Filter: f.form, Kinds: auditKinds}
	if err != nil {
		return d.auditProblem(c, page, v, err)
	}
	ctx, cancel := uiContext(c)
	defer cancel()
	events, err := d.listAudit(ctx, q, f.form.Action)
	if err != nil {
		return d.auditProblem(c, page, v, err)
	}
	v.Events = auditEventRows(events.Events)
	if events.NextPageToken != "" {
		v.OlderURL = f.url(events.NextPageToken)
	}
	if f.pageToken != "" {
		v.NewestURL = f.url("")
	}
	return d.render(c, fiber.StatusOK, page, ui.Audit(v))
}

// auditProblem shows a filter the log refused above the form, which
// keeps what was typed; other errors get the error page.
func (d *dashboard) auditProblem(c *fiber.Ctx, page ui.Page, v ui.AuditView, err error) error {
	if !errs.Is(err, errs.Invalid) {
		return d.fail(c, err)
	}
	_, _, v.Problem = classify(err)
	return d.render(c, fiber.StatusBadRequest, page, ui.Audit(v))
}

// auditEventRows formats events with their detail.
func auditEventRows(events []audit.Event) []ui.AuditEventRow {
	out := make([]ui.AuditEventRow, 0, len(events))
	for _, e := range events {
		row := ui.AuditEventRow{ID: e.ID, At: e.At.UTC().Format("2006-01-02 15:04:05 UTC"), Actor: e.Actor,
			Action: e.Action, ResourceKind: e.Resource.Kind, ResourceID: e.Resource.ID,
			Reason: e.Reason, RequestID: e.RequestID}
		var cut1, cut2 bool
		row.Before, cut1 = snapshotText(e.Before)
		row.After, cut2 = snapshotText(e.After)
		row.Truncated = cut1 || cut2
		out = append(out, row)
	}
	return out
}

// snapshotText indents a JSON snapshot for reading; one past the
// display limit is shown cut, as stored.
func snapshotText(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	if len(raw) > auditSnapshotShown {
		cut := auditSnapshotShown
		for cut > 0 && !utf8.RuneStart(raw[cut]) {
			cut--
		}
		return string(raw[:cut]) + " …", true
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw), false
	}
	return b.String(), false
}
