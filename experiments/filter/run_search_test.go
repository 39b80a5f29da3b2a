package filter

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// defaultOrder is experiment 1 by start_time DESC (run06 has none, so it
// comes last), ties (run05, run07 at 1050) broken by run_id.
const defaultOrder = "run09 run08 run05 run07 run04 run03 run02 run01 run06"

func TestRunFilterResults(t *testing.T) {
	t.Parallel()
	db := openFixture(t)
	for _, tc := range []struct{ filter, want string }{
		{"", defaultOrder},
		{"   ", defaultOrder},
		// Metrics: NaN (run03) satisfies only !=; +Inf (run08) is a number.
		{"metrics.f1 > 0.8", "run08 run07 run02 run01"},
		{"metrics.f1 != 0.91", "run09 run08 run04 run03 run02 run06"},
		{"metrics.f1 = 0", "run09"},
		{"metrics.f1 < 0.6", "run09 run04"},
		{"metrics.f1 >= 1e308", "run08"},
		{"metric.f1 <= -1", ""},
		{`metrics."my metric" = 3`, "run04"},
		{"metrics.`my metric` >= 3", "run04"},
		{"metrics.f1 > 0.95", "run08"}, // run10 is in experiment 2
		// Params and tags: = is exact, LIKE case-sensitive, ILIKE not.
		{"params.lr = '0.01'", "run09 run07 run03 run01"},
		{`params.lr = "0.01" and metrics.f1 > 0.8`, "run07 run01"},
		{"params.lr != '0.01'", "run04 run02"},
		{"params.model LIKE 'BERT%'", "run07 run01"},
		{"params.model LIKE 'b%'", "run02"},
		{"params.model ILIKE 'bert%'", "run07 run02 run01"},
		{"params.model not in ('BERT')", "run05 run02"},
		{"tags.team LIKE 'nlp%'", "run09 run07 run04 run01"},
		{"tags.team ILIKE 'NLP%'", "run09 run07 run04 run02 run01"},
		{"tags.team IN ('nlp', 'vision')", "run05 run07 run04 run03"},
		{"tags.team NOT IN ('nlp', 'vision')", "run09 run02 run01"},
		{"tags.`mlflow.source.name` = 'train.py'", "run02 run01"},
		{`tags."mlflow.source.name" = 'train.py'`, "run02 run01"},
		{"tags.mlflow.source.name = 'train.py'", "run02 run01"},
		// LIKE metacharacters stay wildcards; GLOB's stay literal.
		{"tags.note LIKE '50%[%'", "run03"},
		{"tags.note LIKE '50_off'", "run04"},
		{"tags.note LIKE 'a_b'", "run08 run06"},
		{"tags.note = 'a_b'", "run06"},
		{"tags.note LIKE '%]'", "run03"},
		{"tags.note LIKE '*%'", ""},
		{"tags.note LIKE '50?off'", ""},
		{"tags.note ILIKE '50%[OFF]'", "run03"},
		// Attributes.
		{"attributes.status = 'FINISHED'", "run09 run05 run07 run02 run01"},
		{"status IN ('FAILED', 'KILLED')", "run03 run06"},
		{"attributes.status NOT IN ('FINISHED')", "run08 run04 run03 run06"},
		{"attributes.status = 'finished'", ""},
		{"attributes.run_name = 'bert base'", "run09"},
		{`"Run Name" LIKE 'bert%'`, "run09 run07 run01"},
		{"run_name LIKE 'gpt_small'", "run04 run03"},
		{"attributes.run_name = ''", "run08"},
		{"attributes.run_id IN ('run01', 'run05', 'run10')", "run05 run01"},
		{"run.run_id != 'run01' and attr.user_id = 'alice'", "run03 run06"},
		{"attributes.start_time >= 1050", "run09 run08 run05 run07"},
		{"created < 1030", "run02 run01"},
		{"Created <= 1020.5", "run02 run01"},
		{"attributes.end_time > 1950", "run09 run07 run02 run01"},
		{"attributes.end_time != 2000", "run09 run05 run02 run01"},
		{"attributes.artifact_uri = 's3://bucket/run04'", "run04"},
		// Datasets: some input of the run must match.
		{"datasets.name = 'squad'", "run09 run07 run02 run01"},
		{"datasets.digest IN ('d2', 'd9')", "run05 run07"},
		{"datasets.context = 'train'", "run05 run01"},
		{"datasets.context != 'train'", "run05 run02"},
		{"datasets.context ILIKE 'TR%'", "run05 run01"},
		{"datasets.context NOT IN ('eval')", "run05 run01"},
		{"dataset.name LIKE 'imagenet%' and datasets.context = 'eval'", "run05"},
		{"datasets.name = 'squad' and datasets.digest = 'd1'", "run09 run02 run01"},
		// Keywords in any case, any whitespace.
		{"metrics.f1 > 0.8 AnD params.model like 'BERT%'", "run07 run01"},
		{"  metrics.f1>0.8\tand\nparams.lr='0.01'  ", "run07 run01"},
	} {
		got, err := searchRuns(t, db, 1, tc.filter)
		if err != nil {
			t.Errorf("%q: %v", tc.filter, err)
			continue
		}
		if want := strings.Fields(tc.want); !slices.Equal(got, want) {
			t.Errorf("%q:\n got %v\nwant %v", tc.filter, got, want)
		}
	}
}

