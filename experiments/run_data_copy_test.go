package experiments

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// copyTester drives random writes through every write path of the
// service, then holds each run's copy to a fresh read of the tables.
type copyTester struct {
	t    *testing.T
	svc  *Service
	rng  *rand.Rand
	exp  int64
	runs []string
}

var (
	copyKeys   = []string{"f1", "loss", "a b", "x.y/z", "ключ", "深度", "mlflow.note.content", "k-1", TagRunName}
	copyValues = []string{"", "0.01", `quote " and \ backslash`, "nul\x00byte", "bad utf8 \xff\xfe", "line\nbreak\ttab", "\u2028\u2029 <&>", "émoji 🚀", strings.Repeat("long", 500)}
)

func (c *copyTester) key() string   { return copyKeys[c.rng.IntN(len(copyKeys))] }
func (c *copyTester) value() string { return copyValues[c.rng.IntN(len(copyValues))] }
func (c *copyTester) run() string   { return c.runs[c.rng.IntN(len(c.runs))] }

// metricValue mixes random bit patterns (NaN payloads, infinities,
// subnormals), signed zeros and a few small values that tie.
func (c *copyTester) metricValue() float64 {
	switch c.rng.IntN(6) {
	case 0:
		return math.Float64frombits(c.rng.Uint64())
	case 1:
		return []float64{math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(0, -1), 0, 5e-324, math.MaxFloat64}[c.rng.IntN(7)]
	case 2:
		return float64(c.rng.IntN(3))
	}
	return c.rng.NormFloat64() * math.Pow(10, float64(c.rng.IntN(40)-20))
}

func (c *copyTester) batch() Batch {
	var b Batch
	for range c.rng.IntN(12) {
		b.Metrics = append(b.Metrics, Metric{Key: c.key(), Value: c.metricValue(), Timestamp: int64(c.rng.IntN(3)), Step: int64(c.rng.IntN(4) - 1)})
	}
	seen := map[string]bool{}
	for range c.rng.IntN(3) {
		if k := c.key(); !seen[k] {
			seen[k] = true
			b.Params = append(b.Params, Param{Key: k, Value: c.value()}) // may conflict: the batch then fails whole
		}
	}
	for range c.rng.IntN(3) {
		b.Tags = append(b.Tags, Tag{Key: c.key(), Value: c.value()})
	}
	return b
}

// step makes one random write. Errors (a changed param, a deleted run,
// a missing tag) are part of the test: a failed write must leave the
// copy as it was.
func (c *copyTester) step(ctx context.Context) {
	svc := c.svc
	switch op := c.rng.IntN(20); {
	case op < 2 || len(c.runs) == 0:
		tags := []Tag{{Key: c.key(), Value: c.value()}}
		run, err := svc.CreateRun(ctx, CreateRunRequest{ExperimentID: c.exp, Tags: tags})
		if err != nil {
			c.t.Fatal(err)
		}
		c.runs = append(c.runs, run.Info.RunID)
	case op < 9:
		_ = svc.LogBatch(ctx, c.run(), c.batch())
	case op < 11:
		_ = svc.SetTag(ctx, c.run(), Tag{Key: c.key(), Value: c.value()})
	case op < 13:
		_ = svc.DeleteTag(ctx, c.run(), c.key())
	case op < 14:
		req := UpdateRunRequest{RunID: c.run()}
		name, status, end := "renamed-"+strconv.Itoa(c.rng.IntN(5)), []string{StatusFinished, StatusFailed}[c.rng.IntN(2)], int64(c.rng.IntN(100))
		switch c.rng.IntN(3) {
		case 0:
			req.RunName = &name
		case 1:
			req.Status = &status
		default:
			req.EndTime = &end
		}
		_, _ = svc.UpdateRun(ctx, req)
	case op < 16:
		c.logInputs(ctx)
	case op < 17:
		_ = svc.DeleteRun(ctx, c.run())
	case op < 18:
		_ = svc.RestoreRun(ctx, c.run())
		if c.rng.IntN(10) == 0 { // the whole experiment, briefly
			_ = svc.DeleteExperiment(ctx, c.exp)
			_ = svc.RestoreExperiment(ctx, c.exp)
		}
	default:
		c.concurrentBatches(ctx)
	}
}

