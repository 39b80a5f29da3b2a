package experiments

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"sync"
)

// loadRunDataFromTables fills metrics (latest values), params, tags and
// inputs of many runs from the tables themselves, with one query per kind,
// never one per run. The four queries run in parallel on the read pool;
// each writes only its own field of each run, so they need no lock. Pages
// read the copy instead (loadRunData); this is its fallback for a run
// without one, and what tests compare the copy with.
func (s *Service) loadRunDataFromTables(ctx context.Context, rows []runRow) ([]Run, error) {
	runs := make([]Run, len(rows))
	idx := make(map[int64]int, len(rows))
	args := make([]any, len(rows))
	for i, r := range rows {
		runs[i].Info = r.info
		idx[r.pk] = i
		args[i] = r.pk
	}
	if len(rows) == 0 {
		return runs, nil
	}
	in := "(" + placeholders(len(args)) + ")"
	var wg sync.WaitGroup
	errs := make([]error, 4)
	wg.Add(4)
	go func() {
		defer wg.Done()
		errs[0] = s.eachRow(ctx, `SELECT run_pk, key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_pk IN `+in+` ORDER BY run_pk, key`, args,
			func(scan func(...any) error) error {
				var pk int64
				var m Metric
				var isNaN bool
				if err := scan(&pk, &m.Key, &m.Value, &m.Timestamp, &m.Step, &isNaN); err != nil {
					return err
				}
				if isNaN {
					m.Value = math.NaN()
				}
				r := &runs[idx[pk]]
				r.Metrics = append(r.Metrics, m)
				return nil
			})
	}()
	go func() {
		defer wg.Done()
		errs[1] = s.eachRow(ctx, `SELECT run_pk, key, value FROM params WHERE run_pk IN `+in+` ORDER BY run_pk, key`, args,
			func(scan func(...any) error) error {
				var pk int64
				var p Param
				if err := scan(&pk, &p.Key, &p.Value); err != nil {
					return err
				}
				r := &runs[idx[pk]]
				r.Params = append(r.Params, p)
				return nil
			})
	}()
	go func() {
		defer wg.Done()
		errs[2] = s.eachRow(ctx, `SELECT run_pk, key, value FROM tags WHERE run_pk IN `+in+` ORDER BY run_pk, key`, args,
			func(scan func(...any) error) error {
				var pk int64
				var t Tag
				if err := scan(&pk, &t.Key, &t.Value); err != nil {
					return err
				}
				r := &runs[idx[pk]]
				r.Tags = append(r.Tags, t)
				return nil
			})
	}()
	go func() {
		defer wg.Done()
		errs[3] = s.eachRow(ctx, `SELECT ri.run_pk, ri.tags, d.name, d.digest, d.source_type, d.source, d.schema, d.profile
		FROM run_inputs ri JOIN datasets d ON d.dataset_pk = ri.dataset_pk WHERE ri.run_pk IN `+in+` ORDER BY ri.run_pk, d.dataset_pk`, args,
			func(scan func(...any) error) error {
				var pk int64
				var tags string
				var in DatasetInput
				d := &in.Dataset
				if err := scan(&pk, &tags, &d.Name, &d.Digest, &d.SourceType, &d.Source, &d.Schema, &d.Profile); err != nil {
					return err
				}
				_ = json.Unmarshal([]byte(tags), &in.Tags) // written by us, always valid
				r := &runs[idx[pk]]
				r.Inputs = append(r.Inputs, in)
				return nil
			})
	}()
	wg.Wait()
	return runs, errors.Join(errs...)
}

// runRows reads the runs rows of pks, skipping keys without one.
func (s *Service) runRows(ctx context.Context, pks []int64) ([]runRow, error) {
	var rows []runRow
	for start := 0; start < len(pks); start += maxInList {
		chunk := pks[start:min(start+maxInList, len(pks))]
		args := make([]any, len(chunk))
		for i, pk := range chunk {
			args[i] = pk
		}
		err := s.eachRow(ctx, `SELECT run_pk, run_uuid, experiment_id, name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage
			FROM runs WHERE run_pk IN (`+placeholders(len(args))+`) ORDER BY run_pk`, args,
			func(scan func(...any) error) error {
				var r runRow
				var start, end sql.NullInt64
				i := &r.info
				if err := scan(&r.pk, &i.RunID, &i.ExperimentID, &i.RunName, &i.UserID, &i.Status, &start, &end, &i.ArtifactURI, &i.LifecycleStage); err != nil {
					return err
				}
				if start.Valid {
					i.StartTime = &start.Int64
				}
				if end.Valid {
					i.EndTime = &end.Int64
				}
				rows = append(rows, r)
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	return rows, nil
}
