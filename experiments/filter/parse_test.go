package filter

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseRunFilterCanonical(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"metrics.f1 > 0.8 and params.lr = '0.01' and tags.team LIKE 'nlp%' and attributes.status = 'FINISHED'",
			"metrics.f1 > 0.8 AND params.lr = '0.01' AND tags.team LIKE 'nlp%' AND attributes.status = 'FINISHED'"},
		{"metric.f1 >= -1.5e3", "metrics.f1 >= -1.5e3"},
		{"metrics.f1 < .5", "metrics.f1 < .5"},
		{`parameter.lr != "0.01"`, "params.lr != '0.01'"},
		{"parameters.lr ilike 'a%'", "params.lr ILIKE 'a%'"},
		{"param.x not   in ('a','b')", "params.x NOT IN ('a', 'b')"},
		{"tag.`mlflow.source.name` = 'x'", "tags.`mlflow.source.name` = 'x'"},
		{"tags.mlflow.source.name = 'x'", "tags.`mlflow.source.name` = 'x'"},
		{`tags."my tag" = 'it''s'`, "tags.`my tag` = 'it''s'"},
		{"metrics.`a``b` > 1", "metrics.`a``b` > 1"},
		{"`metrics`.f1 > 1", "metrics.f1 > 1"},
		{"metrics.épsilon > 1", "metrics.épsilon > 1"},
		{"attr.run_id IN ('a')", "attributes.run_id IN ('a')"},
		{"run.created > 5", "attributes.start_time > 5"},
		{"Created > 5", "attributes.start_time > 5"},
		{"`run name` = 'x'", "attributes.run_name = 'x'"},
		{`"Run Name" = 'x'`, "attributes.run_name = 'x'"},
		{"dataset.context = 'train'", "datasets.context = 'train'"},
		{"status = 'x' AND user_id = 'y'", "attributes.status = 'x' AND attributes.user_id = 'y'"},
	} {
		e, err := ParseRunFilter(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := e.String(); got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestParseRunFilterValues(t *testing.T) {
	t.Parallel()
	e, err := ParseRunFilter(`tags.a = 'it''s' and tags.b = "say ""hi""" and params.p = 'C:\data\' and metrics.m > 12 and created > 1700000000123`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Cond{
		{Entity: Tag, Key: "a", Op: Eq, Str: []string{"it's"}, Pos: 0},
		{Entity: Tag, Key: "b", Op: Eq, Str: []string{`say "hi"`}, Pos: 21},
		{Entity: Param, Key: "p", Op: Eq, Str: []string{`C:\data\`}, Pos: 47},
		{Entity: Metric, Key: "m", Op: Gt, Num: &Number{Text: "12", Float: 12, Int: 12, IsInt: true}, Pos: 73},
		{Entity: Attribute, Key: "start_time", Op: Gt, Num: &Number{Text: "1700000000123", Float: 1700000000123, Int: 1700000000123, IsInt: true}, Pos: 92},
	}
	if len(e.Conds) != len(want) {
		t.Fatalf("got %d conditions, want %d", len(e.Conds), len(want))
	}
	for i, w := range want {
		if !condEqual(e.Conds[i], w) || e.Conds[i].Pos != w.Pos {
			t.Errorf("condition %d: got %+v (num %+v), want %+v", i, e.Conds[i], e.Conds[i].Num, w)
		}
	}
}

// condEqual compares everything but Pos.
func condEqual(a, b Cond) bool {
	if a.Entity != b.Entity || a.Key != b.Key || a.Op != b.Op || !slices.Equal(a.Str, b.Str) {
		return false
	}
	if (a.Num == nil) != (b.Num == nil) {
		return false
	}
	return a.Num == nil || *a.Num == *b.Num
}

func TestParseRunFilterErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		pos  int
		want string
	}{
		{"metrics.f1 ~ 0.8", 11, `expected a comparator after metrics.f1, found "~"`},
		{"metrics.f1 > 0.8 and params.lr ~ '1'", 31, `expected a comparator after params.lr, found "~"`},
		{"params.lr = 'abc", 12, "unterminated string"},
		{"tags.`unterminated = 'x'", 5, "unterminated quoted key"},
		{"foo.bar = 'x'", 0, `unknown entity "foo"`},
		{"Metrics.f1 > 1", 0, `unknown entity "Metrics"`},
		{"attributes.color = 'red'", 11, `unknown attribute "color"`},
		{"attributes.lifecycle_stage = 'active'", 11, "run_view_type"},
		{"datasets.size = '1'", 9, `unknown dataset field "size"`},
		{"params.lr > '1'", 10, "params.lr does not support >"},
		{"metrics.f1 LIKE '1%'", 11, "metrics.f1 does not support LIKE"},
		{"metrics.f1 IN ('1')", 11, "does not support IN"},
		{"attributes.start_time LIKE '1%'", 22, "does not support LIKE"},
		{"metrics.f1 > 'high'", 13, `metrics.f1 compares with a number, found 'high'`},
		{"params.lr IN ('a') and params.lr = 0.01", 35, "params.lr compares with a quoted string such as '0.01', found 0.01"},
		{"params.lr = 0.01", 12, "params.lr compares with a quoted string"},
		{"attributes.start_time > 'yesterday'", 24, "compares with a number"},
		{"created > now", 10, `expected a quoted string or a number after created >, found "now"`},
		{"metrics.f1 > 0.8 garbage", 17, `expected AND or the end of the filter, found "garbage"`},
		{"metrics.f1 > 0.8;", 16, `expected AND or the end of the filter, found ";"`},
		{"metrics.f1 > 0.8 and", 20, "expected a condition after AND"},
		{"metrics.f1 > 0.8 and ", 21, "expected a condition after AND"},
		{"metrics.f1 > 0.8 or params.lr = '1'", 17, "OR is not supported"},
		{"metrics.f1 > 0.8 OR params.lr = '1'", 17, "OR is not supported"},
		{"(metrics.f1 > 0.8)", 0, "parentheses are not supported"},
		{"NOT metrics.f1 > 1", 0, "NOT is not supported"},
		{"metrics.f1 > 1abc", 13, "malformed number"},
		{"metrics.f1 > 1.2.3", 13, "malformed number"},
		{"metrics.f1 > -", 13, "malformed number"},
		{"metrics.f1 > 1e", 13, "malformed number"},
		{"metrics.f1 == 1", 11, `"==" is not a comparator, use =`},
		{"metrics.f1 <> 1", 11, `"<>" is not a comparator, use !=`},
		{"metrics.f1 >", 12, "expected a quoted string or a number after metrics.f1 >, found the end of the filter"},
		{"metrics.f1", 10, "expected a comparator after metrics.f1, found the end of the filter"},
		{"tags.x IS NULL", 7, "IS NULL is only supported for experiment tags"},
		{"tags.x IS NOT 1", 14, "expected NULL after IS"},
		{"params.lr NOT LIKE 'a'", 14, "expected IN after NOT"},
		{"metrics. > 1", 8, "expected a key after metrics., found"},
		{"metrics.my-metric > 1", 10, `expected a comparator after metrics.my, found "-"`},
		{"1 = 1", 0, "expected an identifier"},
		{"params.lr IN ()", 13, "empty IN list"},
		{"params.lr IN ( )", 13, "empty IN list"},
		{"params.lr IN ('a', 1)", 19, "IN lists hold quoted strings"},
		{"params.lr IN ('a',)", 18, "IN lists hold quoted strings"},
		{"params.lr IN ('a'", 13, "unterminated IN list"},
		{"params.lr IN ('a' 'b')", 18, "expected , or ) in the IN list"},
		{"params.lr IN 'a'", 13, "IN takes a parenthesized list"},
		{"params.lr = ('a')", 12, "a list is only allowed after IN or NOT IN"},
	} {
		_, err := ParseRunFilter(tc.in)
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("%q: got %v, want an *Error", tc.in, err)
			continue
		}
		if fe.Pos != tc.pos || !strings.Contains(fe.Msg, tc.want) || fe.Input != "filter" {
			t.Errorf("%q: got %v, want position %d and %q", tc.in, err, tc.pos, tc.want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := ParseRunFilter("metrics.f1 > 0.8 and metrics.f1 ~ 0.8")
	const want = `invalid filter at position 32: expected a comparator after metrics.f1, found "~"`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestParseRunOrderBy(t *testing.T) {
	t.Parallel()
	got, err := ParseRunOrderBy([]string{"metrics.f1 DESC", " params.lr ", "Created asc",
		"tags.`mlflow.runName` Desc", "metric.`my metric`", "run_name desc", "attr.run_id"})
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, o := range got {
		s = append(s, o.String())
	}
	want := []string{"metrics.f1 DESC", "params.lr ASC", "attributes.start_time ASC",
		"tags.`mlflow.runName` DESC", "metrics.`my metric` ASC", "attributes.run_name DESC", "attributes.run_id ASC"}
	if !slices.Equal(s, want) {
		t.Errorf("got %q\nwant %q", s, want)
	}
}

func TestParseOrderByErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		exp     bool
		clauses []string
		input   string
		pos     int
		want    string
	}{
		{false, []string{"metrics.f1 DESCENDING"}, "order_by[0]", 11, `expected ASC or DESC after metrics.f1, found "DESCENDING"`},
		{false, []string{"metrics.f1 ASC extra"}, "order_by[0]", 15, `unexpected "extra" after the direction`},
		{false, []string{"metrics.f1", "metrics.f1 DESC"}, "order_by[1]", 0, "metrics.f1 is already ordered on in order_by[0]"},
		{false, []string{"params.a", "created", "attributes.start_time DESC"}, "order_by[2]", 0, "already ordered on in order_by[1]"},
		{false, []string{"datasets.name"}, "order_by[0]", 0, "runs cannot be ordered by dataset fields"},
		{false, []string{""}, "order_by[0]", 0, "empty order_by clause"},
		{false, []string{"metrics.f1", "  "}, "order_by[1]", 2, "empty order_by clause"},
		{false, []string{"attributes.`run name`"}, "order_by[0]", 11, `unknown attribute "run name"`},
		{false, []string{"lifecycle_stage"}, "order_by[0]", 0, "run_view_type"},
		{false, []string{"metrics.f1 > 1"}, "order_by[0]", 11, `expected ASC or DESC after metrics.f1, found ">"`},
		{true, []string{"tags.x"}, "order_by[0]", 0, "experiments can only be ordered by"},
		{true, []string{"name DESC", "bad"}, "order_by[1]", 0, `unknown attribute "bad"`},
		{true, []string{"metrics.x"}, "order_by[0]", 0, `unknown entity "metrics"`},
	} {
		var err error
		if tc.exp {
			_, err = ParseExperimentOrderBy(tc.clauses)
		} else {
			_, err = ParseRunOrderBy(tc.clauses)
		}
		var fe *Error
		if !errors.As(err, &fe) || fe.Input != tc.input || fe.Pos != tc.pos || !strings.Contains(fe.Msg, tc.want) {
			t.Errorf("%q: got %v, want %s at %d: %q", tc.clauses, err, tc.input, tc.pos, tc.want)
		}
	}
}