func (c *copyTester) logInputs(ctx context.Context) {
	var ins []DatasetInput
	for range 1 + c.rng.IntN(2) {
		d := c.rng.IntN(3)
		in := DatasetInput{Dataset: Dataset{Name: "ds" + strconv.Itoa(d), Digest: "d" + strconv.Itoa(d), SourceType: "local", Source: "/data/" + c.value(), Schema: c.value()}}
		if c.rng.IntN(2) == 0 {
			in.Tags = []Tag{{Key: "mlflow.data.context", Value: c.value()}}
		}
		ins = append(ins, in)
	}
	_ = c.svc.LogInputs(ctx, c.run(), ins)
}

// concurrentBatches logs from several goroutines, so that batches share
// group commits and a failing one is rolled back to its savepoint.
func (c *copyTester) concurrentBatches(ctx context.Context) {
	var wg sync.WaitGroup
	for range 6 {
		run, b := c.run(), c.batch()
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.svc.LogBatch(ctx, run, b)
		}()
	}
	wg.Wait()
}

func TestRunDataCopyMatchesTables(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	exp, err := svc.CreateExperiment(ctx, "copies", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &copyTester{t: t, svc: svc, rng: rand.New(rand.NewPCG(5, 6)), exp: exp}
	for i := range 600 {
		c.step(ctx)
		if i%100 == 99 {
			checkCopies(t, svc)
		}
	}
	checkCopies(t, svc)
	checkSearchPages(t, svc, exp)

	// A run without a copy (written by hand) is read from the tables.
	if _, err := svc.db.Write.ExecContext(ctx, `DELETE FROM run_data WHERE run_pk % 3 = 0`); err != nil {
		t.Fatal(err)
	}
	checkReads(t, svc)

	// Migration 0005's backfill builds the same copies from the tables.
	if _, err := svc.db.Write.ExecContext(ctx, `DROP TABLE run_data; DELETE FROM schema_migrations WHERE version = 5`); err != nil {
		t.Fatal(err)
	}
	if applied, err := svc.db.Migrate(ctx); err != nil || len(applied) != 1 || applied[0] != 5 {
		t.Fatalf("re-applying 0005: %v, %v", applied, err)
	}
	checkCopies(t, svc)
}

// checkCopies compares every run's copy with its data read from the
// tables, twice over: the stored document must be what rebuilding it now
// gives, and decoding it must give what the table reader gives.
func checkCopies(t *testing.T, svc *Service) {
	t.Helper()
	ctx := context.Background()
	var differs []string
	for _, l := range copyLists {
		differs = append(differs, "d."+l.column+" IS NOT "+l.expr)
	}
	var stale int
	err := svc.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs r LEFT JOIN run_data d ON d.run_pk = r.run_pk
		WHERE `+strings.Join(differs, " OR ")).Scan(&stale)
	if err != nil {
		t.Fatal(err)
	}
	if stale != 0 {
		t.Fatalf("%d runs have a missing or stale copy", stale)
	}
	checkReads(t, svc)
}

// checkReads compares every run read by key (from its copy, or from the
// tables when it has none) with the tables.
func checkReads(t *testing.T, svc *Service) {
	t.Helper()
	ctx := context.Background()
	rows := runRowsFromTable(t, svc, "")
	pks := make([]int64, len(rows))
	for i, r := range rows {
		pks[i] = r.pk
	}
	fromCopies, err := svc.loadRuns(ctx, pks)
	if err != nil {
		t.Fatal(err)
	}
	fromTables, err := svc.loadRunDataFromTables(ctx, rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(fromCopies) != len(rows) {
		t.Fatalf("read %d runs of %d", len(fromCopies), len(rows))
	}
	for i := range rows {
		if got, want := runDataString(fromCopies[i]), runDataString(fromTables[i]); got != want {
			t.Fatalf("run %s:\ncopy   %s\ntables %s", rows[i].info.RunID, got, want)
		}
	}
}

// checkSearchPages pages through the experiment's runs (deleted ones
// too) by a metric, so through the page loader, and checks each run's
// data against the tables.
func checkSearchPages(t *testing.T, svc *Service, exp int64) {
	t.Helper()
	ctx := context.Background()
	token, seen := "", 0
	for {
		page, err := svc.SearchRuns(ctx, RunSearch{ExperimentIDs: []string{strconv.FormatInt(exp, 10)}, ViewType: ViewAll,
			OrderBy: []string{"metrics.f1 DESC"}, MaxResults: 7, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Runs {
			rows := runRowsFromTable(t, svc, r.Info.RunID)
			tables, err := svc.loadRunDataFromTables(ctx, rows)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := runDataString(r), runDataString(tables[0]); got != want {
				t.Fatalf("search page, run %s:\ngot    %s\ntables %s", r.Info.RunID, got, want)
			}
		}
		seen += len(page.Runs)
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	var n int
	if err := svc.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM runs WHERE experiment_id = ?`, exp).Scan(&n); err != nil || n != seen {
		t.Fatalf("search pages hold %d runs, the experiment %d (%v)", seen, n, err)
	}
}

