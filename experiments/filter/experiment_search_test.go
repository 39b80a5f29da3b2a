package filter

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestExperimentSearchResults(t *testing.T) {
	t.Parallel()
	db := openFixture(t)
	// Experiments: 0 Default (0, 0), 1 nlp-search (100, 500), 2 NLP-core
	// (200, 300), 3 vision_bulk (200, 900), 4 "50%[off]" (50, 50).
	for _, tc := range []struct {
		filter string
		order  []string
		want   string
	}{
		{"", nil, "2 3 1 4 0"},
		{"name LIKE 'nlp%'", nil, "1"},
		{"attributes.name ILIKE 'nlp%'", nil, "2 1"},
		{"name = '50%[off]'", nil, "4"},
		{"name LIKE '%[%'", nil, "4"},
		{"name != 'Default'", nil, "2 3 1 4"},
		{"tags.team = 'nlp'", nil, "1"},
		{"tags.team != 'nlp'", nil, "2 4"},
		{"tags.team ILIKE 'NLP%'", nil, "2 1 4"},
		{"tags.team LIKE 'nlp-50%'", nil, "4"},
		{"tags.owner LIKE 'a_b'", nil, "2"},
		{"tags.owner IS NULL", nil, "3 4 0"},
		{"tags.owner is not null", nil, "2 1"},
		{"creation_time >= 100 and last_update_time < 600", nil, "2 1"},
		{"attribute.creation_time = 200", nil, "2 3"},
		{"tag.team IS NOT NULL and attr.last_update_time > 100", nil, "2 1"},
		{"", []string{"name"}, "4 0 2 1 3"},
		{"", []string{"creation_time ASC"}, "0 4 1 3 2"},
		{"", []string{"last_update_time DESC", "experiment_id ASC"}, "3 1 2 4 0"},
		{"", []string{"experiment_id DESC"}, "4 3 2 1 0"},
		{"tags.team IS NOT NULL", []string{"attributes.name DESC"}, "1 2 4"},
	} {
		e, err := ParseExperimentFilter(tc.filter)
		if err != nil {
			t.Errorf("%q: %v", tc.filter, err)
			continue
		}
		o, err := ParseExperimentOrderBy(tc.order)
		if err != nil {
			t.Errorf("%q: %v", tc.order, err)
			continue
		}
		q, err := BuildExperimentQuery(e, o)
		if err != nil {
			t.Fatal(err)
		}
		stmt, args := q.Select("e.experiment_id", "e.lifecycle_stage = ?", "active")
		got, err := queryStrings(db.Read, stmt, args...)
		if err != nil {
			t.Errorf("%q: %v", tc.filter, err)
			continue
		}
		if want := strings.Fields(tc.want); !slices.Equal(got, want) {
			t.Errorf("%q %q:\n got %v\nwant %v", tc.filter, tc.order, got, want)
		}
	}
}

func TestParseExperimentFilterErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		pos  int
		want string
	}{
		{"name IN ('a')", 5, "name does not support IN"},
		{"tags.x IN ('a')", 7, "tags.x does not support IN"},
		{"metrics.x > 1", 0, `unknown entity "metrics"`},
		{"attributes.experiment_id = 1", 11, `unknown attribute "experiment_id"`},
		{"status = 'x'", 0, `unknown attribute "status"`},
		{"creation_time > 'x'", 16, "creation_time compares with a number"},
		{"name = 1", 7, "name compares with a quoted string"},
		{"name IS NULL", 5, "IS NULL is only supported for experiment tags"},
		{"creation_time LIKE '1%'", 14, "does not support LIKE"},
		{"name = 'a' or name = 'b'", 11, "OR is not supported"},
	} {
		_, err := ParseExperimentFilter(tc.in)
		var fe *Error
		if !errors.As(err, &fe) || fe.Pos != tc.pos || !strings.Contains(fe.Msg, tc.want) {
			t.Errorf("%q: got %v, want position %d and %q", tc.in, err, tc.pos, tc.want)
		}
	}
}

// TestBuildRefusesOtherSearch keeps a runs filter out of the experiments
// query and the reverse.
func TestBuildRefusesOtherSearch(t *testing.T) {
	t.Parallel()
	runs, err := ParseRunFilter("attributes.status = 'x'")
	if err != nil {
		t.Fatal(err)
	}
	exps, err := ParseExperimentFilter("name = 'x'")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BuildExperimentQuery(runs, nil); err == nil {
		t.Error("runs filter accepted by BuildExperimentQuery")
	}
	if _, err := BuildRunQuery(exps, nil); err == nil {
		t.Error("experiments filter accepted by BuildRunQuery")
	}
	if _, err := BuildRunQuery(nil, []Order{{Entity: Dataset, Key: "name"}}); err == nil {
		t.Error("order by dataset accepted by BuildRunQuery")
	}
}
