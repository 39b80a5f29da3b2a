package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"path/filepath"
	"time"

	"github.com/paddockml/paddock/experiments"
	"github.com/paddockml/paddock/sqldb"
)

// Seeding 100,000 runs one CreateRun and one LogBatch at a time takes
// minutes; this writes the bulk of them straight into the tables in a few
// large transactions, in the layout the service writes (one metric block
// per key and batch, the latest value per key), then builds every run's
// copy in run_data with the expressions migration 0005 backfills with.
// The long run goes through the service itself: 1000 log-batch calls of
// 1000 points, the blocks a real client leaves.

// seedKeys are the metrics of every bulk run, each with a short history.
var seedKeys = []string{"accuracy", "f1", "loss"}

// seedPlan is what to write.
type seedPlan struct {
	runs       int // bulk runs, besides the long one
	stepsEach  int // points per key of a bulk run
	longPoints int // points of the long run's "loss"
}

// seeded is what the measurements need to know of the database.
type seeded struct {
	experiment int64
	longRun    string
	sampleRun  string // the last bulk run
	otherRun   string // the last run of the first chunk
	points     int
}

func seed(ctx context.Context, dir string, plan seedPlan) (seeded, error) {
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(dir, "paddock.db"), sqldb.SQLiteOptions{})
	if err != nil {
		return seeded{}, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return seeded{}, err
	}
	svc := experiments.New(db, nil)
	exp, err := svc.CreateExperiment(ctx, "dashboard-bench", "", nil)
	if err != nil {
		return seeded{}, err
	}
	out := seeded{experiment: exp}
	if out.longRun, err = seedLongRun(ctx, svc, exp, plan.longPoints); err != nil {
		return seeded{}, fmt.Errorf("long run: %w", err)
	}
	const chunk = 5000
	for start := 0; start < plan.runs; start += chunk {
		id, err := seedChunk(ctx, db, exp, start, min(chunk, plan.runs-start), plan.stepsEach)
		if err != nil {
			return seeded{}, fmt.Errorf("runs %d+: %w", start, err)
		}
		if start == 0 {
			out.otherRun = id
		}
		out.sampleRun = id
	}
	if _, err := db.Write.ExecContext(ctx, runDataBackfill); err != nil {
		return seeded{}, fmt.Errorf("run copies: %w", err)
	}
	out.points = plan.longPoints + plan.runs*plan.stepsEach*len(seedKeys)
	return out, checkSeed(ctx, svc, out.sampleRun)
}

// seedLongRun logs n points of "loss" (and a final f1) through the service.
func seedLongRun(ctx context.Context, svc *experiments.Service, exp int64, n int) (string, error) {
	st := time.Now().UnixMilli()
	run, err := svc.CreateRun(ctx, experiments.CreateRunRequest{ExperimentID: exp, RunName: "long-run", StartTime: &st})
	if err != nil {
		return "", err
	}
	batch := make([]experiments.Metric, 0, experiments.MaxMetricsPerBatch)
	for step := 0; step < n; {
		batch = batch[:0]
		for ; len(batch) < cap(batch) && step < n; step++ {
			v := math.Exp(-float64(step)/float64(n)*5) + 0.05*mrand.Float64()
			batch = append(batch, experiments.Metric{Key: "loss", Value: v, Timestamp: st + int64(step), Step: int64(step)})
		}
		if err := svc.LogBatch(ctx, run.Info.RunID, experiments.Batch{Metrics: batch}); err != nil {
			return "", err
		}
	}
	err = svc.LogBatch(ctx, run.Info.RunID, experiments.Batch{Metrics: []experiments.Metric{{Key: "f1", Value: 0.9, Timestamp: st, Step: 0}},
		Params: []experiments.Param{{Key: "lr", Value: "0.01"}, {Key: "depth", Value: "6"}}})
	return run.Info.RunID, err
}

// seedChunk writes n bulk runs, numbered from first, in one transaction,
// and returns the last run's id.
func seedChunk(ctx context.Context, db *sqldb.DB, exp int64, first, n, steps int) (string, error) {
	var last string
	err := db.WriteTx(ctx, func(tx *sql.Tx) error {
		st, err := prepareSeed(ctx, tx)
		if err != nil {
			return err
		}
		defer st.close()
		for i := first; i < first+n; i++ {
			if last, err = st.run(ctx, exp, i, steps); err != nil {
				return err
			}
		}
		return nil
	})
	return last, err
}

type seedStmts struct {
	insertRun, param, tag, latest, block *sql.Stmt
}

