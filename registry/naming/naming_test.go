package naming

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidateAlias(t *testing.T) {
	good := []string{"production", "alpha", "staging", "champion", "a", "A-b_c", "v", "v1a", "vv1", "latest2",
		"précis", "模型", "x٣", strings.Repeat("a", MaxAlias), strings.Repeat("é", MaxAlias)}
	for _, a := range good {
		if err := ValidateAlias(a); err != nil {
			t.Errorf("%q refused: %v", a, err)
		}
	}
	bad := map[string]string{
		"":                              "cannot be empty",
		"has space":                     "Invalid alias name",
		"dot.ted":                       "Invalid alias name",
		"slash/ed":                      "Invalid alias name",
		"at@":                           "Invalid alias name",
		"new\nline":                     "Invalid alias name",
		"latest":                        "reserved",
		"LaTeSt":                        "reserved",
		"v1":                            "reserved",
		"V42":                           "reserved",
		"v٣":                            "reserved", // Arabic-Indic digit: Python's \d matches it too
		strings.Repeat("a", MaxAlias+1): "exceeded length limit of 255",
		"\xff":                          "Invalid alias name",
	}
	for a, want := range bad {
		err := ValidateAlias(a)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want it to mention %q", a, err, want)
		}
	}
}

func TestValidateModelName(t *testing.T) {
	for _, n := range []string{"churn", "Churn Model v2", "fraud-detector_1.0", "模型", strings.Repeat("m", MaxModelName)} {
		if err := ValidateModelName(n); err != nil {
			t.Errorf("%q refused: %v", n, err)
		}
	}
	for _, n := range []string{"", ".", "..", "*", "a/b", `a\b`, "a@b", "tab\there", "\xff", strings.Repeat("m", MaxModelName+1)} {
		if err := ValidateModelName(n); err == nil {
			t.Errorf("%q accepted", n)
		}
	}
}

func TestParseSemver(t *testing.T) {
	for in, want := range map[string]Semver{
		"0.0.0": {}, "1.4.0": {1, 4, 0}, "10.20.30": {10, 20, 30}, "9007199254740991.0.1": {1<<53 - 1, 0, 1},
	} {
		got, err := ParseSemver(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("%q → %+v (%q), %v", in, got, got.String(), err)
		}
	}
	for _, in := range []string{"", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "-1.2.3", "+1.2.3", "1.2.x",
		" 1.2.3", "1.2.3 ", "1..3", "1.2.3-rc1", "9007199254740992.0.0", "99999999999999999999.0.0", "١.٢.٣"} {
		if v, err := ParseSemver(in); err == nil {
			t.Errorf("%q accepted as %+v", in, v)
		}
	}
	if (Semver{1, 2, 3}).Compare(Semver{1, 10, 0}) != -1 || (Semver{2, 0, 0}).Compare(Semver{1, 99, 99}) != 1 ||
		(Semver{1, 2, 3}).Compare(Semver{1, 2, 3}) != 0 || (Semver{1, 2, 4}).Compare(Semver{1, 2, 3}) != 1 {
		t.Error("Compare orders wrongly")
	}
}

// The reference rules, written as MLflow writes them (regular
// expressions), for the fuzzers to compare with. Go's \w and \d are ASCII,
// so the reference is only trusted on ASCII input.
var (
	aliasRE    = regexp.MustCompile(`^[\w\-]*$`)
	versionRE  = regexp.MustCompile(`^[vV]\d+$`)
	semverRE   = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)
	asciiOnly  = regexp.MustCompile(`^[\x00-\x7f]*$`)
	semverSize = regexp.MustCompile(`^\d{1,15}\.\d{1,15}\.\d{1,15}$`)
)

func FuzzValidateAlias(f *testing.F) {
	for _, s := range []string{"production", "v1", "latest", "a b", "x-y_z", "V0", "", "é", "v١"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateAlias(s)
		if err == nil {
			// Whatever passes is safe to use as a path segment and a URL part.
			if s == "" || strings.ContainsAny(s, "/\\@.% \t\n") || !utf8.ValidString(s) {
				t.Fatalf("%q accepted", s)
			}
		}
		if asciiOnly.MatchString(s) {
			want := s != "" && aliasRE.MatchString(s) && len(s) <= MaxAlias &&
				!strings.EqualFold(s, "latest") && !versionRE.MatchString(s)
			if (err == nil) != want {
				t.Fatalf("%q: accepted=%v, MLflow's rule says %v (err %v)", s, err == nil, want, err)
			}
		}
	})
}

func FuzzParseSemver(f *testing.F) {
	for _, s := range []string{"1.2.3", "0.0.0", "01.0.0", "1.2", "1.2.3.4", "a.b.c", "9007199254740992.0.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseSemver(s)
		if err != nil {
			if semverRE.MatchString(s) && semverSize.MatchString(s) {
				t.Fatalf("%q refused: %v", s, err)
			}
			return
		}
		if !semverRE.MatchString(s) {
			t.Fatalf("%q accepted as %+v", s, v)
		}
		if v.String() != s {
			t.Fatalf("%q round-trips as %q", s, v.String())
		}
		if back, err := ParseSemver(v.String()); err != nil || back != v {
			t.Fatalf("reparse of %q: %+v %v", v.String(), back, err)
		}
	})
}
