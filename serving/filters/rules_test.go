package filters

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/paddockml/paddock/errs"
)

// The rules of seed 000's email-intent classifier, as an operator would
// write them.
const emailRules = `
rules:
  - name: out-of-office
    field: body
    regex: '(?i)\b(out of (the )?office|on vacation)\b'
    output: {label: out_of_office, probabilities: {out_of_office: 1.0, other: 0.0}}
  - name: no-body
    field: body
    empty: true
    output: {label: empty}
  - name: internal-sender
    field: sender_domain
    equals: paddock.dev
    output: {label: internal}
  - name: priority-one
    field: priority
    equals: 1
    output: {label: urgent}
  - name: catch-vacation-subject
    field: subject
    regex: vacation
    output: {label: out_of_office_subject}
`

func compileYAML(t *testing.T, text string) *RuleSet {
	t.Helper()
	var c Config
	if err := yaml.Unmarshal([]byte(text), &c); err != nil {
		t.Fatal(err)
	}
	s, err := Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func row(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRulesMatchFirstInOrder(t *testing.T) {
	s := compileYAML(t, emailRules)
	cases := []struct {
		row  string
		rule string // "" for no match
	}{
		{`{"body":"Hi, I am Out of the Office until Monday"}`, "out-of-office"},
		{`{"body":"on vacation", "subject":"vacation"}`, "out-of-office"}, // both match: the first wins
		{`{"body":"see attached", "subject":"vacation plans"}`, "catch-vacation-subject"},
		{`{"subject":"hello"}`, "no-body"},
		{`{"body":null}`, "no-body"},
		{`{"body":"  \n\t"}`, "no-body"},
		{`{"body":[]}`, "no-body"},
		{`{"body":"please review", "sender_domain":"paddock.dev"}`, "internal-sender"},
		{`{"body":"please review", "sender_domain":"Paddock.dev"}`, ""},
		{`{"body":"please review", "priority":1.0}`, "priority-one"},
		{`{"body":"please review", "priority":1e0}`, "priority-one"},
		{`{"body":"please review", "priority":"1"}`, ""}, // a string is not the number 1
		{`{"body":"please review", "priority":2}`, ""},
		{`{"body":42}`, ""}, // a regex never matches a non-string
		{`{"body":"officer on duty"}`, ""},
	}
	for _, c := range cases {
		m, ok := s.Match(row(t, c.row))
		if got := map[bool]string{true: m.Name}[ok]; got != c.rule {
			t.Errorf("%s matched %q, want %q", c.row, got, c.rule)
		}
	}
	m, _ := s.Match(row(t, `{"body":"out of office"}`))
	if m.Index != 0 || string(m.OutputJSON) != `{"label":"out_of_office","probabilities":{"other":0,"out_of_office":1}}` ||
		m.Output["label"] != "out_of_office" {
		t.Fatalf("match %+v (output %s)", m, m.OutputJSON)
	}
}

func TestNilRuleSetMatchesNothing(t *testing.T) {
	var s *RuleSet
	if _, ok := s.Match(map[string]any{"body": ""}); ok || s.Len() != 0 {
		t.Fatal("nil rule set matched")
	}
}

// Every problem is reported at once, each at its key and with the rule's
// name, as the configuration loader will show them.
func TestRulesValidation(t *testing.T) {
	const bad = `
rules:
  - name: ooo
    field: body
    regex: '(out of office'
    output: {label: out_of_office}
  - name: ooo
    field: ""
    output: {label: x}
  - field: subject
    regex: x
    empty: true
  - name: since-date
    field: day
    equals: 2024-01-01
    output: {label: x, score: .inf}
`
	var c Config
	if err := yaml.Unmarshal([]byte(bad), &c); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, err := range c.Validate() {
		got = append(got, err.Error())
	}
	want := []string{
		`rules[0].regex: rule "ooo": error parsing regexp: missing closing ): ` + "`(out of office`",
		`rules[1].name: rule "ooo": also the name of rules[0]`,
		`rules[1].field: rule "ooo": required`,
		`rules[1]: rule "ooo": set exactly one of regex, equals or empty (got none)`,
		`rules[2].name: required`,
		`rules[2]: set exactly one of regex, equals or empty (got regex and empty)`,
		`rules[2].output: required`,
		`rules[3].equals: rule "since-date": 2024-01-01T00:00:00Z is a YAML timestamp: quote it to compare a string`,
		`rules[3].output: rule "since-date": not representable as JSON: json: unsupported value: +Inf`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := Compile(c); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "missing closing )") {
		t.Fatalf("Compile = %v, want an invalid-argument error listing the problems", err)
	}
	if probs := (Config{}).Validate(); len(probs) != 0 {
		t.Fatalf("empty config: %v", probs)
	}
}

// YAML maps with number keys become JSON objects with string keys, in
// outputs (class-indexed probabilities) and in equals values.
func TestRulesAcceptYAMLNumberKeys(t *testing.T) {
	s := compileYAML(t, `
rules:
  - name: by-class
    field: tags
    equals: {1: a, true: b}
    output: {probabilities: {0: 0.1, 1: 0.9}}
`)
	m, ok := s.Match(row(t, `{"tags":{"true":"b","1":"a"}}`))
	if !ok || string(m.OutputJSON) != `{"probabilities":{"0":0.1,"1":0.9}}` {
		t.Fatalf("match %v, output %s", ok, m.OutputJSON)
	}
}

// A value that is not JSON, built in Go, is refused by key and name.
func TestRulesValidationRejectsNonJSONValues(t *testing.T) {
	c := Config{Rules: []Rule{
		{Name: "r", Field: "f", Equals: map[any]any{struct{}{}: 2}, Output: map[string]any{"a": 1}},
		{Name: "s", Field: "f", Equals: make(chan int), Output: map[string]any{"a": make(chan int)}},
	}}
	var got []string
	for _, err := range c.Validate() {
		got = append(got, err.Error())
	}
	want := []string{
		`rules[0].equals: rule "r": map key {} (a struct {}) cannot be a JSON object key`,
		`rules[1].equals: rule "s": a chan int is not a JSON value`,
		`rules[1].output: rule "s": not representable as JSON: json: unsupported type: chan int`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Arbitrary rules and rows never make Match panic; an equals rule built
// from a row's own value matches that row, and so does a regex quoting
// a string value.
func FuzzRuleMatch(f *testing.F) {
	f.Add("body", `(?i)office`, []byte(`{"body":"Out of office"}`))
	f.Add("n", `^1$`, []byte(`{"n":1.0,"m":[1,{"a":null}]}`))
	f.Add("", `\b`, []byte(`{"":""}`))
	f.Fuzz(func(t *testing.T, field, regex string, rowJSON []byte) {
		dec := json.NewDecoder(bytes.NewReader(rowJSON))
		dec.UseNumber()
		var r map[string]any
		if dec.Decode(&r) != nil {
			return
		}
		out := map[string]any{"label": "x"}
		rules := []Rule{{Name: "regex", Field: field, Regex: regex, Output: out}, {Name: "empty", Field: field, Empty: true, Output: out}}
		if v := r[field]; v != nil {
			rules = append(rules, Rule{Name: "equals", Field: field, Equals: v, Output: out})
		}
		if s, err := Compile(Config{Rules: rules}); err == nil {
			s.Match(r)
		}
		v, ok := r[field]
		if !ok || v == nil || field == "" {
			return
		}
		self := []Rule{{Name: "self", Field: field, Equals: v, Output: out}}
		if str, isStr := v.(string); isStr {
			self = append(self, Rule{Name: "quoted", Field: field, Regex: "^" + regexp.QuoteMeta(str) + "$", Output: out})
		}
		for _, rule := range self {
			s, err := Compile(Config{Rules: []Rule{rule}})
			if err != nil {
				if _, digestErr := CanonicalDigest(v); digestErr == nil {
					t.Fatalf("rule from the row's own value refused: %v", err)
				}
				continue
			}
			if _, matched := s.Match(r); !matched {
				t.Fatalf("%s rule built from %q does not match it", rule.Name, rowJSON)
			}
		}
	})
}
