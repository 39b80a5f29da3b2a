package server

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/paddockml/paddock/config"
)

// mayHoldSecret matches field names (Go or YAML) that need a decision in
// maskRules before the settings page may show them.
var mayHoldSecret = regexp.MustCompile(`(?i)secret|pass|pwd|token|key|dsn|url|uri|salt|cred|auth|env|cert|private|cookie|hook|sign|endpoint`)

// undecidedFields lists the fields under t that may hold a secret and
// have no mask decision: leaves whose name looks secret, and free-form
// values (interfaces, maps of strings or of anything) whatever their
// name, since they hold whatever someone writes.
func undecidedFields(t reflect.Type, rules map[string]maskRule) []string {
	var out []string
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			_, decided := rules[ruleKey(t, f)]
			if !decided && f.Tag.Get("secret") != "true" && needsDecision(f) {
				out = append(out, ruleKey(t, f))
			}
			walk(f.Type)
		}
	}
	walk(t)
	return out
}

func needsDecision(f reflect.StructField) bool {
	ft := f.Type
	for ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	elem := ft
	for elem.Kind() == reflect.Pointer || elem.Kind() == reflect.Slice || elem.Kind() == reflect.Array || elem.Kind() == reflect.Map {
		elem = elem.Elem()
	}
	leaf := elem.Kind() != reflect.Struct || elem.Implements(stringerType)
	named := mayHoldSecret.MatchString(f.Name) || mayHoldSecret.MatchString(settingKey(f))
	freeForm := ft.Kind() == reflect.Interface ||
		(ft.Kind() == reflect.Map && (ft.Elem().Kind() == reflect.String || ft.Elem().Kind() == reflect.Interface))
	return (leaf && named) || freeForm
}

// Every configuration field that could hold a secret has a mask
// decision; a new one fails here until maskRules says how to show it.
func TestEveryConfigFieldHasAMaskDecision(t *testing.T) {
	if missing := undecidedFields(reflect.TypeFor[config.Config](), maskRules); len(missing) > 0 {
		t.Errorf("configuration fields that may hold a secret have no entry in maskRules (server/ui_admin_mask.go): %v", missing)
	}
	// No stale decision: each names a field that exists.
	known := map[string]reflect.StructField{}
	var collect func(t reflect.Type)
	collect = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				if _, ok := known[ruleKey(t, f)]; !ok {
					known[ruleKey(t, f)] = f
					collect(f.Type)
				}
			}
		}
	}
	collect(reflect.TypeFor[config.Config]())
	for key, rule := range maskRules {
		f, ok := known[key]
		if !ok {
			t.Errorf("maskRules names %s, which is not a configuration field", key)
		}
		if f.Tag.Get("secret") == "true" && rule == showValue {
			t.Errorf("%s is tagged secret but maskRules shows it", key)
		}
	}
}

// The check itself finds a secret-looking field added without a
// decision, nested or free-form.
func TestMaskDecisionCheckCatchesNewSecretFields(t *testing.T) {
	type hook struct{ WebhookURL string }
	type newSection struct {
		DSN          string
		Plain        int
		Extra        map[string]string
		Hooks        []hook
		SharedSecret string `secret:"true"`
	}
	type fakeConfig struct {
		Section  newSection
		Sections []newSection
		Password *string `yaml:"pw"`
	}
	got := undecidedFields(reflect.TypeFor[fakeConfig](), maskRules)
	want := []string{"server.newSection.DSN", "server.newSection.Extra", "server.hook.WebhookURL", "server.fakeConfig.Password"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("undecided fields = %q, want %q", got, want)
	}
}

// secretFor is the value fillSecrets writes into a field with rule r:
// secrets are the words SECRET-n, embedded the way the rule's kind of
// value carries them.
func secretFor(r maskRule, n int) string {
	s := fmt.Sprintf("SECRET-%d", n)
	switch r {
	case hideDSNPassword:
		return "postgres://paddock:" + s + "@db:5432/paddock?sslmode=require&password=" + s
	case hideWebhookPath:
		return "https://hook:" + s + "@hooks.example.com/services/T0/" + s + "?token=" + s
	case showValue:
		// Free-form values are shown scrubbed of credentials written in them.
		return "https://user:" + s + "@example.com/data?api_key=" + s + " --token " + s
	}
	return s
}

// fillSecrets sets every decided field under v (and makes one entry in
// each map and list of structures on the way) so that a rendering can be
// checked for leaks. It returns how many secrets it wrote.
func fillSecrets(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fillSecrets(t, v.Elem(), n)
	case reflect.Struct:
		if v.Type().Implements(stringerType) {
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			rule, decided := maskRules[ruleKey(v.Type(), f)]
			if f.Tag.Get("secret") == "true" {
				rule, decided = hideValue, true
			}
			if decided {
				*n++
				setSecret(t, v.Field(i), rule, *n)
			} else {
				fillSecrets(t, v.Field(i), n)
			}
		}
	case reflect.Map:
		if v.Type().Elem().Kind() != reflect.Struct {
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		e := reflect.New(v.Type().Elem()).Elem()
		fillSecrets(t, e, n)
		v.SetMapIndex(reflect.ValueOf("filled").Convert(v.Type().Key()), e)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Struct {
			return
		}
		e := reflect.New(v.Type().Elem()).Elem()
		fillSecrets(t, e, n)
		v.Set(reflect.Append(v, e))
	}
}

