package server

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/serving"
	"github.com/paddockml/paddock/ui"
)

// servingWindows are the windows the serving page offers, the default
// first; all lie within serving.TimelineSpan.
var servingWindows = []string{"1h", "15m", "5m"}

// servingSummaryWindow is the recent window the serving list reports.
const servingSummaryWindow = 5 * time.Minute

// servingEventsShown is how many recent serving events a page lists.
const servingEventsShown = 20

// servingList renders /ui/serving: every served model with its traffic.
func (d *dashboard) servingList(c *fiber.Ctx) error {
	page := d.page(c, "Serving", "serving")
	srv := d.s.deps.Serving
	if srv == nil {
		return d.render(c, fiber.StatusOK, page, ui.ServingList(ui.ServingListView{Off: true}))
	}
	ctx, cancel := uiContext(c)
	defer cancel()
	v := ui.ServingListView{Events: servingEvents(srv.Events("", 0))}
	for _, m := range servedModels(srv.Status(), d.servingRegistryAliases(ctx)) {
		v.Models = append(v.Models, servingModelRow(m, srv.Timeline(m.Name)))
	}
	return d.render(c, fiber.StatusOK, page, ui.ServingList(v))
}

// servingRegistryAliases are the registry's aliases, or none when it cannot be
// read: the serving pages then show what serving has installed.
func (d *dashboard) servingRegistryAliases(ctx context.Context) []registry.ModelTarget {
	if d.s.deps.Registry == nil {
		return nil
	}
	snap, err := d.s.deps.Registry.Snapshot(ctx)
	if err != nil {
		d.s.log.Warn("dashboard serving: registry aliases", "err", err)
		return nil
	}
	return snap.Aliases
}

// servingModelRow summarises a model's last five minutes and draws its hour
// of request rate, a point a minute.
func servingModelRow(m ui.ServedModel, tl []serving.VersionTimeline) ui.ServingModelRow {
	row := ui.ServingModelRow{Name: m.Name, Aliases: m.Aliases, Loaded: m.Loaded}
	if len(tl) == 0 {
		return row
	}
	recent := int(servingSummaryWindow / serving.TimelineWidth)
	var all []serving.TimelineBucket
	perMinute := make([]float64, len(tl[0].Buckets)/6)
	for _, v := range tl {
		all = append(all, v.Buckets[len(v.Buckets)-recent:]...)
		for i, b := range v.Buckets {
			if i/6 < len(perMinute) {
				perMinute[i/6] += float64(b.Requests) / 60
			}
		}
	}
	sum := serving.Merge(all)
	row.Spark = perMinute
	row.Rate = opsRate(float64(sum.Requests) / servingSummaryWindow.Seconds())
	if sum.Requests > 0 {
		row.ErrorRate = opsPct(opsRatio(sum.Errors, sum.Requests))
		row.CacheHitRate = opsPct(opsRatio(sum.CacheHits, sum.Requests))
		row.P95 = opsLatency(sum.Latency(0.95))
	}
	return row
}

// servingModel renders /ui/serving/:model?window=15m.
func (d *dashboard) servingModel(c *fiber.Ctx) error {
	srv := d.s.deps.Serving
	if srv == nil {
		return d.fail(c, errs.E(errs.NotFound, "serving is not enabled on this node"))
	}
	model := strings.Clone(c.Params("model"))
	window := c.Query("window", servingWindows[0])
	if !slices.Contains(servingWindows, window) {
		return d.fail(c, errs.E(errs.Invalid, "window must be one of %s, got %q", strings.Join(servingWindows, ", "), window))
	}
	ctx, cancel := uiContext(c)
	defer cancel()
	if err := d.servingKnownModel(ctx, srv, model); err != nil {
		return d.fail(c, err)
	}
	w, _ := time.ParseDuration(window)
	v := servingModelView(model, window, w, srv.Timeline(model))
	v.Events = servingEvents(srv.Events(model, 0))
	return d.render(c, fiber.StatusOK, d.page(c, "Serving "+model, "serving"), ui.ServingModel(v))
}

