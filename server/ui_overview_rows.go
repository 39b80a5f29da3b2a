package server

import (
	"sort"
	"strconv"
	"time"

	"github.com/paddockml/paddock/audit"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/serving"
	"github.com/paddockml/paddock/ui"
)

// servedModels lists what serving answers for: the models it has an
// endpoint for (with their installed aliases and loaded versions) and
// the registry's aliased models it will load on their first request.
func servedModels(status []serving.ModelStatus, aliases []registry.ModelTarget) []ui.ServedModel {
	rows := map[string]*ui.ServedModel{}
	registryOnly := map[string]bool{}
	for _, m := range status {
		row := &ui.ServedModel{Name: m.Model, Configured: m.Configured}
		for alias, ver := range m.Aliases {
			row.Aliases = append(row.Aliases, ui.AliasVersion{Alias: alias, Version: ver})
		}
		for _, l := range m.Loaded {
			row.Loaded = append(row.Loaded, l.Version)
		}
		rows[m.Model] = row
	}
	for _, a := range aliases {
		if _, served := rows[a.Model]; served && !registryOnly[a.Model] {
			continue // serving's installed aliases are what answers now
		}
		if rows[a.Model] == nil {
			rows[a.Model] = &ui.ServedModel{Name: a.Model}
			registryOnly[a.Model] = true
		}
		row := rows[a.Model]
		row.Aliases = append(row.Aliases, ui.AliasVersion{Alias: a.Alias, Version: a.Version})
	}
	out := make([]ui.ServedModel, 0, len(rows))
	for _, row := range rows {
		sort.Slice(row.Aliases, func(i, j int) bool { return row.Aliases[i].Alias < row.Aliases[j].Alias })
		sort.Slice(row.Loaded, func(i, j int) bool { return row.Loaded[i] < row.Loaded[j] })
		out = append(out, *row)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// approvalRows formats open approval requests.
func approvalRows(reqs []registry.ApprovalRequest) []ui.ApprovalRow {
	out := make([]ui.ApprovalRow, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, ui.ApprovalRow{ID: r.ID, Model: r.Model, Alias: r.Alias,
			From: versionLabel(r.FromVersion, "unset"), To: versionLabel(r.Version, "removed"),
			RequestedBy: r.RequestedBy, Reason: r.Reason, Created: formatTime(time.UnixMilli(r.CreatedTime))})
	}
	return out
}

func versionLabel(v *int64, none string) string {
	if v == nil {
		return none
	}
	return "v" + strconv.FormatInt(*v, 10)
}

// auditRows formats audit events.
func auditRows(events []audit.Event) []ui.AuditRow {
	out := make([]ui.AuditRow, 0, len(events))
	for _, e := range events {
		out = append(out, ui.AuditRow{At: formatTime(e.At), Actor: e.Actor, Action: e.Action,
			Resource: e.Resource.Kind + " " + e.Resource.ID})
	}
	return out
}

// formatTime is how the dashboard shows an instant: UTC to the minute.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
