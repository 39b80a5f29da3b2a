package demo

import (
	"context"
	"fmt"

	"github.com/paddockml/paddock/registry"
	"github.com/paddockml/paddock/serving/live"
)

// ExperimentName is the demo's live experiment: churn's alpha in shadow
// beside production.
const ExperimentName = "churn-shadow"

// experimentJSON is the experiment as PUT /api/live/experiments takes it
// (the keys of the configuration file). Rollback is on errors only: a
// latency rule would roll the demo back whenever a busy laptop slows one
// arm down.
const experimentJSON = `{
  "model": "churn", "production": "production", "alpha": "alpha", "mode": "shadow", "sample_rate": 1,
  "rules": {
    "min_requests": 200, "window": "1h",
    "promote": ["agreement_rate >= 0.9", "accuracy_delta >= 0", "latency_ratio <= 2"],
    "rollback": ["error_rate > 0.05"],
    "auto_promote": false, "auto_rollback": true
  }
}`

// ExperimentCreator is what CreateExperiment needs of live experiments.
type ExperimentCreator interface {
	Create(ctx context.Context, who registry.Caller, name string, body []byte) (live.View, error)
}

// CreateExperiment starts the demo's shadow experiment through the same
// path as the API, so it is stored in the database, survives restarts
// and reloads of the configuration file, and can be paused, promoted or
// deleted like any other.
func CreateExperiment(ctx context.Context, l ExperimentCreator) error {
	if _, err := l.Create(ctx, registry.Caller{Actor: Actor}, ExperimentName, []byte(experimentJSON)); err != nil {
		return fmt.Errorf("demo live experiment %s: %w", ExperimentName, err)
	}
	return nil
}
