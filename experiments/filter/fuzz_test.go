package filter

import (
	"errors"
	"strings"
	"testing"
)

var filterSeeds = []string{
	"",
	"metrics.f1 > 0.8 and params.lr = '0.01' and tags.team LIKE 'nlp%' and attributes.status = 'FINISHED'",
	"tags.`mlflow.source.name` = 'x' and metrics.\"my metric\" <= -1e-3",
	"tags.mlflow.source.name = 'train.py'",
	"attributes.run_id IN ('a', \"b\") and status NOT IN ('FAILED')",
	"datasets.context = 'train' and dataset.name ILIKE 'SQ%' and datasets.digest IN ('d1')",
	"created >= 1700000000000 and attr.end_time != 5",
	"`Run Name` LIKE '50%[_]' and run.user_id != ''",
	"tags.x = 'it''s' and tags.y = \"say \"\"hi\"\"\"",
	"metrics.f1 > 0.8 or params.lr = '1'",
	"metrics.f1 ~ 0.8",
	"params.lr IN ()",
	"tags.x IS NOT NULL",
	"(metrics.a > 1)",
	"metrics.é > 1 AND metrics.`a``b` = +.5e+3",
}

// FuzzParseRunFilter: any input either parses, renders to a canonical
// form that parses back to the same conditions and builds SQL that
// SQLite runs, or fails with an *Error pointing inside the input.
func FuzzParseRunFilter(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add(s)
	}
	db := openFixture(f)
	f.Fuzz(func(t *testing.T, filter string) {
		e, err := ParseRunFilter(filter)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.Pos < 0 || fe.Pos > len(filter) || fe.Msg == "" {
				t.Fatalf("%q: bad error %#v", filter, err)
			}
			return
		}
		again, err := ParseRunFilter(e.String())
		if err != nil || len(again.Conds) != len(e.Conds) {
			t.Fatalf("%q: canonical form %q does not parse back: %v", filter, e.String(), err)
		}
		for i := range e.Conds {
			if !condEqual(e.Conds[i], again.Conds[i]) {
				t.Fatalf("%q: condition %d changed through %q", filter, i, e.String())
			}
		}
		q, err := BuildRunQuery(e, []Order{{Entity: Metric, Key: "f1", Desc: true}})
		if err != nil {
			t.Fatalf("%q: %v", filter, err)
		}
		stmt, args := q.Select("r.run_uuid", "r.experiment_id = ?", 1)
		if _, err := queryStrings(db.Read, stmt+" LIMIT 3", args...); err != nil {
			t.Fatalf("%q: %v", filter, err)
		}
	})
}

// FuzzParseRunOrderBy: any clause parses and builds SQL that SQLite
// runs, or fails with an *Error pointing inside it.
func FuzzParseRunOrderBy(f *testing.F) {
	for _, s := range []string{"metrics.f1 DESC", "params.`a b` asc", "created", "tags.x.y DESC", "run_name desc x"} {
		f.Add(s)
	}
	db := openFixture(f)
	f.Fuzz(func(t *testing.T, clause string) {
		o, err := ParseRunOrderBy(strings.Split(clause, "|"))
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.Pos < 0 || fe.Pos > len(clause) {
				t.Fatalf("%q: bad error %#v", clause, err)
			}
			return
		}
		q, err := BuildRunQuery(nil, o)
		if err != nil {
			t.Fatalf("%q: %v", clause, err)
		}
		stmt, args := q.Select("r.run_uuid", "")
		if _, err := queryStrings(db.Read, stmt+" LIMIT 3", args...); err != nil {
			t.Fatalf("%q: %v", clause, err)
		}
	})
}

// FuzzParseExperimentFilter: the same contract for experiments/search.
func FuzzParseExperimentFilter(f *testing.F) {
	for _, s := range []string{"", "name LIKE 'nlp%' and tags.team IS NOT NULL", "creation_time >= 5 AND tags.`a b` != 'x'",
		"attributes.last_update_time < 1e3 and tag.x is null", "name in ('a')"} {
		f.Add(s)
	}
	db := openFixture(f)
	f.Fuzz(func(t *testing.T, filter string) {
		e, err := ParseExperimentFilter(filter)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.Pos < 0 || fe.Pos > len(filter) || fe.Msg == "" {
				t.Fatalf("%q: bad error %#v", filter, err)
			}
			return
		}
		again, err := ParseExperimentFilter(e.String())
		if err != nil || again.String() != e.String() {
			t.Fatalf("%q: canonical form %q does not parse back: %v", filter, e.String(), err)
		}
		q, err := BuildExperimentQuery(e, nil)
		if err != nil {
			t.Fatalf("%q: %v", filter, err)
		}
		stmt, args := q.Select("e.experiment_id", "")
		if _, err := queryStrings(db.Read, stmt+" LIMIT 3", args...); err != nil {
			t.Fatalf("%q: %v", filter, err)
		}
	})
}