// servingKnownModel is nil for a model serving has an endpoint for or the
// registry holds, and NotFound otherwise.
func (d *dashboard) servingKnownModel(ctx context.Context, srv *serving.Service, model string) error {
	for _, m := range srv.Status() {
		if m.Model == model {
			return nil
		}
	}
	if d.s.deps.Registry == nil {
		return errs.E(errs.NotFound, "model %q is not served on this node", model)
	}
	_, err := d.s.deps.Registry.GetModel(ctx, model)
	return err
}

// servingModelView builds the model page from the last window of each
// version's timeline.
func servingModelView(model, window string, w time.Duration, tl []serving.VersionTimeline) ui.ServingModelView {
	v := ui.ServingModelView{Model: model, Window: window, Windows: servingWindows, NoTraffic: len(tl) == 0,
		Requests:  ui.ChartData{ID: "requests", Title: "Requests per second", XLabel: "time", YLabel: "req/s", XTime: true},
		Errors:    ui.ChartData{ID: "errors", Title: "Error rate", XLabel: "time", YLabel: "% of requests", XTime: true},
		CacheHits: ui.ChartData{ID: "cache", Title: "Cache hit rate", XLabel: "time", YLabel: "% of requests", XTime: true},
		Latency:   ui.ChartData{ID: "latency", Title: "Latency of model answers", XLabel: "time", YLabel: "ms", XTime: true},
	}
	n := min(int(w/serving.TimelineWidth), int(serving.TimelineSpan/serving.TimelineWidth))
	for _, vt := range tl {
		buckets := vt.Buckets[len(vt.Buckets)-n:]
		name := servingVersionName(vt)
		x := make([]float64, len(buckets))
		req, errRate, hits := make([]float64, len(buckets)), make([]float64, len(buckets)), make([]float64, len(buckets))
		p50, p95, p99 := make([]float64, len(buckets)), make([]float64, len(buckets)), make([]float64, len(buckets))
		for i, b := range buckets {
			x[i] = float64(b.Start.Unix())
			req[i] = float64(b.Requests) / serving.TimelineWidth.Seconds()
			errRate[i], hits[i] = 100*opsRatio(b.Errors, b.Requests), 100*opsRatio(b.CacheHits, b.Requests)
			p50[i], p95[i], p99[i] = opsMs(b.Latency(0.5)), opsMs(b.Latency(0.95)), opsMs(b.Latency(0.99))
		}
		v.Requests.Series = append(v.Requests.Series, ui.Series{Label: name, X: x, Y: req})
		v.Errors.Series = append(v.Errors.Series, ui.Series{Label: name, X: x, Y: errRate})
		v.CacheHits.Series = append(v.CacheHits.Series, ui.Series{Label: name, X: x, Y: hits})
		v.Latency.Series = append(v.Latency.Series, ui.Series{Label: name + " p50", X: x, Y: p50},
			ui.Series{Label: name + " p95", X: x, Y: p95}, ui.Series{Label: name + " p99", X: x, Y: p99})
		total := serving.Merge(buckets)
		v.Versions = append(v.Versions, servingVersionRow(vt, total, w))
		if c, ok := servingLabelChart(vt, buckets, x, total); ok {
			v.Labels = append(v.Labels, c)
		}
	}
	return v
}

// opsMs is a latency in milliseconds for a chart, NaN (a gap) for none.
func opsMs(d time.Duration) float64 {
	if d <= 0 {
		return math.NaN()
	}
	return float64(d) / float64(time.Millisecond)
}

// servingVersionName names a version and the aliases it answered as.
func servingVersionName(vt serving.VersionTimeline) string {
	name := "v" + strconv.FormatInt(vt.Version, 10)
	var as []string
	for _, a := range vt.Aliases {
		if a != "" {
			as = append(as, a)
		}
	}
	if len(as) > 0 {
		name += " (" + strings.Join(as, ", ") + ")"
	}
	return name
}

