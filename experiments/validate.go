package experiments

import (
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/paddockml/paddock/errs"
)

// validNameChars is MLflow's rule for metric, param and tag names:
// Python's \w (letters, digits, underscore in any script), dashes,
// periods, spaces and slashes.
func validNameChars(name string) bool {
	for _, r := range name {
		if !(isWordRune(r) || r == '/' || r == '.' || r == '-' || r == ' ') {
			return false
		}
	}
	return true
}

const badCharacters = "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/)."

func validateName(kind, name string) error {
	if name == "" {
		return invalid("%s name cannot be empty. A key name must be provided.", kind)
	}
	if !validNameChars(name) {
		return invalid("Invalid %s name: '%s'. %s", lower(kind), name, badCharacters)
	}
	// The name must also be a clean relative path: it may become a file name.
	if norm := path.Clean(name); norm != name || norm == "." || strings.HasPrefix(norm, "..") || norm[0] == '/' {
		return invalid("Invalid %s name: '%s'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '%s'", lower(kind), name, norm)
	}
	if len(name) > MaxKeyLength {
		return lengthError(kind+" key", name, MaxKeyLength)
	}
	return nil
}

func lengthError(what, value string, limit int) error {
	shown := value
	if len(shown) > 250 {
		shown = shown[:250]
	}
	return invalid("%s '%s' had length %d, which exceeded length limit of %d", what, shown, len(value), limit)
}

func lower(s string) string {
	switch s {
	case "Metric":
		return "metric"
	case "Param":
		return "parameter"
	case "Tag":
		return "tag"
	}
	return s
}

func invalid(format string, args ...any) error { return errs.E(errs.Invalid, format, args...) }

// ParseExperimentID parses MLflow's string experiment id.
func ParseExperimentID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return 0, errs.E(errs.Invalid, "Invalid experiment ID: '%s'", s)
	}
	return id, nil
}

var runIDPattern = regexp.MustCompile(`^[a-zA-Z0-9][\w\-]{0,255}$`)

func validateRunID(id string) error {
	if id == "" {
		return invalid("Missing value for required parameter 'run_id'.")
	}
	if !runIDPattern.MatchString(id) {
		return invalid("Invalid run ID: '%s'", id)
	}
	return nil
}
