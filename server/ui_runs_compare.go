package server

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/ui"
)

// Compare takes 2 to 10 runs: enough to tell apart in one table and one
// chart's palette.
const (
	minCompareRuns = 2
	maxCompareRuns = 10
)

// comparePage shows ?runs=a,b,c (or runs=a&runs=b, as the runs table's
// form sends them) side by side.
func (d *runPages) comparePage(c *fiber.Ctx) error {
	ctx, cancel := uiContext(c)
	defer cancel()
	ids, err := compareIDs(c.Context().QueryArgs().PeekMulti("runs"))
	if err != nil {
		return d.fail(c, err)
	}
	runs := make([]experiments.Run, len(ids))
	for i, id := range ids {
		if runs[i], err = d.s.deps.Tracking.GetRun(ctx, id); err != nil {
			return d.fail(c, err)
		}
	}
	v := compareView(runs)
	if err := d.compareCurves(ctx, &v, runs, strings.Clone(c.Query("metric")), ids); err != nil {
		return d.fail(c, err)
	}
	return d.render(c, fiber.StatusOK, d.page(c, "Compare runs", "runs"), ui.Compare(v))
}

// compareIDs splits and checks the run ids, once each, in order.
func compareIDs(raw [][]byte) ([]string, error) {
	var ids []string
	for _, b := range raw {
		for id := range strings.SplitSeq(string(b), ",") {
			if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
			if len(ids) > maxCompareRuns {
				return nil, errs.E(errs.Invalid, "compare takes %d to %d runs; more than %d were given", minCompareRuns, maxCompareRuns, maxCompareRuns)
			}
		}
	}
	if len(ids) < minCompareRuns {
		return nil, errs.E(errs.Invalid, "compare takes %d to %d runs; %d was given (check at least two runs in a runs table)", minCompareRuns, maxCompareRuns, len(ids))
	}
	return ids, nil
}

// compareView lines the runs' params and latest metrics up by key.
func compareView(runs []experiments.Run) ui.CompareView {
	var v ui.CompareView
	params := map[string][]string{}
	metrics := map[string][]string{}
	for i, r := range runs {
		name := r.Info.RunName
		if name == "" {
			name = r.Info.RunID
		}
		v.Runs = append(v.Runs, ui.ExperimentRef{ID: r.Info.RunID, Name: name, URL: "/ui/runs/" + r.Info.RunID})
		for _, p := range r.Params {
			cell(params, p.Key, len(runs))[i] = p.Value
		}
		for _, m := range r.Metrics {
			cell(metrics, m.Key, len(runs))[i] = runsValue(m.Value)
		}
	}
	// Two runs of one name get their ids' start to tell them apart.
	names := map[string]int{}
	for _, r := range v.Runs {
		names[r.Name]++
	}
	for i, r := range v.Runs {
		if names[r.Name] > 1 {
			v.Runs[i].Name += " (" + r.ID[:min(8, len(r.ID))] + ")"
		}
	}
	v.Params = compareRows(params)
	v.Metrics = compareRows(metrics)
	return v
}

// cell returns key's row, made with one empty value per run.
func cell(rows map[string][]string, key string, n int) []string {
	if rows[key] == nil {
		rows[key] = make([]string, n)
	}
	return rows[key]
}

// compareRows sorts the rows by key and marks those whose values differ
// (a run without the key differs from one with it).
func compareRows(rows map[string][]string) []ui.CompareRow {
	out := make([]ui.CompareRow, 0, len(rows))
	for k, vals := range rows {
		differs := false
		for _, x := range vals[1:] {
			differs = differs || x != vals[0]
		}
		out = append(out, ui.CompareRow{Key: k, Values: vals, Differs: differs})
	}
	slices.SortFunc(out, func(a, b ui.CompareRow) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// compareCurves overlays one metric's curve of every run that has it:
// the one asked for, else the first metric the runs share (or any).
func (d *runPages) compareCurves(ctx context.Context, v *ui.CompareView, runs []experiments.Run, metric string, ids []string) error {
	if len(v.Metrics) == 0 {
		return nil
	}
	keys := make([]string, len(v.Metrics))
	for i, r := range v.Metrics {
		keys[i] = r.Key
	}
	if metric != "" && !slices.Contains(keys, metric) {
		return errs.E(errs.Invalid, "none of these runs logged the metric %q", metric)
	}
	if metric == "" {
		metric = sharedCurve(runs)
	}
	base := "/ui/compare?runs=" + url.QueryEscape(strings.Join(ids, ","))
	for _, k := range keys {
		v.MetricPicker = append(v.MetricPicker, ui.Choice{Value: k, Checked: k == metric, URL: base + "&metric=" + url.QueryEscape(k)})
	}
	chart := ui.ChartData{ID: "compare", Title: metric + " by step", XLabel: "step", YLabel: metric}
	for i, r := range runs {
		if !slices.ContainsFunc(r.Metrics, func(m experiments.Metric) bool { return m.Key == metric }) {
			continue
		}
		curve, err := d.curves.get(ctx, d.s.deps.Tracking, r.Info.RunID, metric)
		if err != nil {
			return err
		}
		chart.Series = append(chart.Series, curveSeries(v.Runs[i].Name, curve))
	}
	v.Chart = &chart
	return nil
}

// sharedCurve picks the metric to overlay first: among those every run
// logged (else among all), the one logged to the largest step.
func sharedCurve(runs []experiments.Run) string {
	count := map[string]int{}
	var all []experiments.Metric
	for _, r := range runs {
		for _, m := range r.Metrics {
			count[m.Key]++
			all = append(all, m)
		}
	}
	shared := slices.DeleteFunc(slices.Clone(all), func(m experiments.Metric) bool { return count[m.Key] < len(runs) })
	if len(shared) > 0 {
		return longestCurve(shared)
	}
	return longestCurve(all)
}