// runRowsFromTable reads the runs table itself: every run, or the one
// with id runID.
func runRowsFromTable(t *testing.T, svc *Service, runID string) []runRow {
	t.Helper()
	q := `SELECT run_pk, run_uuid, experiment_id, name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage FROM runs`
	args := []any{}
	if runID != "" {
		q += ` WHERE run_uuid = ?`
		args = append(args, runID)
	}
	var rows []runRow
	err := svc.eachRow(context.Background(), q+` ORDER BY run_pk`, args, func(scan func(...any) error) error {
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
	if err != nil || len(rows) == 0 {
		t.Fatalf("read runs %q: %d rows, %v", runID, len(rows), err)
	}
	return rows
}

// runDataString renders a run exactly: doubles as bits (NaN as "NaN",
// since NaN is stored as a flag), strings quoted.
func runDataString(r Run) string {
	var b strings.Builder
	i := r.Info
	fmt.Fprintf(&b, "info %q %d %q %q %q %s %s %q %q | ", i.RunID, i.ExperimentID, i.RunName, i.UserID, i.Status, optString(i.StartTime), optString(i.EndTime), i.ArtifactURI, i.LifecycleStage)
	for _, m := range r.Metrics {
		v := fmt.Sprintf("%016x", math.Float64bits(m.Value))
		if math.IsNaN(m.Value) {
			v = "NaN"
		}
		fmt.Fprintf(&b, "m%q=%s@%d/%d ", m.Key, v, m.Step, m.Timestamp)
	}
	for _, p := range r.Params {
		fmt.Fprintf(&b, "p%q=%q ", p.Key, p.Value)
	}
	for _, t := range r.Tags {
		fmt.Fprintf(&b, "t%q=%q ", t.Key, t.Value)
	}
	for _, in := range r.Inputs {
		fmt.Fprintf(&b, "i%q ", in)
	}
	return b.String()
}

func optString(p *int64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatInt(*p, 10)
}

// A document the decoder cannot read is an error, not an empty run.
func TestDecodeRunDataRefusesCorruptDocuments(t *testing.T) {
	info := `["0123abcd",7,"name","user","RUNNING",1,null,"uri","active"]`
	valid := []string{info, `[["f1",0.5,1,2,0]]`, `[["lr","0.01"]]`, `[["team","nlp"]]`, `[[1,[{"key":"k","value":"v"}]]]`}
	doc := func(parts []string) string { return "[" + strings.Join(parts, ",") + "]" }
	var r Run
	if _, err := decodeRunDoc(doc(valid), &r); err != nil || r.Info.RunName != "name" || r.Metrics[0].Step != 2 {
		t.Fatalf("valid document: %v, %+v", err, r)
	}
	for _, bad := range []string{``, `{`, `{}`, `[]`, doc(valid[:1]), doc(valid[:3])} {
		if _, err := decodeRunDoc(bad, &r); err == nil {
			t.Errorf("%q decoded without error", bad)
		}
	}
	for i, bad := range [][]string{
		{`[]`, `["id",1,"n","u","s",1,null,"a"]`, `["id","x","n","u","s",1,null,"a","l"]`, `["id",1,"n","u","s","1",null,"a","l"]`, `[1,1,"n","u","s",1,null,"a","l"]`},
		{`{}`, `[["f1",1,2]]`, `[[1,1,2,3,0]]`, `[["f1","x",2,3,0]]`, `[["f1",1,2.5,3,0]]`},
		{`[["k"]]`, `[[1,"v"]]`, `["k"]`},
		{`[["k","v","w"]]`, `[["k",null]]`},
		{`[["x",[]]]`, `[[1]]`, `{}`},
	} {
		for _, part := range bad {
			parts := slices.Clone(valid)
			parts[i] = part
			var r Run
			if _, err := decodeRunDoc(doc(parts), &r); err == nil {
				t.Errorf("part %d = %q decoded without error: %+v", i, part, r)
			}
		}
	}
}
