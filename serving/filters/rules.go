package filters

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Config is the pre-score filters of one served model, as written in
// Paddock's configuration:
//
//	rules:
//	  - name: out-of-office
//	    field: body
//	    regex: '(?i)\b(out of (the )?office|on vacation)\b'
//	    output: {label: out_of_office, probabilities: {out_of_office: 1.0}}
type Config struct {
	// Rules are tried in order; the first that matches answers.
	Rules []Rule `yaml:"rules" json:"rules"`
}

// Rule answers a request with a fixed output, without calling the model,
// when one field of the input row matches. Exactly one of Regex, Equals
// and Empty is set.
type Rule struct {
	// Name identifies the rule in responses and the prediction log.
	Name string `yaml:"name" json:"name"`
	// Field is the row's column (a top-level key) the rule looks at.
	Field string `yaml:"field" json:"field"`
	// Regex matches string values (RE2 syntax, unanchored: use ^ and $ to
	// match the whole value). Values of other types never match.
	Regex string `yaml:"regex,omitempty" json:"regex,omitempty"`
	// Equals matches a value equal to it, numbers by value (1 equals
	// 1.0) and strings exactly.
	Equals any `yaml:"equals,omitempty" json:"equals,omitempty"`
	// Empty matches a missing field, null, a string of only whitespace,
	// and an empty list or object.
	Empty bool `yaml:"empty,omitempty" json:"empty,omitempty"`
	// Output is the answer given instead of the model's.
	Output map[string]any `yaml:"output" json:"output"`
}

// ConfigError is one problem in a filters configuration. Key is its path
// from the Config (rules[2].regex), for the configuration loader to
// prefix with where the Config sits.
type ConfigError struct {
	Key  string
	Rule string // the rule's name, when it has one
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Rule != "" {
		return fmt.Sprintf("%s: rule %q: %s", e.Key, e.Rule, e.Msg)
	}
	return e.Key + ": " + e.Msg
}

// Validate returns every problem of the configuration as *ConfigError,
// in rule order; none means Compile succeeds.
func (c Config) Validate() []error {
	var probs []error
	seen := map[string]int{}
	for i, r := range c.Rules {
		bad := func(key, format string, args ...any) {
			probs = append(probs, &ConfigError{Key: fmt.Sprintf("rules[%d]%s", i, key), Rule: r.Name, Msg: fmt.Sprintf(format, args...)})
		}
		if strings.TrimSpace(r.Name) == "" {
			bad(".name", "required")
		} else if j, dup := seen[r.Name]; dup {
			bad(".name", "also the name of rules[%d]", j)
		} else {
			seen[r.Name] = i
		}
		if r.Field == "" {
			bad(".field", "required")
		}
		if set := r.conditions(); len(set) != 1 {
			bad("", "set exactly one of regex, equals or empty (got %s)", describe(set))
		}
		if r.Regex != "" {
			if _, err := regexp.Compile(r.Regex); err != nil {
				bad(".regex", "%v", err)
			}
		}
		if r.Equals != nil {
			if _, _, err := r.equalsValue(); err != nil {
				bad(".equals", "%v", err)
			}
		}
		if len(r.Output) == 0 {
			bad(".output", "required")
		} else if _, _, err := r.outputValue(); err != nil {
			bad(".output", "%v", err)
		}
	}
	return probs
}

// conditions lists which of regex, equals and empty are set.
func (r *Rule) conditions() []string {
	var set []string
	if r.Regex != "" {
		set = append(set, "regex")
	}
	if r.Equals != nil {
		set = append(set, "equals")
	}
	if r.Empty {
		set = append(set, "empty")
	}
	return set
}

// equalsValue returns Equals as a JSON value and its canonical encoding.
func (r *Rule) equalsValue() (any, []byte, error) {
	v, err := jsonValue(r.Equals, 0)
	if err != nil {
		return nil, nil, err
	}
	enc, err := appendCanonical(nil, v, 0)
	if err != nil {
		return nil, nil, err
	}
	return v, enc, nil
}

// outputValue returns Output as a JSON object and its encoding.
func (r *Rule) outputValue() (map[string]any, []byte, error) {
	v, err := jsonValue(r.Output, 0)
	if err != nil {
		return nil, nil, err
	}
	out := v.(map[string]any)
	enc, err := json.Marshal(out)
	if err != nil {
		return nil, nil, fmt.Errorf("not representable as JSON: %w", err)
	}
	return out, enc, nil
}

// jsonValue turns what a YAML decoder produces into JSON values: maps
// with number or boolean keys (probabilities: {0: 0.1, 1: 0.9}) get
// string keys, as JSON objects have. A YAML timestamp is refused, since
// an unquoted date would otherwise never equal the string it looks like.
func jsonValue(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested more than %d levels deep", maxDepth)
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			var err error
			if out[k], err = jsonValue(e, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			switch k.(type) {
			case string, bool, int, int64, uint64, float64:
			default:
				return nil, fmt.Errorf("map key %v (a %T) cannot be a JSON object key", k, k)
			}
			var err error
			if out[fmt.Sprint(k)], err = jsonValue(e, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = jsonValue(e, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case time.Time:
		return nil, fmt.Errorf("%s is a YAML timestamp: quote it to compare a string", x.Format(time.RFC3339))
	}
	return v, nil
}

func describe(set []string) string {
	if len(set) == 0 {
		return "none"
	}
	return strings.Join(set, " and ")
}
