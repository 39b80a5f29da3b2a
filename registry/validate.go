package registry

import (
	"encoding/json"
	"math"
	"path"
	"strconv"
	"strings"
	"unicode"

	"github.com/paddockml/paddock/errs"
	"github.com/paddockml/paddock/registry/naming"
)

func isLetterOrNumber(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// cleanPath reports whether a tag key is also a clean relative path, as
// MLflow requires of names that may become file names.
func cleanPath(key string) bool {
	norm := path.Clean(key)
	return norm == key && norm != "." && !strings.HasPrefix(norm, "..") && !strings.HasPrefix(norm, "/")
}

func validAlias(alias string) error {
	if err := naming.ValidateAlias(alias); err != nil {
		return errs.E(errs.Invalid, "%s", err.Error())
	}
	return nil
}

func validSemver(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	v, err := naming.ParseSemver(s)
	if err != nil {
		return "", errs.E(errs.Invalid, "%s", err.Error())
	}
	return v.String(), nil
}

// ParseVersion parses a version number as MLflow's API sends it, a
// decimal string.
func ParseVersion(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 1 {
		return 0, errs.E(errs.Invalid, "Model version must be an integer, got '%s'", s)
	}
	return v, nil
}

// Metric is a run metric copied onto a version at registration: its
// latest value, with the step and time it was logged at.
type Metric struct {
	Key       string  `json:"key"`
	Value     float64 `json:"value"`
	Timestamp int64   `json:"timestamp"`
	Step      int64   `json:"step"`
}

// metricJSON writes non-finite values as MLflow's strings ("NaN",
// "Infinity", "-Infinity"), which JSON numbers cannot hold.
type metricJSON struct {
	Key       string          `json:"key"`
	Value     json.RawMessage `json:"value"`
	Timestamp int64           `json:"timestamp"`
	Step      int64           `json:"step"`
}

// MarshalJSON encodes the metric with non-finite values as strings.
func (m Metric) MarshalJSON() ([]byte, error) {
	var v []byte
	switch {
	case math.IsNaN(m.Value):
		v = []byte(`"NaN"`)
	case math.IsInf(m.Value, 1):
		v = []byte(`"Infinity"`)
	case math.IsInf(m.Value, -1):
		v = []byte(`"-Infinity"`)
	default:
		v = strconv.AppendFloat(nil, m.Value, 'g', -1, 64)
	}
	return json.Marshal(metricJSON{Key: m.Key, Value: v, Timestamp: m.Timestamp, Step: m.Step})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (m *Metric) UnmarshalJSON(b []byte) error {
	var w metricJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	m.Key, m.Timestamp, m.Step = w.Key, w.Timestamp, w.Step
	switch s := strings.Trim(string(w.Value), `"`); s {
	case "NaN":
		m.Value = math.NaN()
	case "Infinity":
		m.Value = math.Inf(1)
	case "-Infinity":
		m.Value = math.Inf(-1)
	default:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		m.Value = v
	}
	return nil
}
