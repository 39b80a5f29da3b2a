// Package experiments is Paddock's experiment tracking: experiments, runs,
// params, step-wise metrics, tags and dataset inputs, stored in the
// metadata database. Its data model follows MLflow's so that the MLflow
// REST API (package server) maps onto it one to one; its speed comes from
// batched writes through the single writer and reads that never load more
// than the page asked for.
package experiments

import (
	"time"

	"github.com/paddockml/paddock/sqldb"
)

// Run statuses, as MLflow names them.
const (
	StatusRunning   = "RUNNING"
	StatusScheduled = "SCHEDULED"
	StatusFinished  = "FINISHED"
	StatusFailed    = "FAILED"
	StatusKilled    = "KILLED"
)

// Lifecycle stages of experiments and runs.
const (
	StageActive  = "active"
	StageDeleted = "deleted"
)

// View types select runs or experiments by lifecycle stage.
const (
	ViewActiveOnly  = "ACTIVE_ONLY"
	ViewDeletedOnly = "DELETED_ONLY"
	ViewAll         = "ALL"
)

// Limits, MLflow's, so that a request MLflow accepts Paddock accepts too.
const (
	MaxMetricsPerBatch   = 1000
	MaxParamsTagsPerBat  = 100
	MaxEntitiesPerBatch  = 1000
	MaxBatchRequestBytes = 1_000_000
	MaxKeyLength         = 250
	MaxParamValueLength  = 6000
	MaxTagValueLength    = 8000
	MaxExperimentName    = 500
	MaxResultsRuns       = 50000
	MaxResultsExperiment = 50000
	MaxDatasetNameLength = 500
	MaxDatasetDigest     = 36
	MaxDatasetSchema     = 1048575
	MaxDatasetSource     = 65535
	MaxDatasetProfile    = 16777215
	MaxInputTagKey       = 255
	MaxInputTagValue     = 500
	DefaultMaxResults    = 1000
	MaxHistoryPageSize   = 25000
)

// Tag is a key-value pair on an experiment, a run or a dataset input.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Param is an immutable key-value pair on a run.
type Param struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Metric is one point of a metric's history.
type Metric struct {
	Key       string  `json:"key"`
	Value     float64 `json:"value"`
	Timestamp int64   `json:"timestamp"`
	Step      int64   `json:"step"`
}

// Experiment groups runs.
type Experiment struct {
	ID               int64
	Name             string
	ArtifactLocation string
	LifecycleStage   string
	CreationTime     int64
	LastUpdateTime   int64
	Tags             []Tag
}

// RunInfo is a run's metadata without its data.
type RunInfo struct {
	RunID          string
	ExperimentID   int64
	RunName        string
	UserID         string
	Status         string
	StartTime      *int64
	EndTime        *int64
	ArtifactURI    string
	LifecycleStage string
}

// Run is a run with its latest metrics, params, tags and dataset inputs.
type Run struct {
	Info    RunInfo
	Metrics []Metric // the latest value of each key
	Params  []Param
	Tags    []Tag
	Inputs  []DatasetInput
}

// Dataset describes a data set a run used.
type Dataset struct {
	Name       string `json:"name"`
	Digest     string `json:"digest"`
	SourceType string `json:"source_type"`
	Source     string `json:"source"`
	Schema     string `json:"schema,omitempty"`
	Profile    string `json:"profile,omitempty"`
}

// DatasetInput links a dataset to a run, with input tags such as
// mlflow.data.context ("training", "evaluation").
type DatasetInput struct {
	Tags    []Tag   `json:"tags,omitempty"`
	Dataset Dataset `json:"dataset"`
}

// Service is the tracking store.
type Service struct {
	db  *sqldb.DB
	now func() time.Time
	// generalSearchOnly turns off the metric-order fast path, so tests
	// can compare it with the general query.
	generalSearchOnly bool
	// group queues concurrent log-batch calls into shared transactions.
	group groupCommitter
	// stmts holds the write path's prepared statements, docs the read
	// statement of runs.
	stmts stmtCache
	docs  docStmt
}

// New returns a tracking service on db; now is the clock (nil: time.Now).
func New(db *sqldb.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

func (s *Service) nowMillis() int64 { return s.now().UnixMilli() }
