package server

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/ui"
)

// versionPage renders a model version: summary, signature, the source
// run's metrics (with its confusion matrix and per-class metrics when it
// logged them) and the files with their download links.
func (d *dashboard) versionPage(c *fiber.Ctx) error {
	ctx, cancel := uiContext(c)
	defer cancel()
	name, n, err := versionParam(c)
	if err != nil {
		return d.fail(c, err)
	}
	ver, err := d.s.deps.Registry.GetVersion(ctx, name, n)
	if err != nil {
		return d.fail(c, err)
	}
	v := d.versionView(ctx, ver)
	return d.render(c, fiber.StatusOK, d.page(c, ver.Model+" v"+modelInt(ver.Version), "models"), ui.VersionPage(v))
}

func (d *dashboard) versionView(ctx context.Context, ver registry.Version) ui.VersionView {
	href := modelVersionHref(ver.Model, ver.Version)
	v := ui.VersionView{Model: ver.Model, ModelHref: modelHref(ver.Model), Version: ver.Version, Semver: ver.Semver,
		Status: ver.Status, StatusMessage: ver.StatusMessage, Flavor: ver.Flavor, Source: ver.Source, Description: ver.Description,
		Aliases: ver.Aliases, Created: formatTime(time.UnixMilli(ver.CreationTime)), RegisteredBy: ver.UserID,
		RunID: ver.RunID, Digest: ver.ArtifactDigest, Signature: modelSignature(ver.Signature), DownloadHref: href + "/download"}
	problem := func(what string, err error) {
		d.s.log.Warn("dashboard version page", "model", ver.Model, "version", ver.Version, "section", what, "err", err)
		v.Problems = append(v.Problems, what+" could not be read: "+err.Error())
	}
	d.runSection(ctx, ver, &v, problem)
	if ver.ArtifactDigest != "" {
		files, err := d.s.deps.Registry.Files(ctx, ver.Model, ver.Version)
		if err != nil {
			problem("files", err)
		}
		for _, f := range files {
			v.Files = append(v.Files, ui.FileRow{Path: f.Path, Href: href + "/files/" + modelEscapePath(f.Path),
				Size: modelFileSize(f.Size), Digest: f.Digest})
		}
	}
	return v
}

// runSection fills in the source run: its metrics as they are now, and
// its confusion matrix; without the run (tracking off, run elsewhere or
// deleted), the metrics copied at registration.
func (d *dashboard) runSection(ctx context.Context, ver registry.Version, v *ui.VersionView, problem func(string, error)) {
	v.MetricsFrom = "copied from the run at registration"
	v.Metrics = modelRegistryMetrics(ver.Metrics)
	var run *experiments.Run
	if ver.RunID != "" && d.s.deps.Tracking != nil {
		r, err := d.s.deps.Tracking.GetRun(ctx, ver.RunID)
		switch {
		case err == nil:
			run = &r
		case !errs.Is(err, errs.NotFound):
			problem("source run", err)
		}
	}
	if run != nil {
		v.RunName, v.RunHref = run.Info.RunName, modelRunHref(ver.RunID)
		if v.RunName == "" {
			v.RunName = modelShortID(ver.RunID)
		}
		v.MetricsFrom = "of run " + v.RunName + ", as logged now"
		v.Metrics = modelRunMetrics(run.Metrics)
		cm, err := d.runConfusion(ctx, *run)
		switch {
		case err != nil:
			v.ConfusionNote = "The run's confusion matrix could not be used: " + err.Error()
		case cm != nil:
			v.Confusion, v.PerClass, v.PerClassFrom = cm.view(), cm.perClass(), "confusion matrix"
		}
	}
	if v.PerClass == nil {
		if rows := perClassFromMetrics(v.Metrics); len(rows) > 0 {
			v.PerClass, v.PerClassFrom = rows, "logged metrics"
		}
	}
}

func modelRegistryMetrics(ms []registry.Metric) []ui.KeyValue {
	out := make([]ui.KeyValue, 0, len(ms))
	for _, m := range ms {
		out = append(out, ui.KeyValue{Key: m.Key, Value: modelMetric(m.Value)})
	}
	slices.SortFunc(out, func(a, b ui.KeyValue) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func modelRunMetrics(ms []experiments.Metric) []ui.KeyValue {
	conv := make([]registry.Metric, len(ms))
	for i, m := range ms {
		conv[i] = registry.Metric(m)
	}
	return modelRegistryMetrics(conv)
}

// modelEscapePath escapes each segment of a slash-separated path.
func modelEscapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// modelFileSize shows a size in B, KiB, MiB or GiB.
func modelFileSize(n int64) string {
	const unit = 1024
	if n < unit {
		return modelInt(n) + " B"
	}
	x, suffix := float64(n)/unit, "KiB"
	for _, s := range []string{"MiB", "GiB", "TiB"} {
		if x < unit {
			break
		}
		x, suffix = x/unit, s
	}
	return modelMetric(float64(int64(x*10))/10) + " " + suffix
}
