package filters

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/paddockml/paddock/errs"
)

func mustDigestJSON(t testing.TB, s string) Digest {
	t.Helper()
	d, err := DigestJSON([]byte(s))
	if err != nil {
		t.Fatalf("DigestJSON(%s): %v", s, err)
	}
	return d
}

// Texts that mean the same input get the same digest.
func TestDigestIgnoresFormatting(t *testing.T) {
	same := [][]string{
		{`{"a":1,"b":"x"}`, `{"b":"x","a":1}`, " {\n\t\"b\" : \"x\" ,\r\n \"a\":1 } "},
		{`1`, `1.0`, `1e0`, `10e-1`, `1.000`, `0.1e1`},
		{`0`, `-0`, `0.0`, `-0.0e5`},
		{`0.1`, `1e-1`, `0.10`},
		{`-2.5`, `-25e-1`},
		{`1e20`, `100000000000000000000`},
		{`"é"`, `"\u00e9"`},
		{`"a/b"`, `"a\/b"`},
		{`[{"x":1,"y":[1,2]},{"y":[],"x":null}]`, `[ {"y":[1.0, 2e0],"x":1}, {"x":null,"y":[ ]} ]`},
		{`{"nested":{"z":true,"a":{"k":0.5}}}`, `{"nested":{"a":{"k":5e-1},"z":true}}`},
	}
	for _, group := range same {
		want := mustDigestJSON(t, group[0])
		for _, s := range group[1:] {
			if got := mustDigestJSON(t, s); got != want {
				t.Errorf("%s and %s differ", group[0], s)
			}
		}
	}
}

// Inputs that differ get different digests, including the cases a naive
// concatenation would confuse.
func TestDigestDistinguishesInputs(t *testing.T) {
	pairs := [][2]string{
		{`1`, `"1"`},
		{`1`, `true`},
		{`0`, `false`},
		{`null`, `""`},
		{`[]`, `{}`},
		{`[1,2]`, `[2,1]`},
		{`["ab"]`, `["a","b"]`},
		{`{"a":"bc"}`, `{"ab":"c"}`},
		{`{"a":1}`, `{"a":1,"b":null}`},
		{`{"a":null}`, `{}`},
		{`0.1`, `0.10000000000000002`},
		{`9007199254740993`, `9007199254740992`},
		{`[[1],2]`, `[1,[2]]`},
		{`{"x":[1]}`, `{"x":1}`},
		{`"a"`, `"A"`},
	}
	for _, p := range pairs {
		if mustDigestJSON(t, p[0]) == mustDigestJSON(t, p[1]) {
			t.Errorf("%s and %s have the same digest", p[0], p[1])
		}
	}
}

// Values built in Go (as serving may build rows) digest like the JSON
// they encode.
func TestDigestOfGoValues(t *testing.T) {
	cases := []struct {
		v    any
		json string
	}{
		{map[string]any{"x": float64(1), "y": "s"}, `{"y":"s","x":1}`},
		{map[string]any{"n": 3, "m": int64(-4), "k": float32(0.5), "u": uint64(7)}, `{"k":0.5,"m":-4,"n":3,"u":7}`},
		{[]map[string]any{{"a": true}, {"a": nil}}, `[{"a":true},{"a":null}]`},
		{[]any{json.Number("2.50"), "t"}, `[2.5,"t"]`},
		{uint64(math.MaxUint64), `18446744073709551615`},
	}
	for _, c := range cases {
		got, err := CanonicalDigest(c.v)
		if err != nil {
			t.Fatalf("%v: %v", c.v, err)
		}
		if got != mustDigestJSON(t, c.json) {
			t.Errorf("%#v does not digest like %s", c.v, c.json)
		}
	}
	// Every NaN is one value; Inf is not NaN.
	a, _ := CanonicalDigest(math.NaN())
	b, _ := CanonicalDigest(math.Float64frombits(0x7ff8000000000001))
	inf, _ := CanonicalDigest(math.Inf(1))
	if a != b || a == inf {
		t.Error("NaN payloads digest differently, or NaN like +Inf")
	}
}

func TestDigestErrors(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	for name, v := range map[string]any{
		"channel": make(chan int),
		"struct":  struct{ A int }{1},
		"nested":  []any{struct{}{}},
		"cyclic":  cyclic,
		"number":  json.Number("1e400"),
	} {
		if _, err := CanonicalDigest(v); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: err %v, want invalid argument", name, err)
		}
	}
	for _, s := range []string{``, `{`, `{"a":}`, `1 2`, `{} x`, `[1e400]`, `nul`} {
		if _, err := DigestJSON([]byte(s)); !errs.Is(err, errs.Invalid) {
			t.Errorf("DigestJSON(%q): err %v, want invalid argument", s, err)
		}
	}
}

// The prediction log keeps digests for joins across releases, so the
// encoding must not drift. If this fails, the encoding changed: give it
// a new digestDomain and say so in the release notes, do not update the
// value. (The value was checked against a separate Python implementation
// of the encoding described in digest.go.)
func TestDigestIsStable(t *testing.T) {
	got := mustDigestJSON(t, `{"body":"I am out of the office","n":[1,2.5,null,true],"meta":{}}`).String()
	const want = "a34ac8764664439241c701f72706f654884ce8de6c9d76cd9ca9392a02d415ba"
	if got != want {
		t.Fatalf("digest %s, want %s", got, want)
	}
}

// Any JSON the decoder accepts digests without panicking, and the same
// value re-encoded (compact with sorted keys, or indented) keeps its
// digest.
func FuzzCanonicalDigest(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":[true,null,"x"]}`, `[1.0,-0,1e300,"\u00e9"]`, `"s"`, `{"":{"":[]}}`, `9007199254740993`, `-1.5e-320`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DigestJSON(data)
		if err != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("DigestJSON accepted what Decode refuses: %v", err)
		}
		for _, marshal := range []func(any) ([]byte, error){
			json.Marshal,
			func(v any) ([]byte, error) { return json.MarshalIndent(v, " ", "\t") },
		} {
			re, err := marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if d2, err := DigestJSON(re); err != nil || d2 != d {
				t.Fatalf("%q re-encoded as %q: digest %v (err %v), want %v", data, re, d2, err, d)
			}
		}
	})
}
