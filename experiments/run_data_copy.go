package experiments

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
)

// A run lives in five tables (runs, latest_metrics, params, tags,
// run_inputs); reading a 1000-run page from them meant five queries and
// some 8,000 rows through database/sql, half of a search's time. So each
// run also keeps a copy of itself in run_data, one JSON list per table,
// and a page reads one row per run. A list is never edited, only rebuilt
// from its table by one SQL expression, in the transaction of every write
// that changes that table; the tables stay the source of truth (filters
// and orders use them). TestRunDataCopyMatchesTables holds the two to it.

// copyKind is a set of the lists a write changed.
type copyKind uint8

const (
	copyInfo copyKind = 1 << iota
	copyMetrics
	copyParams
	copyTags
	copyInputs
	copyAll = copyInfo | copyMetrics | copyParams | copyTags | copyInputs
)

// copyLists builds each list of run r from its table, in copyKind's
// order. Migration 0005 backfilled existing runs with the same
// expressions; the formats are described there.
var copyLists = [...]struct{ column, expr string }{
	{"info", `(SELECT json_array(x.run_uuid, x.experiment_id, x.name, x.user_id, x.status, x.start_time, x.end_time, x.artifact_uri, x.lifecycle_stage) FROM runs x WHERE x.run_pk = r.run_pk)`},
	{"metrics", `(SELECT json_group_array(json_array(x.key, x.value, x.timestamp, x.step, x.is_nan) ORDER BY x.key) FROM latest_metrics x WHERE x.run_pk = r.run_pk)`},
	{"params", `(SELECT json_group_array(json_array(x.key, x.value) ORDER BY x.key) FROM params x WHERE x.run_pk = r.run_pk)`},
	{"tags", `(SELECT json_group_array(json_array(x.key, x.value) ORDER BY x.key) FROM tags x WHERE x.run_pk = r.run_pk)`},
	{"inputs", `(SELECT json_group_array(json_array(x.dataset_pk, json(CASE WHEN json_valid(x.tags) THEN x.tags ELSE '[]' END)) ORDER BY x.dataset_pk) FROM run_inputs x WHERE x.run_pk = r.run_pk)`},
}

// updateCopySQL rebuilds the lists whose flag (?1 to ?5) is set; SQLite
// runs a subquery in a CASE branch only when the branch is taken.
// insertCopySQL builds them all.
var updateCopySQL, insertCopySQL = copySQL()

// experimentInfoSQL rebuilds the info of an experiment's runs, whose
// lifecycle stage follows the experiment's.
var experimentInfoSQL = "UPDATE run_data AS r SET info = " + copyLists[0].expr +
	" WHERE r.run_pk IN (SELECT run_pk FROM runs WHERE experiment_id = ?)"

func copySQL() (update, insert string) {
	var set, cols, exprs, excluded []string
	for i, l := range copyLists {
		set = append(set, fmt.Sprintf("%s = CASE WHEN ?%d THEN %s ELSE %s END", l.column, i+1, l.expr, l.column))
		cols = append(cols, l.column)
		exprs = append(exprs, l.expr)
		excluded = append(excluded, l.column+" = excluded."+l.column)
	}
	update = "UPDATE run_data AS r SET " + strings.Join(set, ", ") + fmt.Sprintf(" WHERE r.run_pk = ?%d", len(copyLists)+1)
	insert = "INSERT INTO run_data (run_pk, " + strings.Join(cols, ", ") + ") SELECT r.run_pk, " + strings.Join(exprs, ", ") +
		" FROM runs r WHERE r.run_pk = ? ON CONFLICT (run_pk) DO UPDATE SET " + strings.Join(excluded, ", ")
	return update, insert
}

// refreshRunData rebuilds the lists of run pk that a write changed.
// Every write to a run's metrics, params, tags or inputs calls it once,
// last, in the same transaction.
func (s *Service) refreshRunData(ctx context.Context, tx *sql.Tx, pk int64, kinds copyKind) error {
	args := make([]any, 0, len(copyLists)+1)
	for i := range copyLists {
		args = append(args, kinds&(1<<i) != 0)
	}
	res, err := s.txExec(ctx, tx, updateCopySQL, append(args, pk)...)
	if err == nil {
		if n, _ := res.RowsAffected(); n == 0 { // a new run
			_, err = s.txExec(ctx, tx, insertCopySQL, pk)
		}
	}
	if err != nil {
		return fmt.Errorf("refresh run data: %w", err)
	}
	return nil
}

