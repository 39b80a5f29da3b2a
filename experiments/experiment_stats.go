package experiments

import "context"

// ExperimentStats is what a list of experiments shows beside each name.
type ExperimentStats struct {
	// Runs counts the experiment's active runs.
	Runs int
	// LastRunStart is the latest start time of an active run, in Unix
	// milliseconds; 0 when it has none.
	LastRunStart int64
}

// MaxStatsExperiments bounds the experiments of one ExperimentStats call.
const MaxStatsExperiments = 1000

// ExperimentStats returns the stats of the given experiments; one without
// runs (or unknown) is absent from the map. It is one grouped scan of the
// runs_by_experiment index with a lookup of each run's stage.
func (s *Service) ExperimentStats(ctx context.Context, ids []int64) (map[int64]ExperimentStats, error) {
	if len(ids) > MaxStatsExperiments {
		return nil, invalid("stats of at most %d experiments at a time, not %d", MaxStatsExperiments, len(ids))
	}
	out := make(map[int64]ExperimentStats, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(ids)+1)
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, StageActive)
	q := `SELECT experiment_id, COUNT(*), COALESCE(MAX(start_time), 0) FROM runs
		WHERE experiment_id IN (` + placeholders(len(ids)) + `) AND lifecycle_stage = ?
		GROUP BY experiment_id`
	err := s.eachRow(ctx, q, args, func(scan func(...any) error) error {
		var id int64
		var st ExperimentStats
		if err := scan(&id, &st.Runs, &st.LastRunStart); err != nil {
			return err
		}
		out[id] = st
		return nil
	})
	return out, err
}
