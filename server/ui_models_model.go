package server

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/ui"
)

const (
	// modelVersionsPage is how many versions a model's page lists at once.
	modelVersionsPage = 50
	// keyMetricColumns is how many metrics the versions table shows.
	keyMetricColumns = 4
)

// keyMetricOrder are the metrics the versions table prefers, in order;
// others fill the remaining columns alphabetically.
var keyMetricOrder = []string{"accuracy", "f1", "auc", "roc_auc", "precision", "recall", "logloss", "rmse", "mae", "r2"}

// modelPage renders a model: versions, lineage, the alias move form and
// its open approval requests. ?page pages the versions; ?moved and
// ?request report the outcome of an alias move.
func (d *dashboard) modelPage(c *fiber.Ctx) error {
	ctx, cancel := uiContext(c)
	defer cancel()
	name, err := param(c, "name")
	if err != nil {
		return d.fail(c, err)
	}
	reg := d.s.deps.Registry
	m, err := reg.GetModel(ctx, name)
	if err != nil {
		return d.fail(c, err)
	}
	page, err := reg.SearchVersions(ctx, registry.Search{Filter: "name = '" + quoteFilter(name) + "'",
		OrderBy: []string{"version_number DESC"}, MaxResults: modelVersionsPage, PageToken: strings.Clone(c.Query("page"))})
	if err != nil {
		return d.fail(c, err)
	}
	v := d.modelView(ctx, c, m, page)
	return d.render(c, fiber.StatusOK, d.page(c, m.Name, "models"), ui.ModelPage(v))
}

// modelView gathers the page's sections; one that fails is reported on
// the page without hiding the rest.
func (d *dashboard) modelView(ctx context.Context, c *fiber.Ctx, m registry.Model, page registry.VersionPage) ui.ModelView {
	reg := d.s.deps.Registry
	p, csrf := principalOf(c), sessionOf(c).csrf
	v := ui.ModelView{Name: m.Name, Href: modelHref(m.Name), Description: m.Description,
		CSRF: csrf, CanApprove: csrf != "" && p.Allows(auth.Admin)}
	problem := func(what string, err error) {
		d.s.log.Warn("dashboard model page", "model", m.Name, "section", what, "err", err)
		v.Problems = append(v.Problems, what+" could not be read: "+err.Error())
	}
	for _, t := range m.Tags {
		v.Tags = append(v.Tags, ui.KeyValue{Key: t.Key, Value: t.Value})
	}
	v.MetricKeys = modelKeyMetrics(page.Versions)
	for _, ver := range page.Versions {
		v.Versions = append(v.Versions, modelVersionRow(ver, v.MetricKeys))
	}
	if page.NextPageToken != "" {
		v.NextHref = v.Href + "?" + url.Values{"page": {page.NextPageToken}}.Encode()
	}
	v.Lineage = d.lineageGraph(ctx, m.Name, page.Versions, problem)
	if policy, err := reg.Policy(ctx, m.Name); err != nil {
		problem("approval policy", err)
	} else {
		v.Guarded = policy.Aliases
	}
	reqs, err := reg.ListApprovals(ctx, registry.ApprovalQuery{Status: registry.ApprovalPending, Model: m.Name, Limit: 100})
	if err != nil {
		problem("approval requests", err)
	}
	v.Approvals = approvalRows(reqs)
	if csrf != "" && p.Allows(auth.Editor) {
		v.Move = modelAliasForm(m, page.Versions)
	}
	v.Notice, v.NoticePending = d.moveNotice(ctx, m, c.Query("moved"), c.Query("request"))
	return v
}

func modelVersionRow(ver registry.Version, keys []string) ui.VersionRow {
	row := ui.VersionRow{Version: ver.Version, Href: modelVersionHref(ver.Model, ver.Version), Semver: ver.Semver,
		Aliases: ver.Aliases, Status: ver.Status, RunID: ver.RunID, Created: formatTime(time.UnixMilli(ver.CreationTime))}
	if ver.RunID != "" {
		row.RunHref = modelRunHref(ver.RunID)
	}
	values := make(map[string]float64, len(ver.Metrics))
	for _, m := range ver.Metrics {
		values[m.Key] = m.Value
	}
	for _, k := range keys {
		if x, ok := values[k]; ok {
			row.Metrics = append(row.Metrics, modelMetric(x))
		} else {
			row.Metrics = append(row.Metrics, "")
		}
	}
	return row
}

// modelKeyMetrics picks the versions table's metric columns: the preferred
// ones any version has, then the others alphabetically, leaving out
// per-class metrics (recall_0, ...) which the version page shows.
func modelKeyMetrics(versions []registry.Version) []string {
	have := map[string]bool{}
	for _, v := range versions {
		for _, m := range v.Metrics {
			have[m.Key] = true
		}
	}
	var out []string
	for _, k := range keyMetricOrder {
		if have[k] && len(out) < keyMetricColumns {
			out = append(out, k)
			delete(have, k)
		}
	}
	var rest []string
	for k := range have {
		if _, perClass := classMetricName(k); !perClass {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest[:min(len(rest), keyMetricColumns-len(out))]...)
}

// modelMetric shows a metric with five significant digits.
func modelMetric(x float64) string { return strconv.FormatFloat(x, 'g', 5, 64) }

// modelAliasForm offers the model's aliases and the versions on the page
// that may carry one.
func modelAliasForm(m registry.Model, versions []registry.Version) *ui.AliasMoveForm {
	f := &ui.AliasMoveForm{Action: modelHref(m.Name) + "/aliases/move"}
	for _, a := range m.Aliases {
		f.Aliases = append(f.Aliases, a.Alias)
	}
	for _, v := range versions {
		if v.Status == registry.StatusReady {
			f.Versions = append(f.Versions, v.Version)
		}
	}
	return f
}

// moveNotice reports the outcome of an alias move from the registry's
// current state, so a crafted link cannot announce a move that did not
// happen.
func (d *dashboard) moveNotice(ctx context.Context, m registry.Model, moved, request string) (string, bool) {
	if id, err := strconv.ParseInt(request, 10, 64); err == nil && id > 0 {
		r, err := d.s.deps.Registry.GetApproval(ctx, id)
		if err != nil || r.Model != m.Name {
			return "", false
		}
		move := r.Alias + " from " + versionLabel(r.FromVersion, "unset") + " to " + versionLabel(r.Version, "removed")
		if r.Status == registry.ApprovalPending {
			return "Approval request #" + request + " opened: moving " + move + " waits for an admin's decision.", true
		}
		return "Approval request #" + request + " (moving " + move + ") was " + r.Status + ".", false
	}
	for _, a := range m.Aliases {
		if moved != "" && a.Alias == moved {
			return a.Alias + " now points to v" + strconv.FormatInt(a.Version, 10) + ".", false
		}
	}
	return "", false
}
