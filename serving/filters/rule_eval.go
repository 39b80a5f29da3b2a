package filters

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	"github.com/paddockml/paddock/errs"
)

// RuleSet is a compiled, ordered list of rules. It is safe for concurrent
// use; a nil RuleSet matches nothing.
type RuleSet struct {
	rules []compiledRule
}

type compiledRule struct {
	name, field string
	re          *regexp.Regexp
	equals      []byte  // canonical encoding of Equals; nil unless an equals rule
	equalsStr   *string // Equals when it is a string: compared without encoding
	empty       bool
	output      map[string]any
	outputJSON  json.RawMessage
}

// Match is the rule that answered a row.
type Match struct {
	// Index is the rule's position in the configuration.
	Index int
	// Name is the rule's name, for the response's provenance.
	Name string
	// Output and OutputJSON are the rule's answer, shared by every match:
	// they must not be modified.
	Output     map[string]any
	OutputJSON json.RawMessage
}

// Compile validates c and compiles its rules once. The error is an
// errs.Invalid joining every problem Validate finds.
func Compile(c Config) (*RuleSet, error) {
	if probs := c.Validate(); len(probs) > 0 {
		return nil, errs.Wrap(errs.Invalid, errors.Join(probs...), "invalid filter rules")
	}
	s := &RuleSet{rules: make([]compiledRule, len(c.Rules))}
	for i, r := range c.Rules {
		// Validate checked every step below.
		out, outJSON, _ := r.outputValue()
		cr := compiledRule{name: r.Name, field: r.Field, empty: r.Empty, output: out, outputJSON: outJSON}
		if r.Regex != "" {
			cr.re = regexp.MustCompile(r.Regex)
		}
		if r.Equals != nil {
			var v any
			v, cr.equals, _ = r.equalsValue()
			if str, ok := v.(string); ok {
				cr.equalsStr = &str
			}
		}
		s.rules[i] = cr
	}
	return s, nil
}

// Len returns the number of rules.
func (s *RuleSet) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rules)
}

// Match returns the first rule that matches row. Serving calls it per
// row; a request is answered without the model only if every row is.
func (s *RuleSet) Match(row map[string]any) (Match, bool) {
	if s == nil {
		return Match{}, false
	}
	for i := range s.rules {
		r := &s.rules[i]
		v, present := row[r.field]
		if r.matches(v, present) {
			return Match{Index: i, Name: r.name, Output: r.output, OutputJSON: r.outputJSON}, true
		}
	}
	return Match{}, false
}

func (r *compiledRule) matches(v any, present bool) bool {
	switch {
	case r.empty:
		return !present || isEmpty(v)
	case !present:
		return false
	case r.re != nil:
		s, ok := v.(string)
		return ok && r.re.MatchString(s)
	case r.equalsStr != nil:
		s, ok := v.(string)
		return ok && s == *r.equalsStr
	default:
		return canonicalEqual(v, r.equals)
	}
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}
