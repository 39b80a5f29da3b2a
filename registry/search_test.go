package registry

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paddockml/paddock/errs"
)

func TestSearchModelsAndVersions(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	tr := e.trainRun()
	for i, name := range []string{"churn", "Churn-EU", "fraud", "fraud_v2"} {
		if _, err := e.reg.CreateModel(ctx, editor, name, "", []Tag{{Key: "team", Value: []string{"growth", "risk"}[i/2]}}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		e.register("churn", tr)
	}
	if _, err := e.reg.CreateVersion(ctx, editor, CreateVersionRequest{Model: "fraud", Source: "s3://b/fraud", RunID: "abc", RunLink: "x",
		Tags: []Tag{{Key: "stage.gate", Value: "passed"}}}); err != nil {
		t.Fatal(err)
	}
	models := func(filter string, order ...string) []string {
		t.Helper()
		page, err := e.reg.SearchModels(ctx, Search{Filter: filter, OrderBy: order})
		if err != nil {
			t.Fatalf("%q: %v", filter, err)
		}
		var out []string
		for _, m := range page.Models {
			out = append(out, m.Name)
		}
		return out
	}
	modelCases := []struct {
		filter string
		order  []string
		want   []string
	}{
		{"", nil, []string{"Churn-EU", "churn", "fraud", "fraud_v2"}},
		{"name = 'churn'", nil, []string{"churn"}},
		{"name LIKE 'churn%'", nil, []string{"churn"}},
		{"name ILIKE 'churn%'", nil, []string{"Churn-EU", "churn"}},
		{"name LIKE 'fraud_v_'", nil, []string{"fraud_v2"}},
		{"name != 'fraud' AND tags.team = 'risk'", nil, []string{"fraud_v2"}},
		{"tags.`team` LIKE 'gr%'", []string{"name DESC"}, []string{"churn", "Churn-EU"}},
		{"attributes.name = \"fraud\"", nil, []string{"fraud"}},
		{"", []string{"last_updated_timestamp DESC"}, []string{"fraud", "churn", "fraud_v2", "Churn-EU"}},
	}
	for _, tc := range modelCases {
		if got := models(tc.filter, tc.order...); !slices.Equal(got, tc.want) {
			t.Errorf("models %q %v: %v, want %v", tc.filter, tc.order, got, tc.want)
		}
	}
	// Search results carry the latest versions, as MLflow's do.
	page, _ := e.reg.SearchModels(ctx, Search{Filter: "name = 'churn'"})
	if len(page.Models[0].LatestVersions) != 1 || page.Models[0].LatestVersions[0].Version != 2 {
		t.Errorf("latest versions %+v", page.Models[0].LatestVersions)
	}

	versions := func(filter string, order ...string) []string {
		t.Helper()
		page, err := e.reg.SearchVersions(ctx, Search{Filter: filter, OrderBy: order})
		if err != nil {
			t.Fatalf("%q: %v", filter, err)
		}
		var out []string
		for _, v := range page.Versions {
			out = append(out, fmt.Sprintf("%s/%d", v.Model, v.Version))
		}
		return out
	}
	versionCases := []struct {
		filter string
		order  []string
		want   []string
	}{
		{"", nil, []string{"fraud/1", "churn/2", "churn/1"}},
		{"name = 'churn'", []string{"version_number ASC"}, []string{"churn/1", "churn/2"}},
		{"name='churn' and version_number >= 2", nil, []string{"churn/2"}},
		{"run_id = '" + tr.ID + "'", []string{"version_number"}, []string{"churn/1", "churn/2"}},
		{"run_id IN ('abc', 'zzz')", nil, []string{"fraud/1"}},
		{"source_path LIKE 's3://%'", nil, []string{"fraud/1"}},
		{"tags.`stage.gate` = 'passed'", nil, []string{"fraud/1"}},
		{"tags.stage.gate = 'passed'", nil, []string{"fraud/1"}},
	}
	for _, tc := range versionCases {
		if got := versions(tc.filter, tc.order...); !slices.Equal(got, tc.want) {
			t.Errorf("versions %q %v: %v, want %v", tc.filter, tc.order, got, tc.want)
		}
	}

	// Pages cover everything once.
	var seen []string
	tok := ""
	for {
		page, err := e.reg.SearchModels(ctx, Search{MaxResults: 3, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Models {
			seen = append(seen, m.Name)
		}
		if tok = page.NextPageToken; tok == "" {
			break
		}
	}
	if len(seen) != 4 {
		t.Errorf("paged %v", seen)
	}

	for _, bad := range []Search{
		{Filter: "owner = 'x'"}, {Filter: "name = 1"}, {Filter: "name > 'a'"}, {Filter: "name = 'a' AND"},
		{Filter: "name = 'a' OR name = 'b'"}, {Filter: "tags.x = 'unterminated"}, {Filter: "name IN ('a')"},
		{OrderBy: []string{"owner"}}, {OrderBy: []string{"name UP"}}, {OrderBy: []string{"name", "name DESC"}},
		{MaxResults: MaxModelResults + 1}, {PageToken: "%%%"},
	} {
		if _, err := e.reg.SearchModels(ctx, bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("%+v: err = %v, want invalid_argument", bad, err)
		}
	}
	for _, bad := range []string{"version_number = 'x'", "version_number LIKE 1", "source_path IN ('a')", "run_id NOT"} {
		if _, err := e.reg.SearchVersions(ctx, Search{Filter: bad}); !errs.Is(err, errs.Invalid) {
			t.Errorf("%q: err = %v, want invalid_argument", bad, err)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "name = 'a'", "name LIKE 'a%' AND tags.`x y` != \"z\"", "run_id IN ('a', 'b')",
		"version_number >= 3", "tags.a.b = 'it''s'", "attr.name ILIKE '%x'", "run_id NOT IN ('a')", "name = 'a' and"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		conds, err := parseFilter(s, versionFields)
		if err != nil {
			if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "Invalid filter") {
				t.Fatalf("%q: error %v is not an invalid_argument naming the filter", s, err)
			}
			return
		}
		// Whatever parses builds SQL whose placeholders match its arguments.
		where, args := whereSQL(conds, "m", "v")
		if strings.Count(where, "?") != len(args) {
			t.Fatalf("%q: %d placeholders for %d args in %s", s, strings.Count(where, "?"), len(args), where)
		}
		for _, c := range conds {
			if _, ok := versionFields[c.field]; !ok {
				t.Fatalf("%q: unknown field %q accepted", s, c.field)
			}
		}
	})
}
