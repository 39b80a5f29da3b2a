package registry

import (
	"context"
	"strconv"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/experiments"
)

// Lineage is where a version came from and what came from it.
type Lineage struct {
	Model          string      `json:"model"`
	Version        int64       `json:"version"`
	Semver         string      `json:"semver,omitempty"`
	Source         string      `json:"source"`
	ArtifactDigest string      `json:"artifact_digest,omitempty"`
	Run            *RunLineage `json:"run,omitempty"`
	// Parent is the version this one retrains, Children the versions that
	// retrain this one.
	Parent   *VersionRef  `json:"parent,omitempty"`
	Children []VersionRef `json:"children"`
}

// RunLineage is the run that produced a version, as it is now in
// experiment tracking (the version keeps its own copy of the run's
// metrics at registration).
type RunLineage struct {
	RunID string `json:"run_id"`
	// Found is false when the run is not (or no longer) in this Paddock,
	// e.g. it lives on the tracking server RunLink points to.
	Found        bool                `json:"found"`
	RunLink      string              `json:"run_link,omitempty"`
	RunName      string              `json:"run_name,omitempty"`
	ExperimentID string              `json:"experiment_id,omitempty"`
	Status       string              `json:"status,omitempty"`
	SourceCommit string              `json:"source_commit,omitempty"`
	SourceName   string              `json:"source_name,omitempty"`
	Params       []experiments.Param `json:"params"`
	Metrics      []Metric            `json:"metrics"`
	Datasets     []DatasetRef        `json:"datasets"`
}

// DatasetRef is a dataset a run used.
type DatasetRef struct {
	Name       string `json:"name"`
	Digest     string `json:"digest"`
	SourceType string `json:"source_type,omitempty"`
	Source     string `json:"source,omitempty"`
	// Context is the input's mlflow.data.context tag ("training",
	// "evaluation", ...).
	Context string `json:"context,omitempty"`
}

// VersionRef names a version in lineage answers.
type VersionRef struct {
	Model   string `json:"model"`
	Version int64  `json:"version"`
	Semver  string `json:"semver,omitempty"`
	Status  string `json:"status"`
	RunID   string `json:"run_id,omitempty"`
}

const tagSourceName = "mlflow.source.name"

// Lineage returns a version's lineage.
func (s *Service) Lineage(ctx context.Context, name string, version int64) (Lineage, error) {
	v, err := s.GetVersion(ctx, name, version)
	if err != nil {
		return Lineage{}, err
	}
	l := Lineage{Model: v.Model, Version: v.Version, Semver: v.Semver, Source: v.Source, ArtifactDigest: v.ArtifactDigest}
	if v.ParentVersion != nil {
		refs, err := s.versionRefs(ctx, `m.model_pk = ? AND v.version = ?`, v.modelPK, *v.ParentVersion)
		if err != nil {
			return Lineage{}, err
		}
		if len(refs) == 1 {
			l.Parent = &refs[0]
		} else { // deleted since
			l.Parent = &VersionRef{Model: v.Model, Version: *v.ParentVersion, Status: "DELETED"}
		}
	}
	if l.Children, err = s.versionRefs(ctx, `m.model_pk = ? AND v.parent_version = ?`, v.modelPK, v.Version); err != nil {
		return Lineage{}, err
	}
	if v.RunID != "" {
		if l.Run, err = s.runLineage(ctx, v); err != nil {
			return Lineage{}, err
		}
	}
	return l, nil
}

func (s *Service) runLineage(ctx context.Context, v Version) (*RunLineage, error) {
	rl := &RunLineage{RunID: v.RunID, RunLink: v.RunLink, Params: []experiments.Param{}, Metrics: []Metric{}, Datasets: []DatasetRef{}}
	if s.runs == nil {
		return rl, nil
	}
	run, err := s.runs.GetRun(ctx, v.RunID)
	if errs.Is(err, errs.NotFound) {
		return rl, nil
	}
	if err != nil {
		return nil, err
	}
	rl.Found = true
	rl.RunName, rl.Status = run.Info.RunName, run.Info.Status
	rl.ExperimentID = strconv.FormatInt(run.Info.ExperimentID, 10)
	rl.Params = append(rl.Params, run.Params...)
	for _, m := range run.Metrics {
		rl.Metrics = append(rl.Metrics, Metric{Key: m.Key, Value: m.Value, Timestamp: m.Timestamp, Step: m.Step})
	}
	for _, t := range run.Tags {
		switch t.Key {
		case experiments.TagCommit:
			rl.SourceCommit = t.Value
		case tagSourceName:
			rl.SourceName = t.Value
		}
	}
	for _, in := range run.Inputs {
		d := DatasetRef{Name: in.Dataset.Name, Digest: in.Dataset.Digest, SourceType: in.Dataset.SourceType, Source: in.Dataset.Source}
		for _, t := range in.Tags {
			if t.Key == "mlflow.data.context" {
				d.Context = t.Value
			}
		}
		rl.Datasets = append(rl.Datasets, d)
	}
	return rl, nil
}

// VersionsFromRun returns the versions registered from a run.
func (s *Service) VersionsFromRun(ctx context.Context, runID string) ([]VersionRef, error) {
	if runID == "" {
		return nil, errs.E(errs.Invalid, "a run id is required")
	}
	return s.versionRefs(ctx, `v.run_id = ?`, runID)
}

// VersionsFromDataset returns the versions registered from runs that used
// a dataset with this digest. It reads experiment tracking's dataset
// tables directly: one query instead of a search per experiment.
func (s *Service) VersionsFromDataset(ctx context.Context, digest string) ([]VersionRef, error) {
	if digest == "" {
		return nil, errs.E(errs.Invalid, "a dataset digest is required")
	}
	return s.versionRefs(ctx, `v.run_id IN (SELECT r.run_uuid FROM datasets d
		JOIN run_inputs ri ON ri.dataset_pk = d.dataset_pk JOIN runs r ON r.run_pk = ri.run_pk WHERE d.digest = ?)`, digest)
}

func (s *Service) versionRefs(ctx context.Context, where string, args ...any) ([]VersionRef, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT m.name, v.version, COALESCE(v.semver, ''), v.status, v.run_id
		FROM model_versions v JOIN registered_models m ON m.model_pk = v.model_pk WHERE `+where+` ORDER BY m.name, v.version`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []VersionRef{}
	for rows.Next() {
		var r VersionRef
		if err := rows.Scan(&r.Model, &r.Version, &r.Semver, &r.Status, &r.RunID); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
