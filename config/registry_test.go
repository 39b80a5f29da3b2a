package config

import (
	"slices"
	"strings"
	"testing"
)

func TestRegistryApprovals(t *testing.T) {
	yml := "registry:\n  approvals:\n    \"*\":\n      aliases: [production]\n    churn:\n      aliases: [production, alpha]\n"
	l, err := Parse("paddock.yaml", []byte(yml), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	p := l.Registry.Policies()
	if !slices.Equal(p["*"], []string{"production"}) || !slices.Equal(p["churn"], []string{"production", "alpha"}) || len(p) != 2 {
		t.Fatalf("policies %v", p)
	}
}

// Bad names are reported at their key and line, with the registry's own
// rules.
func TestRegistryApprovalErrors(t *testing.T) {
	cases := []struct{ yml, want string }{
		{"registry:\n  approvals:\n    churn:\n      aliases: [production, latest]\n",
			`paddock.yaml:4: registry.approvals.churn.aliases[1]: 'latest' alias name (case insensitive) is reserved.`},
		{"registry:\n  approvals:\n    churn:\n      aliases: [\"two words\"]\n",
			`paddock.yaml:4: registry.approvals.churn.aliases[0]: Invalid alias name: 'two words'`},
		{"registry:\n  approvals:\n    a/b:\n      aliases: [production]\n",
			`paddock.yaml:4: registry.approvals.a/b: invalid model name`},
		{"registry:\n  approvals:\n    churn:\n      alias: [production]\n",
			`paddock.yaml:4: registry.approvals.churn.alias: unknown key (did you mean "aliases"?)`},
		{"registry:\n  approvals: [production]\n",
			`paddock.yaml:2: registry.approvals: expected a mapping, found a list`},
	}
	for _, tc := range cases {
		_, err := Parse("paddock.yaml", []byte(tc.yml), noEnv)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.yml, err, tc.want)
		}
	}
}