// inputLink is a dataset input as the copy holds it: the dataset's key
// and the run's input tags. The datasets themselves are shared by many
// runs (and can be large), so they are read once per page.
type inputLink struct {
	datasetPK int64
	tags      []Tag
}

// decodeRunDoc fills r from a runDocSQL document, [info, metrics,
// params, tags, inputs], and returns its input links. Strings in r are
// slices of doc.
func decodeRunDoc(doc string, r *Run) ([]inputLink, error) {
	d := docReader{s: doc}
	d.expect('[')
	readInfo(&d, &r.Info)
	d.expect(',')
	r.Metrics = readMetrics(&d)
	d.expect(',')
	r.Params = readPairs[Param](&d)
	d.expect(',')
	r.Tags = readPairs[Tag](&d)
	d.expect(',')
	links := readInputs(&d)
	d.expect(']')
	d.end()
	if d.err != nil {
		return nil, d.err
	}
	return links, nil
}

// readInfo reads [run_uuid, experiment_id, name, user_id, status,
// start_time, end_time, artifact_uri, lifecycle_stage].
func readInfo(d *docReader, info *RunInfo) {
	d.expect('[')
	info.RunID = d.str()
	d.expect(',')
	info.ExperimentID = d.int()
	for _, f := range [...]*string{&info.RunName, &info.UserID, &info.Status} {
		d.expect(',')
		*f = d.str()
	}
	d.expect(',')
	info.StartTime = d.optionalInt()
	d.expect(',')
	info.EndTime = d.optionalInt()
	d.expect(',')
	info.ArtifactURI = d.str()
	d.expect(',')
	info.LifecycleStage = d.str()
	d.expect(']')
}

// readMetrics reads [[key, value, timestamp, step, is_nan], ...].
func readMetrics(d *docReader) []Metric {
	if !d.open() {
		return nil
	}
	var out []Metric
	for {
		var m Metric
		d.expect('[')
		m.Key = d.str()
		d.expect(',')
		m.Value = d.float()
		d.expect(',')
		m.Timestamp = d.int()
		d.expect(',')
		m.Step = d.int()
		d.expect(',')
		if d.int() != 0 {
			m.Value = math.NaN()
		}
		d.expect(']')
		out = append(out, m)
		if !d.more() {
			return out
		}
	}
}

// readPairs reads a [[key, value], ...] list as params or tags.
func readPairs[T Param | Tag](d *docReader) []T {
	if !d.open() {
		return nil
	}
	var out []T
	for {
		d.expect('[')
		k := d.str()
		d.expect(',')
		v := d.str()
		d.expect(']')
		out = append(out, T{Key: k, Value: v})
		if !d.more() {
			return out
		}
	}
}

// readInputs reads [[dataset_pk, tags], ...]. Input tags are a list of
// {"key": k, "value": v} objects, as LogInputs writes them; whatever
// else a hand-written row holds there is skipped.
func readInputs(d *docReader) []inputLink {
	if !d.open() {
		return nil
	}
	var out []inputLink
	for {
		d.expect('[')
		link := inputLink{datasetPK: d.int()}
		d.expect(',')
		link.tags = readInputTags(d)
		d.expect(']')
		out = append(out, link)
		if !d.more() {
			return out
		}
	}
}

func readInputTags(d *docReader) []Tag {
	if d.peek() != '[' {
		d.skip(0)
		return nil
	}
	if !d.open() {
		return nil
	}
	var out []Tag
	for {
		if d.peek() == '{' {
			var t Tag
			d.object(func(name string) {
				switch {
				case name == "key" && d.peek() == '"':
					t.Key = d.str()
				case name == "value" && d.peek() == '"':
					t.Value = d.str()
				default:
					d.skip(1)
				}
			})
			out = append(out, t)
		} else {
			d.skip(1)
		}
		if !d.more() {
			return out
		}
	}
}
