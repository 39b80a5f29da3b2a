package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as "5s", "1m30s" or "250ms".
type Duration time.Duration

// Std returns the duration as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats the duration like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalText parses a Go duration string; a bare "0" is zero.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "0" {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q (want e.g. 30s, 5m, 250ms)", s)
	}
	if v < 0 {
		return fmt.Errorf("negative duration %q", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// ByteSize is a size in bytes written as "512", "64KiB", "32MiB", "5GiB"
// (or the decimal KB, MB, GB).
type ByteSize int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// UnmarshalText parses a size with an optional unit suffix.
func (s *ByteSize) UnmarshalText(b []byte) error {
	text := strings.TrimSpace(string(b))
	num, mult := text, int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(text, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(text, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return fmt.Errorf("invalid size %q (want e.g. 512, 64KiB, 32MiB, 5GiB)", text)
	}
	*s = ByteSize(n * mult)
	return nil
}

// String formats the size with the largest exact binary unit.
func (s ByteSize) String() string {
	for _, u := range sizeUnits[:4] {
		if s >= ByteSize(u.mult) && int64(s)%u.mult == 0 && u.mult == largestUnit(int64(s)) {
			return fmt.Sprintf("%d%s", int64(s)/u.mult, u.suffix)
		}
	}
	return strconv.FormatInt(int64(s), 10)
}

func largestUnit(n int64) int64 {
	best := int64(1)
	for _, u := range sizeUnits[:4] {
		if n >= u.mult && n%u.mult == 0 {
			best = u.mult
		}
	}
	return best
}

// MarshalYAML writes the size as a string.
func (s ByteSize) MarshalYAML() (any, error) { return s.String(), nil }

var (
	_ yaml.Marshaler = Duration(0)
	_ yaml.Marshaler = ByteSize(0)
)