func prepareSeed(ctx context.Context, tx *sql.Tx) (*seedStmts, error) {
	var s seedStmts
	var err error
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&s.insertRun, `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, end_time, artifact_uri) VALUES (?, ?, ?, 'bench', 'FINISHED', ?, ?, ?) RETURNING run_pk`},
		{&s.param, `INSERT INTO params (run_pk, key, value) VALUES (?, ?, ?)`},
		{&s.tag, `INSERT INTO tags (run_pk, key, value) VALUES (?, ?, ?)`},
		{&s.latest, `INSERT INTO latest_metrics (run_pk, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)`},
		{&s.block, `INSERT INTO metric_blocks (run_pk, key, first_step, last_step, points, data) VALUES (?, ?, 0, ?, ?, ?)`},
	} {
		if *p.dst, err = tx.PrepareContext(ctx, p.q); err != nil {
			s.close()
			return nil, err
		}
	}
	return &s, nil
}

func (s *seedStmts) close() {
	for _, st := range []*sql.Stmt{s.insertRun, s.param, s.tag, s.latest, s.block} {
		if st != nil {
			st.Close()
		}
	}
}

// run writes bulk run i: params lr and depth, tags team and run name, and
// a history of steps points per metric key, rising towards a final value.
func (s *seedStmts) run(ctx context.Context, exp int64, i, steps int) (string, error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	start := int64(1_700_000_000_000) + int64(i)*60_000
	name := fmt.Sprintf("run-%d", i)
	var pk int64
	err := s.insertRun.QueryRowContext(ctx, id, exp, name, start, start+30_000, fmt.Sprintf("%s%d/%s/artifacts", experiments.ArtifactScheme, exp, id)).Scan(&pk)
	if err != nil {
		return "", err
	}
	for _, kv := range [][2]string{{"lr", []string{"0.1", "0.01", "0.001"}[i%3]}, {"depth", fmt.Sprint(3 + i%6)}} {
		if _, err := s.param.ExecContext(ctx, pk, kv[0], kv[1]); err != nil {
			return "", err
		}
	}
	for _, kv := range [][2]string{{experiments.TagRunName, name}, {"team", []string{"growth", "nlp", "risk"}[i%3]}} {
		if _, err := s.tag.ExecContext(ctx, pk, kv[0], kv[1]); err != nil {
			return "", err
		}
	}
	for _, key := range seedKeys {
		final := mrand.Float64()
		data := make([]byte, 0, steps*24)
		for step := range steps {
			v := final * float64(step+1) / float64(steps)
			if step == steps-1 {
				v = final // exactly: the latest value must equal the last point
			}
			data = binary.LittleEndian.AppendUint64(data, uint64(step))
			data = binary.LittleEndian.AppendUint64(data, uint64(start+int64(step)))
			data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
		}
		if _, err := s.block.ExecContext(ctx, pk, key, steps-1, steps, data); err != nil {
			return "", err
		}
		if _, err := s.latest.ExecContext(ctx, pk, key, final, start+int64(steps-1), steps-1); err != nil {
			return "", err
		}
	}
	return id, nil
}

// runDataBackfill is migration 0005's backfill: each run's copy, built
// from its tables, for the runs that have none yet.
const runDataBackfill = `INSERT INTO run_data (run_pk, info, metrics, params, tags, inputs)
SELECT r.run_pk,
    (SELECT json_array(x.run_uuid, x.experiment_id, x.name, x.user_id, x.status, x.start_time, x.end_time, x.artifact_uri, x.lifecycle_stage) FROM runs x WHERE x.run_pk = r.run_pk),
    (SELECT json_group_array(json_array(x.key, x.value, x.timestamp, x.step, x.is_nan) ORDER BY x.key) FROM latest_metrics x WHERE x.run_pk = r.run_pk),
    (SELECT json_group_array(json_array(x.key, x.value) ORDER BY x.key) FROM params x WHERE x.run_pk = r.run_pk),
    (SELECT json_group_array(json_array(x.key, x.value) ORDER BY x.key) FROM tags x WHERE x.run_pk = r.run_pk),
    (SELECT json_group_array(json_array(x.dataset_pk, json(CASE WHEN json_valid(x.tags) THEN x.tags ELSE '[]' END)) ORDER BY x.dataset_pk) FROM run_inputs x WHERE x.run_pk = r.run_pk)
FROM runs r WHERE r.run_pk NOT IN (SELECT run_pk FROM run_data)`

// checkSeed reads a bulk run back through the service: the direct writes
// must look like the service's own.
func checkSeed(ctx context.Context, svc *experiments.Service, id string) error {
	run, err := svc.GetRun(ctx, id)
	if err != nil {
		return err
	}
	if len(run.Params) != 2 || len(run.Metrics) != len(seedKeys) || len(run.Tags) != 2 || run.Info.Status != experiments.StatusFinished {
		return fmt.Errorf("seeded run %s reads back as %+v", id, run)
	}
	h, err := svc.MetricHistory(ctx, id, "loss", 0, "")
	if err != nil {
		return err
	}
	if last := h.Metrics[len(h.Metrics)-1]; last.Value != run.Metrics[2].Value || last.Step != run.Metrics[2].Step {
		return fmt.Errorf("seeded run %s: history ends at %+v, latest is %+v", id, last, run.Metrics[2])
	}
	return nil
}
