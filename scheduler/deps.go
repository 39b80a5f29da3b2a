package scheduler

import (
	"context"
	"io"
	"time"

	"github.com/paddockml/paddock/artifact"
)

// Tracker is what the scheduler needs from experiment tracking. Each
// attempt of a run is one tracked run.
type Tracker interface {
	// StartRun creates a RUNNING run in the named experiment, creating
	// the experiment when it is missing, with the spec's params and tags.
	StartRun(ctx context.Context, spec RunSpec) (TrackedRun, error)
	// SetRunTags sets tags on a run (finished or not).
	SetRunTags(ctx context.Context, runID string, tags map[string]string) error
	// EndRun sets a run's final status (FINISHED, FAILED or KILLED) and
	// its end time.
	EndRun(ctx context.Context, runID, status string, end time.Time) error
	// RunMetrics returns the latest value of each metric of a run.
	RunMetrics(ctx context.Context, runID string) (map[string]float64, error)
	// PutRunArtifact stores the content of r as the run's artifact at
	// path, e.g. "paddock/output.log".
	PutRunArtifact(ctx context.Context, runID, path string, r io.Reader) error
}

// RunSpec is a tracked run to create.
type RunSpec struct {
	Experiment string
	RunName    string
	Start      time.Time
	Params     map[string]string
	Tags       map[string]string
}

// TrackedRun is a created tracking run.
type TrackedRun struct {
	ID           string
	ExperimentID string
}

// Registry is what the scheduler needs from the model registry.
type Registry interface {
	// ModelExists reports whether a registered model has this name.
	ModelExists(ctx context.Context, model string) (bool, error)
	// AliasVersion returns the version an alias points to, with the
	// metrics registered on it; found is false when the alias is unset.
	AliasVersion(ctx context.Context, model, alias string) (v ModelVersion, found bool, err error)
	// RegisterFromRun registers the model the run logged at
	// r.ArtifactPath as a new READY version and returns its number.
	RegisterFromRun(ctx context.Context, r Registration) (int64, error)
	// SetAlias moves an alias to a version, or files an approval request
	// when a policy guards the alias; the outcome says which.
	SetAlias(ctx context.Context, model, alias string, version int64, reason string) (AliasOutcome, error)
}

// ModelVersion is a registered version as the gate reads it.
type ModelVersion struct {
	Version int64
	Metrics map[string]float64
}

// Registration is a version to register from a run.
type Registration struct {
	Model        string
	RunID        string
	ArtifactPath string // "model"
	// Parent is the version this one retrains (the baseline), if any.
	Parent      *int64
	Tags        map[string]string
	Description string
}

// AliasOutcome is what SetAlias did: the alias moved (Applied), or an
// approval request was filed (ApprovalID).
type AliasOutcome struct {
	Applied    bool
	ApprovalID int64
}

// DataLister lists the objects under an artifact-store prefix with their
// digests; artifact.Store satisfies it.
type DataLister interface {
	List(ctx context.Context, prefix string) ([]artifact.Info, error)
}

// Runner runs a job's command. ExecRunner is the real one.
type Runner interface {
	// Run runs c to its end with its output (stdout and stderr) written
	// to out, calling started with the pid once it runs. When ctx ends
	// first the command's process group is stopped: SIGTERM, then
	// SIGKILL after c.KillGrace. It returns the exit code (128+signal
	// when killed by a signal), or an error when the command could not
	// be started.
	Run(ctx context.Context, c Command, out io.Writer, started func(pid int)) (int, error)
}

// Command is a process to run.
type Command struct {
	Argv      []string
	Dir       string
	Env       []string
	KillGrace time.Duration
}
