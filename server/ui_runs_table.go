package server

import (
	"slices"
	"strconv"

	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/experiments/filter"
	"github.com/paddockml/paddock/ui"
)

// runsView builds the table of one page of runs.
func runsView(q runsQuery, action string, page experiments.RunPage) ui.RunsView {
	paramKeys, metricKeys := pageKeys(page.Runs)
	params, metrics := q.params, q.metrics
	if !q.chosen {
		params = firstN(paramKeys, defaultColumns)
		metrics = firstN(metricKeys, defaultColumns)
		// The column the table is ordered by is always shown.
		if o, ok := q.order(); ok && o.Entity == filter.Param && !slices.Contains(params, o.Key) {
			params = append(params, o.Key)
		}
		if o, ok := q.order(); ok && o.Entity == filter.Metric && !slices.Contains(metrics, o.Key) {
			metrics = append(metrics, o.Key)
		}
	}
	shown := q
	shown.params, shown.metrics, shown.chosen = params, metrics, true
	v := ui.RunsView{Action: action, Filter: q.filter, OrderBy: q.orderBy, CompareAction: "/ui/compare",
		Hidden: shown.hidden("filter"), ChooserHidden: shown.hidden("cols", "param", "metric"), Page: q.page,
		ParamChoices: choices(paramKeys, params), MetricChoices: choices(metricKeys, metrics)}
	v.Columns = append(v.Columns,
		ui.RunColumn{Label: "Started", Kind: "attr", SortURL: shown.sortURL(action, filter.Attribute, "start_time"), Sort: shown.sortState(filter.Attribute, "start_time")},
		ui.RunColumn{Label: "Status", Kind: "attr", SortURL: shown.sortURL(action, filter.Attribute, "status"), Sort: shown.sortState(filter.Attribute, "status")},
		ui.RunColumn{Label: "Duration", Kind: "attr"})
	for _, k := range params {
		v.Columns = append(v.Columns, ui.RunColumn{Label: k, Kind: "param", SortURL: shown.sortURL(action, filter.Param, k), Sort: shown.sortState(filter.Param, k)})
	}
	for _, k := range metrics {
		v.Columns = append(v.Columns, ui.RunColumn{Label: k, Kind: "metric", SortURL: shown.sortURL(action, filter.Metric, k), Sort: shown.sortState(filter.Metric, k)})
	}
	for _, r := range page.Runs {
		v.Runs = append(v.Runs, runRow(r, params, metrics))
	}
	if q.token != "" {
		first := shown
		first.token, first.page = "", 1
		v.FirstURL = first.url(action)
	}
	if page.NextPageToken != "" {
		next := shown
		next.token, next.page = page.NextPageToken, q.page+1
		v.NextURL = next.url(action)
	}
	return v
}

func runRow(r experiments.Run, params, metrics []string) ui.RunRow {
	row := ui.RunRow{ID: r.Info.RunID, Name: r.Info.RunName, URL: "/ui/runs/" + r.Info.RunID}
	if row.Name == "" {
		row.Name = r.Info.RunID
	}
	row.Cells = append(row.Cells, runsTimePtr(r.Info.StartTime), r.Info.Status, runsDuration(r.Info))
	for _, k := range params {
		row.Cells = append(row.Cells, paramValue(r.Params, k))
	}
	for _, k := range metrics {
		row.Cells = append(row.Cells, metricValue(r.Metrics, k))
	}
	return row
}

func paramValue(ps []experiments.Param, key string) string {
	for _, p := range ps {
		if p.Key == key {
			return p.Value
		}
	}
	return ""
}

func metricValue(ms []experiments.Metric, key string) string {
	for _, m := range ms {
		if m.Key == key {
			return runsValue(m.Value)
		}
	}
	return ""
}

// pageKeys returns the param and metric keys of the runs, sorted.
func pageKeys(runs []experiments.Run) (params, metrics []string) {
	seenP, seenM := map[string]bool{}, map[string]bool{}
	for _, r := range runs {
		for _, p := range r.Params {
			if !seenP[p.Key] {
				seenP[p.Key] = true
				params = append(params, p.Key)
			}
		}
		for _, m := range r.Metrics {
			if !seenM[m.Key] {
				seenM[m.Key] = true
				metrics = append(metrics, m.Key)
			}
		}
	}
	slices.Sort(params)
	slices.Sort(metrics)
	return params, metrics
}

func firstN(keys []string, n int) []string {
	return slices.Clone(keys[:min(n, len(keys))])
}

// choices are the chooser's checkboxes: the page's keys and the chosen
// ones (a chosen key no run of this page has stays choosable).
func choices(available, chosen []string) []ui.Choice {
	keys := slices.Clone(chosen)
	for _, k := range available {
		if len(keys) >= maxChoices {
			break
		}
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]ui.Choice, len(keys))
	for i, k := range keys {
		out[i] = ui.Choice{Value: k, Checked: slices.Contains(chosen, k)}
	}
	return out
}

// runsValue shows a value with six significant digits.
func runsValue(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
