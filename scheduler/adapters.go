package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paddockml/paddock/artifact"
	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/registry"
)

// ServiceTracker is the Tracker over Paddock's own experiment tracking,
// with run artifacts in its artifact store.
type ServiceTracker struct {
	Runs      *experiments.Service
	Artifacts artifact.Store
}

var _ Tracker = ServiceTracker{}

// StartRun implements Tracker.
func (t ServiceTracker) StartRun(ctx context.Context, spec RunSpec) (TrackedRun, error) {
	expID, err := t.experiment(ctx, spec.Experiment)
	if err != nil {
		return TrackedRun{}, err
	}
	start := spec.Start.UnixMilli()
	run, err := t.Runs.CreateRun(ctx, experiments.CreateRunRequest{ExperimentID: expID, RunName: spec.RunName,
		StartTime: &start, UserID: "paddock-scheduler", Tags: runTags(spec.Tags)})
	if err != nil {
		return TrackedRun{}, fmt.Errorf("create run: %w", err)
	}
	tr := TrackedRun{ID: run.Info.RunID, ExperimentID: strconv.FormatInt(expID, 10)}
	if len(spec.Params) == 0 {
		return tr, nil
	}
	params := make([]experiments.Param, 0, len(spec.Params))
	for _, k := range slices.Sorted(maps.Keys(spec.Params)) {
		params = append(params, experiments.Param{Key: k, Value: spec.Params[k]})
	}
	if err := t.Runs.LogBatch(ctx, tr.ID, experiments.Batch{Params: params}); err != nil {
		return tr, fmt.Errorf("log params: %w", err)
	}
	return tr, nil
}

// experiment finds the experiment by name, creating it when missing.
func (t ServiceTracker) experiment(ctx context.Context, name string) (int64, error) {
	for range 2 { // a concurrent creation makes the second look find it
		e, err := t.Runs.GetExperimentByName(ctx, name)
		if err == nil {
			return e.ID, nil
		}
		if errs.CodeOf(err) != errs.NotFound {
			return 0, err
		}
		id, err := t.Runs.CreateExperiment(ctx, name, "", nil)
		if errs.CodeOf(err) == errs.AlreadyExists {
			continue
		}
		return id, err
	}
	return 0, fmt.Errorf("experiment %q: created and not found", name)
}

func runTags(m map[string]string) []experiments.Tag {
	tags := make([]experiments.Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		tags = append(tags, experiments.Tag{Key: k, Value: m[k]})
	}
	return tags
}

// SetRunTags implements Tracker.
func (t ServiceTracker) SetRunTags(ctx context.Context, runID string, tags map[string]string) error {
	return t.Runs.LogBatch(ctx, runID, experiments.Batch{Tags: runTags(tags)})
}

// EndRun implements Tracker.
func (t ServiceTracker) EndRun(ctx context.Context, runID, status string, end time.Time) error {
	ms := end.UnixMilli()
	_, err := t.Runs.UpdateRun(ctx, experiments.UpdateRunRequest{RunID: runID, Status: &status, EndTime: &ms})
	return err
}

// RunMetrics implements Tracker.
func (t ServiceTracker) RunMetrics(ctx context.Context, runID string) (map[string]float64, error) {
	run, err := t.Runs.GetRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(run.Metrics))
	for _, m := range run.Metrics {
		out[m.Key] = m.Value
	}
	return out, nil
}

// PutRunArtifact implements Tracker for runs whose artifacts Paddock's
// store keeps (artifact URI mlflow-artifacts:/...).
func (t ServiceTracker) PutRunArtifact(ctx context.Context, runID, p string, r io.Reader) error {
	run, err := t.Runs.GetRun(ctx, runID)
	if err != nil {
		return err
	}
	rel, ok := strings.CutPrefix(run.Info.ArtifactURI, experiments.ArtifactScheme)
	if !ok {
		return fmt.Errorf("run %s keeps its artifacts at %s, outside Paddock's store", runID, run.Info.ArtifactURI)
	}
	_, err = t.Artifacts.Put(ctx, path.Join(artifact.ProxiedKey(rel), p), r)
	return err
}

// ServiceRegistry is the Registry over Paddock's model registry. Caller
// is who the scheduler acts as; when it is no approver, a guarded alias
// (registry.approvals) gives an approval request instead of moving.
type ServiceRegistry struct {
	Models *registry.Service
	Caller registry.Caller
}

var _ Registry = ServiceRegistry{}

// ModelExists implements Registry.
func (r ServiceRegistry) ModelExists(ctx context.Context, model string) (bool, error) {
	_, err := r.Models.GetModel(ctx, model)
	if errs.CodeOf(err) == errs.NotFound {
		return false, nil
	}
	return err == nil, err
}

// AliasVersion implements Registry.
func (r ServiceRegistry) AliasVersion(ctx context.Context, model, alias string) (ModelVersion, bool, error) {
	v, err := r.Models.VersionByAlias(ctx, model, alias)
	if errors.Is(err, registry.ErrAliasNotFound) {
		return ModelVersion{}, false, nil
	}
	if err != nil {
		return ModelVersion{}, false, err
	}
	mv := ModelVersion{Version: v.Version, Metrics: make(map[string]float64, len(v.Metrics))}
	for _, m := range v.Metrics {
		mv.Metrics[m.Key] = m.Value
	}
	return mv, true, nil
}

// RegisterFromRun implements Registry: the run's files are copied into
// the registry, its metrics onto the version; a registration that fails
// (FAILED_REGISTRATION) is an error.
func (r ServiceRegistry) RegisterFromRun(ctx context.Context, reg Registration) (int64, error) {
	tags := make([]registry.Tag, 0, len(reg.Tags))
	for _, k := range slices.Sorted(maps.Keys(reg.Tags)) {
		tags = append(tags, registry.Tag{Key: k, Value: reg.Tags[k]})
	}
	v, err := r.Models.CreateVersion(ctx, r.Caller, registry.CreateVersionRequest{Model: reg.Model,
		Source: "runs:/" + reg.RunID + "/" + reg.ArtifactPath, RunID: reg.RunID, Description: reg.Description,
		Tags: tags, ParentVersion: reg.Parent})
	if err != nil {
		return 0, err
	}
	if v.Status != registry.StatusReady {
		return v.Version, fmt.Errorf("version %d is %s: %s", v.Version, v.Status, v.StatusMessage)
	}
	return v.Version, nil
}

// SetAlias implements Registry.
func (r ServiceRegistry) SetAlias(ctx context.Context, model, alias string, version int64, reason string) (AliasOutcome, error) {
	res, err := r.Models.SetAlias(ctx, r.Caller, model, alias, version, registry.Justification{Reason: reason})
	if err != nil {
		return AliasOutcome{}, err
	}
	out := AliasOutcome{Applied: res.Applied}
	if res.Request != nil {
		out.ApprovalID = res.Request.ID
	}
	return out, nil
}
