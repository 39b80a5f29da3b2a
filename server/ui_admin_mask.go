package server

import (
	"fmt"
	"net/url"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/paddockml/paddock/config"
	"github.com/paddockml/paddock/ui"
)

// maskShown replaces a secret, or the secret part of a value.
const maskShown = "********"

// maskRule is how the settings page shows one configuration field.
type maskRule int

const (
	// showValue shows the value, still scrubbed of credentials written
	// inside it (a URL's password, a token=... pair).
	showValue maskRule = iota
	// hideValue shows a set value as ******** and everything under it too.
	hideValue
	// hideDSNPassword shows a DSN or URL with its password hidden.
	hideDSNPassword
	// hideWebhookPath shows a webhook URL's scheme and host only: hooks
	// such as Slack's carry their secret in the path or the query.
	hideWebhookPath
	// hideSecretEntries shows a map of names to values (environment
	// variables) with the values of secret-looking names hidden.
	hideSecretEntries
)

// maskRules decides how every configuration field whose name looks like
// it may hold a secret is shown, keyed "package.Type.Field". A new field
// with such a name must be added here: TestEveryConfigFieldHasAMaskDecision
// fails until it is. Fields tagged secret:"true" are hidden whatever
// this says.
var maskRules = map[string]maskRule{
	"config.S3Config.AccessKey":    hideValue,
	"config.S3Config.SecretKey":    hideValue,
	"config.S3Config.Endpoint":     showValue, // host:port, no credentials
	"config.AuthConfig.AdminToken": hideValue,
	"config.DatabaseConfig.Path":   hideDSNPassword, // a file today, a DSN with another driver
	"config.WebhookConfig.URL":     hideWebhookPath,
	"config.TrainingJob.Env":       hideSecretEntries,
	"config.TrainingJob.Params":    hideSecretEntries,
	"config.TrainingJob.Command":   showValue, // argv, scrubbed of --token=... and URL passwords
	"config.TrainingJob.OnPass":    showValue, // alpha, request_production or none
	"config.LiveExperiment.Salt":   hideValue, // knowing it predicts which arm a request gets
	"filters.Rule.Output":          showValue, // the answer a filter gives, public by design
	"filters.Rule.Equals":          showValue, // a request value a filter matches
}

// secretName matches names of settings, environment variables and
// query parameters that hold secrets.
var secretName = regexp.MustCompile(`(?i)secret|passw|pwd|token|api[_-]?key|access[_-]?key|private|credential|auth|session|cookie|signature|dsn`)

// urlPassword finds the password of a URL's user info; secretFlag a
// command line's "--token <value>"; secretPair a name=value pair (query
// string, DSN, command-line flag) whose name looks secret.
var (
	urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*:)[^@/\s]*@`)
	secretFlag  = regexp.MustCompile(`(?i)((?:^|\s)--?[A-Za-z0-9_-]*(?:secret|passw|pwd|token|api[_-]?key|access[_-]?key|private|credential)[A-Za-z0-9_-]*)\s+[^\s-]\S*`)
	secretPair  = regexp.MustCompile(`(?i)([A-Za-z0-9_.-]*(?:secret|passw|pwd|token|api[_-]?key|access[_-]?key|private|credential|signature)[A-Za-z0-9_.-]*)=([^&\s;,'"]+)`)
)

// scrubCredentials hides credentials written inside a free-form value.
func scrubCredentials(s string) string {
	s = urlPassword.ReplaceAllString(s, "${1}"+maskShown+"@")
	s = secretFlag.ReplaceAllString(s, "${1} "+maskShown)
	return secretPair.ReplaceAllString(s, "${1}="+maskShown)
}

// maskWebhook keeps a URL's scheme and host; anything else may be the
// hook's secret.
func maskWebhook(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return maskShown
	}
	shown := u.Scheme + "://" + u.Hostname()
	if u.Port() != "" {
		shown += ":" + u.Port()
	}
	if u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		shown += "/" + maskShown
	}
	return shown
}

