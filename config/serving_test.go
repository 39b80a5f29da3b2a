package config

import (
	"strings"
	"testing"
	"time"
)

// A model named in serving.models starts from the model defaults, and
// free-form filter values (equals, output) arrive as YAML gives them.
func TestServingModelsStartFromDefaults(t *testing.T) {
	yml := `
serving:
  prediction_log:
    sample_rate: 0.25
  models:
    email-intent:
      aliases: [alpha]
      cache:
        enabled: true
      filters:
        rules:
          - name: ooo
            field: body
            regex: '(?i)out of office'
            output: {label: out_of_office, probabilities: {out_of_office: 1.0}}
          - name: blank
            field: body
            empty: true
            output: {label: empty}
`
	l, err := Parse("paddock.yaml", []byte(yml), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	m := l.Serving.Models["email-intent"]
	if m.SampleRate != -1 || m.Batching.Mode != "auto" || m.Batching.MaxBatchSize != 64 || !m.Cache.Enabled ||
		m.Cache.MaxEntries != 10000 || m.Cache.TTL.Std() != 10*time.Minute || len(m.Aliases) != 1 {
		t.Fatalf("model settings %+v", m)
	}
	if len(m.Filters.Rules) != 2 || m.Filters.Rules[0].Output["label"] != "out_of_office" || !m.Filters.Rules[1].Empty {
		t.Fatalf("rules %+v", m.Filters.Rules)
	}
	if l.Serving.PredictionLog.SampleRate != 0.25 || l.Serving.DefaultAlias != "production" || !strings.HasSuffix(l.Serving.ModelDir, "models") {
		t.Fatalf("serving %+v", l.Serving)
	}
}

// Every serving problem is reported at its key and line.
func TestServingConfigErrors(t *testing.T) {
	cases := []struct{ yml, want string }{
		{"serving:\n  prediction_log:\n    sample_rate: 1.5\n", "paddock.yaml:3: serving.prediction_log.sample_rate: must be between 0 and 1"},
		{"serving:\n  default_alias: latest\n", "paddock.yaml:2: serving.default_alias:"},
		{"serving:\n  models:\n    churn:\n      batching:\n        mode: sometimes\n", "paddock.yaml:5: serving.models.churn.batching.mode: unknown mode"},
		{"serving:\n  models:\n    churn:\n      batching:\n        max_batch_size: 0\n", "paddock.yaml:5: serving.models.churn.batching.max_batch_size"},
		{"serving:\n  models:\n    churn:\n      cache:\n        enabled: yes please\n", "paddock.yaml:5: serving.models.churn.cache.enabled: expected true or false"},
		{"serving:\n  models:\n    churn:\n      filters:\n        rules:\n          - name: x\n            field: f0\n            regex: '('\n            output: {a: 1}\n",
			"serving.models.churn.filters.rules[0].regex"},
		{"serving:\n  models:\n    churn:\n      filters:\n        rules:\n          - name: x\n            field: f0\n            output: {a: 1}\n",
			"serving.models.churn.filters.rules[0]: set exactly one of regex, equals or empty"},
		{"serving:\n  models:\n    a/b: {}\n", "serving.models.a/b: invalid model name"},
		{"serving:\n  models:\n    churn:\n      sampel_rate: 1\n", `serving.models.churn.sampel_rate: unknown key (did you mean "sample_rate"?)`},
	}
	for _, tc := range cases {
		_, err := Parse("paddock.yaml", []byte(tc.yml), noEnv)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.yml, err, tc.want)
		}
	}
}

func TestServingSampleRateFromEnvironment(t *testing.T) {
	env := func(k string) string {
		if k == "PADDOCK_SERVING_PREDICTION_LOG_SAMPLE_RATE" {
			return "0"
		}
		return ""
	}
	l, err := Parse("paddock.yaml", nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if l.Serving.PredictionLog.SampleRate != 0 {
		t.Fatalf("sample rate %v", l.Serving.PredictionLog.SampleRate)
	}
}