func servingVersionRow(vt serving.VersionTimeline, total serving.TimelineBucket, w time.Duration) ui.ServingVersionRow {
	aliases := make([]string, len(vt.Aliases))
	for i, a := range vt.Aliases {
		aliases[i] = a
		if a == "" {
			aliases[i] = "by number"
		}
	}
	return ui.ServingVersionRow{Version: vt.Version, Aliases: strings.Join(aliases, ", "), Requests: total.Requests,
		Rate: opsRate(float64(total.Requests) / w.Seconds()), ErrorRate: opsPct(opsRatio(total.Errors, total.Requests)),
		CacheHitRate: opsPct(opsRatio(total.CacheHits, total.Requests)), P50: opsLatency(total.Latency(0.5)),
		P95: opsLatency(total.Latency(0.95)), P99: opsLatency(total.Latency(0.99)), Labels: servingTopLabels(vt, total)}
}

// servingLabelIndexes are the labels predicted in the window, most frequent
// first, "other" last.
func servingLabelIndexes(total serving.TimelineBucket) []int {
	var idx []int
	for i := range serving.TimelineLabels {
		if total.LabelCounts[i] > 0 {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(total.LabelCounts[b], total.LabelCounts[a]) })
	if total.LabelCounts[serving.TimelineLabels] > 0 {
		idx = append(idx, serving.TimelineLabels)
	}
	return idx
}

func servingLabelName(vt serving.VersionTimeline, i int) string {
	if i < len(vt.Labels) {
		return vt.Labels[i]
	}
	return "other"
}

func servingLabelTotal(b serving.TimelineBucket) int64 {
	var n int64
	for _, c := range b.LabelCounts {
		n += c
	}
	return n
}

// servingTopLabels are the five most predicted labels with their share.
func servingTopLabels(vt serving.VersionTimeline, total serving.TimelineBucket) []ui.ServingLabelShare {
	all := servingLabelTotal(total)
	var out []ui.ServingLabelShare
	for _, i := range servingLabelIndexes(total) {
		if len(out) == 5 {
			break
		}
		out = append(out, ui.ServingLabelShare{Label: servingLabelName(vt, i), Share: opsPct(opsRatio(total.LabelCounts[i], all))})
	}
	return out
}

// servingLabelChart is the share of each predicted label per bucket, for a
// classifier; false for a model without labels.
func servingLabelChart(vt serving.VersionTimeline, buckets []serving.TimelineBucket, x []float64, total serving.TimelineBucket) (ui.ChartData, bool) {
	idx := servingLabelIndexes(total)
	if len(idx) == 0 {
		return ui.ChartData{}, false
	}
	name := "v" + strconv.FormatInt(vt.Version, 10)
	c := ui.ChartData{ID: "labels-" + name, Title: "Predicted labels of " + servingVersionName(vt), XLabel: "time", YLabel: "% of predictions", XTime: true}
	for _, i := range idx {
		y := make([]float64, len(buckets))
		for j, b := range buckets {
			y[j] = 100 * opsRatio(b.LabelCounts[i], servingLabelTotal(b))
		}
		c.Series = append(c.Series, ui.Series{Label: servingLabelName(vt, i), X: x, Y: y})
	}
	return c, true
}

// servingEvents lists the newest events first.
func servingEvents(evs []serving.Event) []ui.ServingEventRow {
	out := make([]ui.ServingEventRow, 0, min(len(evs), servingEventsShown))
	for i := len(evs) - 1; i >= 0 && len(out) < servingEventsShown; i-- {
		e := evs[i]
		row := ui.ServingEventRow{At: e.At.UTC().Format("2006-01-02 15:04:05 UTC"), Kind: e.Kind, Model: e.Model, Alias: e.Alias,
			Message: e.Message, Bad: e.Kind == serving.EventLoadFailed || e.Kind == serving.EventSwapFailed}
		if e.Version > 0 {
			row.Version = "v" + strconv.FormatInt(e.Version, 10)
		}
		if e.Previous > 0 {
			row.Version = "v" + strconv.FormatInt(e.Previous, 10) + " → " + row.Version
		}
		out = append(out, row)
	}
	return out
}