// apply shows value under rule; masked reports whether anything was
// hidden.
func (r maskRule) apply(value string) (shown string, masked bool) {
	if value == "" {
		return "", false
	}
	switch r {
	case hideValue:
		shown = maskShown
	case hideWebhookPath:
		shown = maskWebhook(value)
	default:
		shown = scrubCredentials(value)
	}
	return shown, shown != value
}

// ruleKey names a struct field in maskRules.
func ruleKey(t reflect.Type, f reflect.StructField) string {
	return path.Base(t.PkgPath()) + "." + t.Name() + "." + f.Name
}

// fieldRule is the rule for field f of t, given the enclosing rule.
func fieldRule(t reflect.Type, f reflect.StructField, outer maskRule) maskRule {
	if f.Tag.Get("secret") == "true" {
		return hideValue
	}
	if r, ok := maskRules[ruleKey(t, f)]; ok {
		return r
	}
	if outer == hideValue {
		return hideValue
	}
	return showValue
}

// settingKey is a field's YAML key.
func settingKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name
}

// configRows flattens the configuration into dotted keys and masked
// values, in the struct's order with map keys sorted.
func configRows(c *config.Config) []ui.SettingRow {
	if c == nil {
		return nil
	}
	var rows []ui.SettingRow
	walkSetting(reflect.ValueOf(c).Elem(), "", showValue, func(key, shown string, masked bool) {
		rows = append(rows, ui.SettingRow{Key: key, Value: shown, Masked: masked})
	})
	return rows
}

// settingEmit receives one leaf, already masked.
type settingEmit func(key, shown string, masked bool)

var stringerType = reflect.TypeFor[fmt.Stringer]()

// walkSetting emits every leaf under v.
func walkSetting(v reflect.Value, key string, rule maskRule, emit settingEmit) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			emit(key, "", false)
			return
		}
		v = v.Elem()
	}
	if v.Type().Implements(stringerType) && v.CanInterface() {
		shown, masked := rule.apply(v.Interface().(fmt.Stringer).String()) // durations, sizes
		emit(key, shown, masked)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				walkSetting(v.Field(i), joinKey(key, settingKey(f)), fieldRule(t, f, rule), emit)
			}
		}
	case reflect.Map:
		walkSettingMap(v, key, rule, emit)
	case reflect.Slice, reflect.Array:
		walkSettingList(v, key, rule, emit)
	default:
		shown, masked := rule.apply(fmt.Sprint(v.Interface()))
		emit(key, shown, masked)
	}
}

func walkSettingMap(v reflect.Value, key string, rule maskRule, emit settingEmit) {
	if v.Len() == 0 {
		emit(key, "{}", false)
		return
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	for _, k := range keys {
		name := fmt.Sprint(k)
		inner := rule
		if rule == hideSecretEntries {
			inner = showValue
			if secretName.MatchString(name) {
				inner = hideValue
			}
		}
		walkSetting(v.MapIndex(k), joinKey(key, name), inner, emit)
	}
}

// walkSettingList shows a list of scalars on one row, a list of
// structures one row per leaf with the index in the key.
func walkSettingList(v reflect.Value, key string, rule maskRule, emit settingEmit) {
	if v.Len() == 0 {
		emit(key, "[]", false)
		return
	}
	var scalars []string
	anyMasked, flagged := false, false
	for i := range v.Len() {
		e := v.Index(i)
		for e.Kind() == reflect.Interface && !e.IsNil() {
			e = e.Elem()
		}
		switch e.Kind() {
		case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array, reflect.Pointer, reflect.Interface:
			walkSetting(v.Index(i), fmt.Sprintf("%s[%d]", key, i), rule, emit)
		default:
			item := fmt.Sprint(e.Interface())
			shown, masked := rule.apply(item)
			if flagged && item != "" { // the value of "--token" "<secret>"
				shown, masked = maskShown, true
			}
			flagged = strings.HasPrefix(item, "-") && !strings.Contains(item, "=") && secretName.MatchString(item)
			scalars = append(scalars, shown)
			anyMasked = anyMasked || masked
		}
	}
	if len(scalars) > 0 {
		emit(key, "["+strings.Join(scalars, ", ")+"]", anyMasked)
	}
}

func joinKey(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}
