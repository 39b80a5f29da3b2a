package server

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/paddockml/paddock/auth"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/ui"
)

// tagDataContext is the input tag naming what a dataset was used for.
const tagDataContext = "mlflow.data.context"

// runPage shows one run. ?metric= picks the curve, ?path= the artifact
// directory; both stay in the links of the other.
func (d *runPages) runPage(c *fiber.Ctx) error {
	ctx, cancel := uiContext(c)
	defer cancel()
	run, err := d.s.deps.Tracking.GetRun(ctx, strings.Clone(c.Params("id")))
	if err != nil {
		return d.fail(c, err)
	}
	dir, err := artifactDir(c.Query("path"))
	if err != nil {
		return d.fail(c, err)
	}
	v := d.runView(ctx, run)
	link := runLinks{id: run.Info.RunID, metric: strings.Clone(c.Query("metric")), dir: dir}
	d.runCurve(ctx, &v, run, &link)
	if v.Artifacts, err = d.runArtifacts(c, run, link); err != nil {
		return d.fail(c, err)
	}
	if v.Log, err = d.runLog(ctx, run); err != nil {
		v.Problems = append(v.Problems, "the run's output log could not be read: "+err.Error())
	}
	p := principalOf(c)
	v.CSRF = sessionOf(c).csrf
	v.CanEdit = v.CSRF != "" && p.Allows(auth.Editor) && run.Info.LifecycleStage == experiments.StageActive
	v.NoteAction = "/ui/runs/" + run.Info.RunID + "/note"
	return d.render(c, fiber.StatusOK, d.page(c, "Run "+v.Name, "runs"), ui.RunPage(v))
}

// runLinks builds the run page's URLs, each keeping the chosen metric
// and artifact directory unless it changes one of them.
type runLinks struct {
	id, metric, dir string
}

func (l runLinks) url(metric, dir string) string {
	q := url.Values{}
	if metric != "" {
		q.Set("metric", metric)
	}
	if dir != "" {
		q.Set("path", dir)
	}
	u := "/ui/runs/" + l.id
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}

// runView fills what comes from the run itself and its lineage.
func (d *dashboard) runView(ctx context.Context, run experiments.Run) ui.RunView {
	info := run.Info
	v := ui.RunView{ID: info.RunID, Name: info.RunName, Status: info.Status, User: info.UserID,
		Started: runsTimePtr(info.StartTime), Ended: runsTimePtr(info.EndTime), Duration: runsDuration(info),
		ArtifactURI: info.ArtifactURI}
	if v.Name == "" {
		v.Name = info.RunID
	}
	if v.User == "" {
		v.User = "—"
	}
	if v.Duration == "" {
		v.Duration = "—"
	}
	expID := strconv.FormatInt(info.ExperimentID, 10)
	v.Experiment = ui.ExperimentRef{ID: expID, Name: "experiment " + expID, URL: runsPath(expID)}
	if e, err := d.s.deps.Tracking.GetExperiment(ctx, info.ExperimentID); err == nil {
		v.Experiment.Name = e.Name
	}
	for _, p := range run.Params {
		v.Params = append(v.Params, ui.RunKV{Key: p.Key, Value: p.Value})
	}
	for _, m := range run.Metrics {
		v.Metrics = append(v.Metrics, ui.MetricRow{Key: m.Key, Value: runsValue(m.Value), Step: strconv.FormatInt(m.Step, 10), At: runsTime(m.Timestamp)})
	}
	for _, t := range run.Tags {
		switch t.Key {
		case experiments.TagNote:
			v.Note = t.Value
			continue
		case experiments.TagCommit:
			v.Commit = t.Value
		case experiments.TagSource:
			v.SourceName = t.Value
		}
		v.Tags = append(v.Tags, ui.RunKV{Key: t.Key, Value: t.Value})
	}
	for _, in := range run.Inputs {
		row := ui.DatasetRow{Name: in.Dataset.Name, Digest: in.Dataset.Digest, Source: in.Dataset.Source}
		for _, t := range in.Tags {
			if t.Key == tagDataContext {
				row.Context = t.Value
			}
		}
		v.Datasets = append(v.Datasets, row)
	}
	d.runVersions(ctx, &v)
	return v
}