// setSecret writes a secret for rule into a field of any shape a
// configuration uses.
func setSecret(t *testing.T, v reflect.Value, rule maskRule, n int) {
	t.Helper()
	s := secretFor(rule, n)
	switch {
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Interface:
		// An argv list: a flag's value in the next item.
		v.Set(reflect.ValueOf([]any{"train", "--password", fmt.Sprintf("SECRET-%d", n), s}))
	case v.Kind() == reflect.Map && rule == hideSecretEntries:
		v.Set(reflect.MakeMap(v.Type()))
		for _, k := range []string{"AWS_SECRET_ACCESS_KEY", "MLFLOW_TRACKING_TOKEN", "DB_PASSWORD", "GITHUB_AUTH"} {
			v.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(s).Convert(v.Type().Elem()))
		}
		v.SetMapIndex(reflect.ValueOf("DATA_URL"), reflect.ValueOf(secretFor(showValue, n)).Convert(v.Type().Elem()))
		v.SetMapIndex(reflect.ValueOf("PLAIN_SETTING"), reflect.ValueOf("visible-value").Convert(v.Type().Elem()))
	case v.Kind() == reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		v.SetMapIndex(reflect.ValueOf("note"), reflect.ValueOf(s).Convert(v.Type().Elem()))
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		v.Set(reflect.Append(reflect.MakeSlice(v.Type(), 0, 1), reflect.ValueOf(s).Convert(v.Type().Elem())))
	default:
		t.Fatalf("fillSecrets cannot write a secret into a %s field; extend setSecret", v.Type())
	}
}

// secretConfig is the default configuration with every decided field
// set to a secret.
func secretConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg := config.Default()
	n := 0
	fillSecrets(t, reflect.ValueOf(cfg), &n)
	if n < len(maskRules)/2 {
		t.Fatalf("fillSecrets set only %d fields", n)
	}
	return cfg
}

// A configuration that sets every secret shows none of them; the rows
// that hid something are flagged, and ordinary values stay readable.
func TestConfigRowsMaskEverySecret(t *testing.T) {
	rows := configRows(secretConfig(t))
	byKey := map[string]string{}
	masked := map[string]bool{}
	for _, r := range rows {
		if strings.Contains(r.Value, "SECRET-") {
			t.Errorf("%s shows a secret: %q", r.Key, r.Value)
		}
		byKey[r.Key], masked[r.Key] = r.Value, r.Masked
	}
	for key, want := range map[string]string{
		"server.addr":                                    ":8080",
		"server.body_limit":                              "32MiB",
		"auth.admin_token":                               maskShown,
		"artifacts.s3.secret_key":                        maskShown,
		"artifacts.s3.access_key":                        maskShown,
		"artifacts.s3.endpoint":                          "https://user:" + maskShown + "@example.com/data?api_key=" + maskShown + " --token " + maskShown,
		"database.path":                                  "postgres://paddock:" + maskShown + "@db:5432/paddock?sslmode=require&password=" + maskShown,
		"training.jobs.filled.notify[0].url":             "https://hooks.example.com/" + maskShown,
		"training.jobs.filled.env.AWS_SECRET_ACCESS_KEY": maskShown,
		"training.jobs.filled.env.PLAIN_SETTING":         "visible-value",
		"training.jobs.filled.command":                   "[train, --password, " + maskShown + ", https://user:" + maskShown + "@example.com/data?api_key=" + maskShown + " --token " + maskShown + "]",
		"live.experiments.filled.salt":                   maskShown,
	} {
		if got, ok := byKey[key]; !ok || got != want {
			t.Errorf("%s = %q (present %v), want %q", key, got, ok, want)
		}
	}
	for _, key := range []string{"auth.admin_token", "database.path", "training.jobs.filled.notify[0].url", "training.jobs.filled.command"} {
		if !masked[key] {
			t.Errorf("%s is not flagged as masked", key)
		}
	}
	if masked["server.addr"] || masked["training.jobs.filled.env.PLAIN_SETTING"] {
		t.Error("a plain value is flagged as masked")
	}
}

// Credentials written inside values are hidden wherever they appear.
func TestScrubCredentialsAndWebhooks(t *testing.T) {
	for in, want := range map[string]string{
		"https://alice:hunter2@host/x":                      "https://alice:" + maskShown + "@host/x",
		"postgres://u:p%40ss@db/paddock?sslmode=off":        "postgres://u:" + maskShown + "@db/paddock?sslmode=off",
		"host=db user=u password=hunter2 dbname=x":          "host=db user=u password=" + maskShown + " dbname=x",
		"s3://b/k?X-Amz-Signature=abc&X-Amz-Credential=def": "s3://b/k?X-Amz-Signature=" + maskShown + "&X-Amz-Credential=" + maskShown,
		"python train.py --api-key=abc --epochs 3":          "python train.py --api-key=" + maskShown + " --epochs 3",
		"python train.py --token abc --epochs 3":            "python train.py --token " + maskShown + " --epochs 3",
		"https://example.com/plain?page=2":                  "https://example.com/plain?page=2",
		"./paddock-data/paddock.db":                         "./paddock-data/paddock.db",
	} {
		if got := scrubCredentials(in); got != want {
			t.Errorf("scrubCredentials(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T0/B0/XYZ":    "https://hooks.slack.com/" + maskShown,
		"https://u:p@hooks.example.com:8443/?token=abc": "https://hooks.example.com:8443/" + maskShown,
		"http://ci.internal:8080":                       "http://ci.internal:8080",
		"not a url at all":                              maskShown,
	} {
		if got := maskWebhook(in); got != want {
			t.Errorf("maskWebhook(%q) = %q, want %q", in, got, want)
		}
	}
}
