package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/experiments"
)

// TagDemo marks what the demo created, so it can be told from real work.
const TagDemo = "paddock.demo"

// createExperiments creates the tracking experiments, a week before now.
func (s *seeder) createExperiments(ctx context.Context, specs []experimentSpec) (map[string]int64, error) {
	s.clk.set(s.base.Add(-7 * 24 * time.Hour))
	ids := map[string]int64{}
	for _, e := range specs {
		tags := append(sortedTags(e.Tags), experiments.Tag{Key: "mlflow.note.content", Value: e.Description},
			experiments.Tag{Key: TagDemo, Value: "true"})
		id, err := s.tracking.CreateExperiment(ctx, e.Name, "", tags)
		if err != nil {
			return nil, fmt.Errorf("experiment %s: %w", e.Name, err)
		}
		ids[e.Name] = id
	}
	return ids, nil
}

// createRun replays one training run: it starts when the story says,
// logs its params, each curve one step at a time across the run's real
// duration, its final metrics and its data set, uploads its model, and
// finishes.
func (s *seeder) createRun(ctx context.Context, expIDs map[string]int64, r runSpec) error {
	expID, ok := expIDs[r.Experiment]
	if !ok {
		return fmt.Errorf("unknown experiment %q", r.Experiment)
	}
	start := s.base.Add(-time.Duration(r.DaysAgo * float64(24*time.Hour))).Truncate(time.Millisecond)
	took := time.Duration(max(r.DurationS, 0.1) * float64(time.Second))
	end := start.Add(took)
	s.clk.set(start)
	startMS := start.UnixMilli()
	run, err := s.tracking.CreateRun(ctx, experiments.CreateRunRequest{ExperimentID: expID, UserID: r.User,
		RunName: r.Name, StartTime: &startMS, Tags: runTags(r)})
	if err != nil {
		return err
	}
	id := run.Info.RunID
	if err := s.logRun(ctx, id, r, start, end); err != nil {
		return err
	}
	if r.Model != "" {
		if err := s.uploadModel(ctx, run.Info.ArtifactURI, r.Model); err != nil {
			return err
		}
	}
	s.clk.set(end)
	status, endMS := experiments.StatusFinished, end.UnixMilli()
	if _, err := s.tracking.UpdateRun(ctx, experiments.UpdateRunRequest{RunID: id, Status: &status, EndTime: &endMS}); err != nil {
		return err
	}
	s.runs[r.Key] = seededRun{id: id, end: end}
	return nil
}

func runTags(r runSpec) []experiments.Tag {
	tags := []experiments.Tag{
		{Key: experiments.TagUser, Value: r.User},
		{Key: experiments.TagSource, Value: r.Source},
		{Key: "mlflow.source.type", Value: "LOCAL"},
		{Key: TagDemo, Value: "true"},
	}
	if r.Commit != "" {
		tags = append(tags, experiments.Tag{Key: experiments.TagCommit, Value: r.Commit})
	}
	return tags
}

// logRun logs params, curves, final metrics and the data set.
func (s *seeder) logRun(ctx context.Context, id string, r runSpec, start, end time.Time) error {
	params := make([]experiments.Param, 0, len(r.Params))
	for _, k := range slices.Sorted(maps.Keys(r.Params)) {
		params = append(params, experiments.Param{Key: k, Value: r.Params[k]})
	}
	metrics := curvePoints(r.History, start, end)
	steps := int64(0)
	for _, h := range r.History {
		steps = max(steps, int64(len(h)))
	}
	for _, k := range slices.Sorted(maps.Keys(r.Metrics)) {
		metrics = append(metrics, experiments.Metric{Key: k, Value: r.Metrics[k], Timestamp: end.UnixMilli(), Step: steps})
	}
	for len(metrics) > 0 || len(params) > 0 {
		n := min(len(metrics), experiments.MaxMetricsPerBatch)
		b := experiments.Batch{Metrics: metrics[:n], Params: params}
		if err := s.tracking.LogBatch(ctx, id, b); err != nil {
			return err
		}
		metrics, params = metrics[n:], nil
	}
	source, _ := json.Marshal(map[string]string{"uri": r.Dataset.Source})
	return s.tracking.LogInputs(ctx, id, []experiments.DatasetInput{{
		Tags:    []experiments.Tag{{Key: "mlflow.data.context", Value: "training"}},
		Dataset: experiments.Dataset{Name: r.Dataset.Name, Digest: r.Dataset.Digest, SourceType: "s3", Source: string(source)},
	}})
}

// curvePoints spreads each curve's steps evenly over the run, in order,
// so a curve's timestamps read like the library reporting as it went.
func curvePoints(history map[string][]float64, start, end time.Time) []experiments.Metric {
	var out []experiments.Metric
	span := end.Sub(start)
	for _, k := range slices.Sorted(maps.Keys(history)) {
		h := history[k]
		for i, v := range h {
			at := start.Add(span * time.Duration(i+1) / time.Duration(len(h)+1))
			out = append(out, experiments.Metric{Key: k, Value: v, Timestamp: at.UnixMilli(), Step: int64(i)})
		}
	}
	return out
}

// uploadModel copies a model directory of the assets to the run's
// artifact path "model", as a training script logs it.
func (s *seeder) uploadModel(ctx context.Context, artifactURI, dir string) error {
	loc, ok := strings.CutPrefix(artifactURI, experiments.ArtifactScheme)
	if !ok {
		return fmt.Errorf("run artifacts at %q are not in Paddock's store", artifactURI)
	}
	files, err := modelFiles(dir)
	if err != nil {
		return err
	}
	for _, name := range files {
		b, err := assets.ReadFile(path.Join("assets/models", dir, name))
		if err != nil {
			return err
		}
		key := artifact.ProxiedKey(path.Join(loc, "model", name))
		if _, err := s.d.Artifacts.Put(ctx, key, bytes.NewReader(b)); err != nil {
			return fmt.Errorf("upload %s: %w", key, err)
		}
	}
	return nil
}

func sortedTags(m map[string]string) []experiments.Tag {
	out := make([]experiments.Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, experiments.Tag{Key: k, Value: m[k]})
	}
	return out
}
