package filter

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/paddockml/paddock/sqldb"
)

// fixtureExperiment and fixtureRun describe the test database by hand so
// that every expected result below can be checked by reading this file.
type fixtureExperiment struct {
	id             int
	name           string
	created, moved int64
	tags           map[string]string
}

type fixtureInput struct {
	name, digest string
	tags         string // run_inputs.tags JSON as stored
}

type fixtureRun struct {
	uuid               string
	exp                int
	name, user, status string
	start, end         any // int64 or nil
	metrics            map[string]float64
	params, tags       map[string]string
	inputs             []fixtureInput
}

const ctxTrain = `[{"key":"mlflow.data.context","value":"train"}]`
const ctxEval = `[{"key":"mlflow.data.context","value":"eval"}]`

var fixtureExperiments = []fixtureExperiment{
	{1, "nlp-search", 100, 500, map[string]string{"team": "nlp", "owner": "alice"}},
	{2, "NLP-core", 200, 300, map[string]string{"team": "NLP", "owner": "a_b"}},
	{3, "vision_bulk", 200, 900, nil},
	{4, "50%[off]", 50, 50, map[string]string{"team": "nlp-50%"}},
}

var fixtureRuns = []fixtureRun{
	{"run01", 1, "bert-base", "alice", "FINISHED", int64(1010), int64(2010),
		map[string]float64{"f1": 0.91, "loss": 0.2},
		map[string]string{"lr": "0.01", "model": "BERT"},
		map[string]string{"team": "nlp-search", "mlflow.source.name": "train.py"},
		[]fixtureInput{{"squad", "d1", ctxTrain}}},
	{"run02", 1, "Bert-large", "bob", "FINISHED", int64(1020), int64(2020),
		map[string]float64{"f1": 0.85},
		map[string]string{"lr": "0.001", "model": "bert"},
		map[string]string{"team": "NLP-core", "mlflow.source.name": "train.py"},
		[]fixtureInput{{"squad", "d1", ctxEval}}},
	{"run03", 1, "gpt_small", "alice", "FAILED", int64(1030), nil,
		map[string]float64{"f1": math.NaN()},
		map[string]string{"lr": "0.01"},
		map[string]string{"team": "vision", "note": "50%[off]"}, nil},
	{"run04", 1, "gpt%small", "carol", "RUNNING", int64(1040), nil,
		map[string]float64{"f1": 0.5, "my metric": 3},
		map[string]string{"lr": "0.1"},
		map[string]string{"team": "nlp", "note": "50%off"}, nil},
	{"run05", 1, "resnet", "bob", "FINISHED", int64(1050), int64(1900),
		map[string]float64{"loss": 0.4},
		map[string]string{"model": "ResNet"},
		map[string]string{"team": "vision", "mlflow.source.name": "cv.py"},
		[]fixtureInput{
			{"imagenet", "d2", `[{"key":"note","value":"eval"},{"key":"mlflow.data.context","value":"train"}]`},
			{"imagenet-small", "d3", ctxEval}}},
	{"run06", 1, "x", "alice", "KILLED", nil, nil,
		map[string]float64{"f1": 0.7}, nil,
		map[string]string{"note": "a_b"}, nil},
	{"run07", 1, "bert-tiny", "dave", "FINISHED", int64(1050), int64(2000),
		map[string]float64{"f1": 0.91},
		map[string]string{"lr": "0.01", "model": "BERT"},
		map[string]string{"team": "nlp"},
		[]fixtureInput{{"squad", "d9", `[{"key":"note","value":"train"}]`}}},
	{"run08", 1, "", "carol", "SCHEDULED", int64(1080), nil,
		map[string]float64{"f1": math.Inf(1)}, nil,
		map[string]string{"note": "axb"}, nil},
	{"run09", 1, "bert base", "erin", "FINISHED", int64(1090), int64(3000),
		map[string]float64{"f1": 0},
		map[string]string{"lr": "0.01"},
		map[string]string{"team": "nlp-search"},
		[]fixtureInput{{"squad", "d1", `{not json`}}},
	{"run10", 2, "other", "alice", "FINISHED", int64(1100), int64(2100),
		map[string]float64{"f1": 0.99}, nil,
		map[string]string{"team": "nlp"}, nil},
}