func TestRunOrderResults(t *testing.T) {
	t.Parallel()
	db := openFixture(t)
	for _, tc := range []struct {
		exp    int
		filter string
		order  []string
		want   string
	}{
		// Real values, then NaN (run03), then missing (run05), both ways;
		// run07 and run01 tie on 0.91 and fall back to start_time DESC.
		{1, "", []string{"metrics.f1 DESC"}, "run08 run07 run01 run02 run06 run04 run09 run03 run05"},
		{1, "", []string{"metrics.f1 ASC"}, "run09 run04 run06 run02 run07 run01 run08 run03 run05"},
		{1, "", []string{"metrics.f1"}, "run09 run04 run06 run02 run07 run01 run08 run03 run05"},
		{1, "", []string{"metrics.`my metric` DESC"}, "run04 run09 run08 run05 run07 run03 run02 run01 run06"},
		{1, "", []string{"params.lr DESC"}, "run04 run09 run07 run03 run01 run02 run08 run05 run06"},
		{1, "", []string{"params.lr asc"}, "run02 run09 run07 run03 run01 run04 run08 run05 run06"},
		// Ordering on start_time drops the start_time tie-breaker: run05
		// and run07 tie and fall to run_id.
		{1, "", []string{"attributes.start_time ASC"}, "run01 run02 run03 run04 run05 run07 run08 run09 run06"},
		{1, "", []string{"created DESC"}, defaultOrder},
		{1, "", []string{"attributes.end_time DESC"}, "run09 run02 run01 run07 run05 run08 run04 run03 run06"},
		{1, "", []string{"attributes.end_time ASC"}, "run05 run07 run01 run02 run09 run08 run04 run03 run06"},
		{1, "", []string{"tags.team", "metrics.f1 DESC"}, "run02 run07 run04 run01 run09 run03 run05 run08 run06"},
		{1, "", []string{"attributes.run_name"}, "run08 run02 run09 run01 run07 run04 run03 run05 run06"},
		{1, "", []string{"run_id DESC"}, "run09 run08 run07 run06 run05 run04 run03 run02 run01"},
		{1, "params.lr = '0.01'", []string{"metrics.f1 DESC"}, "run07 run01 run09 run03"},
		{1, "metrics.f1 > 0.8", []string{"metrics.f1 DESC", "params.lr"}, "run08 run07 run01 run02"},
		// Experiment 3: score = i%5, bulk07 and bulk14 missing, bulk13 NaN.
		{3, "", []string{"metrics.score DESC"},
			"bulk19 bulk09 bulk04 bulk18 bulk08 bulk03 bulk17 bulk12 bulk02 bulk16 bulk11 bulk06 bulk01 bulk20 bulk15 bulk10 bulk05 bulk13 bulk14 bulk07"},
		{3, "", []string{"metrics.score ASC"},
			"bulk20 bulk15 bulk10 bulk05 bulk16 bulk11 bulk06 bulk01 bulk17 bulk12 bulk02 bulk18 bulk08 bulk03 bulk19 bulk09 bulk04 bulk13 bulk14 bulk07"},
		{3, "params.fold IN ('0', '2')", []string{"metrics.score DESC"},
			"bulk09 bulk18 bulk08 bulk03 bulk17 bulk12 bulk02 bulk11 bulk06 bulk20 bulk15 bulk05 bulk14"},
	} {
		got, err := searchRuns(t, db, tc.exp, tc.filter, tc.order...)
		if err != nil {
			t.Errorf("%q %q: %v", tc.filter, tc.order, err)
			continue
		}
		if want := strings.Fields(tc.want); !slices.Equal(got, want) {
			t.Errorf("%q %q:\n got %v\nwant %v", tc.filter, tc.order, got, want)
		}
	}
}

// TestManyConditions goes past the join budget (the rest become IN
// subqueries) and orders on the most clauses allowed, under SQLite's
// 64-table join limit.
func TestManyConditions(t *testing.T) {
	t.Parallel()
	db := openFixture(t)
	conds := make([]string, 40)
	for i := range conds {
		conds[i] = "metrics.score >= 0"
	}
	conds[35] = "params.fold != '1'"
	order := []string{"metrics.score DESC"}
	for i := len(order); i < maxOrderClauses; i++ {
		order = append(order, "tags.t"+strings.Repeat("x", i))
	}
	got, err := searchRuns(t, db, 3, strings.Join(conds, " and "), order...)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Fields("bulk09 bulk18 bulk08 bulk03 bulk17 bulk12 bulk02 bulk11 bulk06 bulk20 bulk15 bulk05")
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if _, err := ParseRunOrderBy(append(order, "tags.one_too_many")); err == nil {
		t.Error("order_by past the limit accepted")
	}
}

// TestFilterLimits runs a filter at the size limits (SQLite must still
// take the SQL) and checks that one condition or value more is refused
// as a parse error.
func TestFilterLimits(t *testing.T) {
	t.Parallel()
	db := openFixture(t)
	filler := strings.Repeat("'v', ", 49)
	conds := make([]string, 0, maxConds)
	for i := 0; i < maxConds/2; i++ {
		conds = append(conds, "attributes.run_id IN ("+filler+"'run01')", "params.lr IN ("+filler+"'0.01')")
	}
	filter := strings.Join(conds, " and ")
	got, err := searchRuns(t, db, 1, filter, "metrics.f1 DESC")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"run01"}) {
		t.Errorf("got %v, want [run01]", got)
	}
	var fe *Error
	if _, err := ParseRunFilter(filter + " and status = 'x'"); !errors.As(err, &fe) || fe.Pos != len(filter)+5 {
		t.Errorf("one condition too many: got %v", err)
	}
	oneMore := strings.Replace(filter, "('v', ", "('v', 'v', ", 1)
	if _, err := ParseRunFilter(oneMore); !errors.As(err, &fe) || !strings.Contains(fe.Msg, "at most 10000 values") {
		t.Errorf("one value too many: got %v", err)
	}
}