// runVersions links the registered versions made from the run.
func (d *dashboard) runVersions(ctx context.Context, v *ui.RunView) {
	if d.s.deps.Registry == nil {
		v.VersionsOff = true
		return
	}
	refs, err := d.s.deps.Registry.VersionsFromRun(ctx, v.ID)
	if err != nil {
		d.s.log.Warn("dashboard run lineage", "run", v.ID, "err", err)
		v.Problems = append(v.Problems, "registered versions could not be read: "+err.Error())
		return
	}
	for _, r := range refs {
		n := strconv.FormatInt(r.Version, 10)
		label := r.Model + " v" + n
		if r.Semver != "" {
			label += " (" + r.Semver + ")"
		}
		v.Versions = append(v.Versions, ui.VersionLink{Label: label, Status: r.Status,
			URL: "/ui/models/" + url.PathEscape(r.Model) + "/versions/" + n})
	}
}

// runCurve draws the chosen metric (the first one by default) from its
// history, reduced on the way out of the database.
func (d *runPages) runCurve(ctx context.Context, v *ui.RunView, run experiments.Run, link *runLinks) {
	keys := make([]string, 0, len(run.Metrics))
	for _, m := range run.Metrics {
		keys = append(keys, m.Key)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return
	}
	if !slices.Contains(keys, link.metric) {
		longest := longestCurve(run.Metrics)
		if link.metric != "" {
			v.Problems = append(v.Problems, "this run has no metric "+strconv.Quote(link.metric)+"; showing "+longest)
		}
		link.metric = longest
	}
	for _, k := range keys {
		v.MetricPicker = append(v.MetricPicker, ui.Choice{Value: k, Checked: k == link.metric, URL: link.url(k, link.dir)})
	}
	curve, err := d.curves.get(ctx, d.s.deps.Tracking, run.Info.RunID, link.metric)
	if err != nil {
		d.s.log.Warn("dashboard run curve", "run", run.Info.RunID, "metric", link.metric, "err", err)
		v.Problems = append(v.Problems, "the history of "+link.metric+" could not be read: "+err.Error())
		return
	}
	chart := ui.ChartData{ID: "metric", Title: link.metric + " by step", XLabel: "step", YLabel: link.metric,
		Series: []ui.Series{curveSeries(link.metric, curve)}}
	v.Chart = &chart
	if curve.Reduced {
		v.ChartNote = runsCount(curve.Points) + " points, drawn as the first, lowest, highest and last point of each of up to " +
			runsCount(ui.ChartPoints) + " stretches of steps"
	}
}

// longestCurve picks the metric to draw first: the one whose latest
// point has the largest step (a curve rather than a single value), the
// first by name among equals.
func longestCurve(ms []experiments.Metric) string {
	best := ""
	var step int64
	for _, m := range ms {
		if best == "" || m.Step > step || m.Step == step && m.Key < best {
			best, step = m.Key, m.Step
		}
	}
	return best
}

// curveSeries turns a curve into a chart series (steps as x).
func curveSeries(label string, c experiments.Curve) ui.Series {
	s := ui.Series{Label: label, X: make([]float64, len(c.Steps)), Y: c.Values}
	for i, st := range c.Steps {
		s.X[i] = float64(st)
	}
	return s
}

// saveRunNote sets the run's MLflow note (the mlflow.note.content tag)
// from the note form and goes back to the run.
func (d *dashboard) saveRunNote(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("id"))
	note := strings.ReplaceAll(c.FormValue("note"), "\r\n", "\n") // a textarea sends CRLF
	if len(note) > experiments.MaxTagValueLength {
		return d.fail(c, errs.E(errs.Invalid, "a note holds at most %d bytes; this one has %d", experiments.MaxTagValueLength, len(note)))
	}
	if err := d.s.deps.Tracking.SetTag(c.UserContext(), id, experiments.Tag{Key: experiments.TagNote, Value: note}); err != nil {
		return d.fail(c, err)
	}
	return c.Redirect("/ui/runs/"+url.PathEscape(id), fiber.StatusSeeOther)
}