// bulkRuns adds bulk01..bulk20 to experiment 3: start_time 5000+i,
// metric score = i%5 except bulk07 and bulk14 (missing) and bulk13 (NaN),
// param fold = i%3.
func bulkRuns() []fixtureRun {
	var out []fixtureRun
	for i := 1; i <= 20; i++ {
		r := fixtureRun{uuid: fmt.Sprintf("bulk%02d", i), exp: 3, status: "FINISHED",
			start: int64(5000 + i), metrics: map[string]float64{},
			params: map[string]string{"fold": fmt.Sprint(i % 3)}}
		switch i {
		case 7, 14:
		case 13:
			r.metrics["score"] = math.NaN()
		default:
			r.metrics["score"] = float64(i % 5)
		}
		out = append(out, r)
	}
	return out
}

func openFixture(t testing.TB) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "paddock.db"), sqldb.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	err = db.WriteTx(ctx, func(tx *sql.Tx) error {
		for _, e := range fixtureExperiments {
			if err := insertExperiment(tx, e); err != nil {
				return err
			}
		}
		for i, r := range append(append([]fixtureRun{}, fixtureRuns...), bulkRuns()...) {
			if err := insertRun(tx, int64(i+1), r); err != nil {
				return fmt.Errorf("%s: %w", r.uuid, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func insertExperiment(tx *sql.Tx, e fixtureExperiment) error {
	_, err := tx.Exec(`INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
		VALUES (?, ?, '', ?, ?)`, e.id, e.name, e.created, e.moved)
	for k, v := range e.tags {
		if err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)`, e.id, k, v)
	}
	return err
}

func insertRun(tx *sql.Tx, pk int64, r fixtureRun) error {
	_, err := tx.Exec(`INSERT INTO runs (run_pk, run_uuid, experiment_id, name, user_id, status, start_time, end_time, artifact_uri)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, pk, r.uuid, r.exp, r.name, r.user, r.status, r.start, r.end,
		"s3://bucket/"+r.uuid)
	if err != nil {
		return err
	}
	for k, v := range r.metrics {
		isNaN := 0
		if math.IsNaN(v) {
			v, isNaN = 0, 1
		}
		if _, err := tx.Exec(`INSERT INTO latest_metrics (run_pk, key, value, timestamp, step, is_nan)
			VALUES (?, ?, ?, 0, 0, ?)`, pk, k, v, isNaN); err != nil {
			return err
		}
	}
	for table, kv := range map[string]map[string]string{"params": r.params, "tags": r.tags} {
		for k, v := range kv {
			if _, err := tx.Exec(`INSERT INTO `+table+` (run_pk, key, value) VALUES (?, ?, ?)`, pk, k, v); err != nil {
				return err
			}
		}
	}
	for _, in := range r.inputs {
		if _, err := tx.Exec(`INSERT OR IGNORE INTO datasets (experiment_id, name, digest) VALUES (?, ?, ?)`,
			r.exp, in.name, in.digest); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO run_inputs (run_pk, dataset_pk, tags)
			SELECT ?, dataset_pk, ? FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?`,
			pk, in.tags, r.exp, in.name, in.digest); err != nil {
			return err
		}
	}
	return nil
}

// searchRuns runs filter and order against db the way the runs/search
// handler will, restricted to the given experiment, and returns the
// run_uuids in order.
func searchRuns(t *testing.T, db *sqldb.DB, exp int, filter string, order ...string) ([]string, error) {
	t.Helper()
	e, err := ParseRunFilter(filter)
	if err != nil {
		return nil, err
	}
	o, err := ParseRunOrderBy(order)
	if err != nil {
		return nil, err
	}
	q, err := BuildRunQuery(e, o)
	if err != nil {
		return nil, err
	}
	stmt, args := q.Select("r.run_uuid", "r.experiment_id = ? AND r.lifecycle_stage = 'active'", exp)
	return queryStrings(db.Read, stmt, args...)
}

func queryStrings(db *sql.DB, stmt string, args ...any) ([]string, error) {
	rows, err := db.Query(stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", stmt, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
