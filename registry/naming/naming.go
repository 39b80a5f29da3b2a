// Package naming holds the rules for the names the model registry
// accepts: model names, alias names and semantic version labels. It is a
// leaf so that the configuration can check approval policies with the
// same rules the registry applies.
package naming

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits, MLflow's where it has one.
const (
	// MaxModelName is the longest model name in bytes; every name is thus
	// usable as one artifact key segment.
	MaxModelName = 255
	// MaxAlias is MLflow's MAX_REGISTERED_MODEL_ALIAS_LENGTH, in characters.
	MaxAlias = 255
)

// Error is a name that breaks a rule; Msg says which, in MLflow's words
// where MLflow has them.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func fail(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// ValidateModelName checks a registered model name: not empty, at most
// MaxModelName bytes of valid UTF-8, no control character, and none of
// "/", "\" and "@", which would make models:/name/version and
// models:/name@alias URIs ambiguous; "." and ".." and "*" (the policy
// wildcard) are reserved.
func ValidateModelName(name string) error {
	switch {
	case name == "":
		return fail("Registered model name cannot be empty.")
	case len(name) > MaxModelName:
		return fail("Registered model name '%.250s' had length %d, which exceeded length limit of %d", name, len(name), MaxModelName)
	case !utf8.ValidString(name):
		return fail("Registered model name must be valid UTF-8")
	case name == "." || name == ".." || name == "*":
		return fail("Registered model name '%s' is reserved.", name)
	case strings.ContainsAny(name, `/\@`) || strings.ContainsFunc(name, unicode.IsControl):
		return fail("Invalid registered model name: '%s'. Names may not contain '/', '\\', '@' or control characters.", name)
	}
	return nil
}

// ValidateAlias checks an alias name with MLflow's rules
// (mlflow/utils/validation.py, _validate_model_alias_name): word
// characters of any script (Python's \w) and dashes, at most MaxAlias
// characters, and neither "latest" (any case) nor "v" followed by digits,
// which name versions in models:/ URIs.
func ValidateAlias(alias string) error {
	if alias == "" {
		return fail("Registered model alias name cannot be empty.")
	}
	if !utf8.ValidString(alias) || strings.ContainsFunc(alias, func(r rune) bool { return !isWordRune(r) && r != '-' }) {
		return fail("Invalid alias name: '%s'. Names may only contain alphanumerics, underscores (_), and dashes (-).", alias)
	}
	if n := utf8.RuneCountInString(alias); n > MaxAlias {
		return fail("Registered model alias name '%.250s' had length %d, which exceeded length limit of %d", alias, n, MaxAlias)
	}
	if strings.EqualFold(alias, "latest") {
		return fail("'latest' alias name (case insensitive) is reserved.")
	}
	if isVersionAlias(alias) {
		return fail("Version alias name '%s' is reserved.", alias)
	}
	return nil
}

// isWordRune is Python's \w for str patterns: letters and numbers of any
// script, and the underscore.
func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

// isVersionAlias matches MLflow's ^[vV]\d+$ (\d: any decimal digit).
func isVersionAlias(s string) bool {
	rest, ok := strings.CutPrefix(s, "v")
	if !ok {
		rest, ok = strings.CutPrefix(s, "V")
	}
	return ok && rest != "" && !strings.ContainsFunc(rest, func(r rune) bool { return !unicode.IsDigit(r) })
}

// Semver is a version's semantic label MAJOR.MINOR.PIPELINE: MAJOR
// changes when the data or the target changed incompatibly, MINOR when
// the model got better on the same data, PIPELINE when only the training
// pipeline changed.
type Semver struct {
	Major, Minor, Pipeline int64
}

// String writes the label as MAJOR.MINOR.PIPELINE.
func (v Semver) String() string {
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Pipeline)
}

// Compare orders labels: -1, 0 or +1 as v is below, equal to or above w.
func (v Semver) Compare(w Semver) int {
	for _, d := range [3]int64{v.Major - w.Major, v.Minor - w.Minor, v.Pipeline - w.Pipeline} {
		switch {
		case d < 0:
			return -1
		case d > 0:
			return 1
		}
	}
	return 0
}

// ParseSemver parses MAJOR.MINOR.PIPELINE: three decimal numbers without
// sign, leading zeros or surrounding space, each below 2^53 (so that
// JavaScript clients read them exactly).
func ParseSemver(s string) (Semver, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return Semver{}, fail("invalid semantic version %q: want MAJOR.MINOR.PIPELINE, e.g. 1.4.0", s)
	}
	var n [3]int64
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		switch {
		case p == "" || strings.TrimLeft(p, "0123456789") != "":
			return Semver{}, fail("invalid semantic version %q: %s must be a non-negative integer", s, semverPart[i])
		case len(p) > 1 && p[0] == '0':
			return Semver{}, fail("invalid semantic version %q: %s has a leading zero", s, semverPart[i])
		case err != nil || v >= 1<<53:
			return Semver{}, fail("invalid semantic version %q: %s is too large", s, semverPart[i])
		}
		n[i] = v
	}
	return Semver{Major: n[0], Minor: n[1], Pipeline: n[2]}, nil
}

var semverPart = [3]string{"MAJOR", "MINOR", "PIPELINE"}
