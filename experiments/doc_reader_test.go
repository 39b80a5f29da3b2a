package experiments

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// Strings decode as encoding/json decodes them, escapes and surrogate
// pairs included, except that bytes which are not UTF-8 are kept as they
// are (SQLite stores and writes them so).
func TestDocReaderStrings(t *testing.T) {
	for _, lit := range []string{
		`""`, `"plain"`, `"a\"b\\c\/d"`, `"\b\f\n\r\t"`, `"\u0000\u001f\u00e9\u2028"`,
		`"\ud83d\ude80 rocket"`, `"\ud83d alone"`, `"\ude80 low alone"`, `"\ud83d\u0041"`, `"émoji 🚀"`,
	} {
		d := docReader{s: lit}
		got := d.str()
		var want string
		if err := json.Unmarshal([]byte(lit), &want); err != nil {
			t.Fatalf("%s: %v", lit, err)
		}
		if d.err != nil || got != want {
			t.Errorf("%s: got %q (%v), want %q", lit, got, d.err, want)
		}
	}
	raw := "\"bad \xff\xfe utf8 \\n\""
	if d := (docReader{s: raw}); d.str() != "bad \xff\xfe utf8 \n" || d.err != nil {
		t.Errorf("invalid UTF-8 not kept: %v", d.err)
	}
	for _, bad := range []string{`"open`, `"\`, `"\x"`, `"\u12"`, `"\uzzzz"`, `x`} {
		if d := (docReader{s: bad}); d.str() != "" || d.err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestDocReaderNumbers(t *testing.T) {
	for text, want := range map[string]float64{
		"0.5": 0.5, "-2": -2, "1.3135252409668e-220": 1.3135252409668e-220, "9.0e+999": math.Inf(1),
		"-9.0e+999": math.Inf(-1), "4.9406564584124654e-324": 5e-324, "0.0": 0,
	} {
		d := docReader{s: text}
		if got := d.float(); d.err != nil || got != want {
			t.Errorf("%s: got %v (%v), want %v", text, got, d.err, want)
		}
	}
	for _, bad := range []string{"", "x", "1.2.3", "--1"} {
		if d := (docReader{s: bad}); d.float() != 0 || d.err == nil {
			t.Errorf("float %q: no error", bad)
		}
	}
	for _, bad := range []string{"1.5", "9223372036854775808", "1e3"} {
		if d := (docReader{s: bad}); d.int() != 0 || d.err == nil {
			t.Errorf("int %q: no error", bad)
		}
	}
}

// The decoder never panics, and a document it accepts, written again in
// SQLite's way, reads back the same.
func FuzzDecodeRunDoc(f *testing.F) {
	info := `["0123abcd",7,"name","user","RUNNING",1,null,"uri","active"]`
	f.Add(`[` + info + `,[["f1",0.5,1,2,0]],[["lr","0.01"]],[["team","nlp"]],[[1,[{"key":"k","value":"v"}]]]]`)
	f.Add(`[` + info + `,[],[],[],[]]`)
	f.Add(`[` + info + `,[["f\u00e9",9.0e+999,1,2,1]],[],[],[[2,{"odd":[1,{"x":null}]}],[3,[7,{"key":"a"}]]]]`)
	f.Add(`[` + strings.Repeat("[", 100) + `]`)
	f.Fuzz(func(t *testing.T, doc string) {
		var r Run
		links, err := decodeRunDoc(doc, &r)
		if err != nil {
			return
		}
		again := encodeRunDoc(r, links)
		var r2 Run
		links2, err := decodeRunDoc(again, &r2)
		if err != nil {
			t.Fatalf("%q read, but not its rewrite %q: %v", doc, again, err)
		}
		if a, b := runDataString(r)+linksString(links), runDataString(r2)+linksString(links2); a != b {
			t.Fatalf("%q:\nfirst  %s\nsecond %s", doc, a, b)
		}
	})
}

// encodeRunDoc writes a document as runDocSQL does.
func encodeRunDoc(r Run, links []inputLink) string {
	var b strings.Builder
	i := r.Info
	opt := func(p *int64) string {
		if p == nil {
			return "null"
		}
		return strconv.FormatInt(*p, 10)
	}
	fmt.Fprintf(&b, "[[%s,%d,%s,%s,%s,%s,%s,%s,%s],[", quoteSQLite(i.RunID), i.ExperimentID, quoteSQLite(i.RunName), quoteSQLite(i.UserID),
		quoteSQLite(i.Status), opt(i.StartTime), opt(i.EndTime), quoteSQLite(i.ArtifactURI), quoteSQLite(i.LifecycleStage))
	for j, m := range r.Metrics {
		v, isNaN := m.Value, 0
		if math.IsNaN(v) {
			v, isNaN = 0, 1
		}
		text := strconv.FormatFloat(v, 'g', 17, 64)
		if math.IsInf(v, 0) {
			text = strings.Replace(strings.Replace(text, "+Inf", "9.0e+999", 1), "-Inf", "-9.0e+999", 1)
		}
		fmt.Fprintf(&b, "%s[%s,%s,%d,%d,%d]", sep(j), quoteSQLite(m.Key), text, m.Timestamp, m.Step, isNaN)
	}
	b.WriteString("],[")
	for j, p := range r.Params {
		fmt.Fprintf(&b, "%s[%s,%s]", sep(j), quoteSQLite(p.Key), quoteSQLite(p.Value))
	}
	b.WriteString("],[")
	for j, t := range r.Tags {
		fmt.Fprintf(&b, "%s[%s,%s]", sep(j), quoteSQLite(t.Key), quoteSQLite(t.Value))
	}
	b.WriteString("],[")
	for j, l := range links {
		fmt.Fprintf(&b, "%s[%d,[", sep(j), l.datasetPK)
		for k, t := range l.tags {
			fmt.Fprintf(&b, `%s{"key":%s,"value":%s}`, sep(k), quoteSQLite(t.Key), quoteSQLite(t.Value))
		}
		b.WriteString("]]")
	}
	b.WriteString("]]")
	return b.String()
}

func sep(i int) string {
	if i == 0 {
		return ""
	}
	return ","
}

// quoteSQLite quotes as SQLite's JSON functions do: quote, backslash and
// control characters escaped, every other byte as it is.
func quoteSQLite(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func linksString(links []inputLink) string {
	var b strings.Builder
	for _, l := range links {
		fmt.Fprintf(&b, "%d:", l.datasetPK)
		for _, t := range l.tags {
			fmt.Fprintf(&b, "%q=%q,", t.Key, t.Value)
		}
		b.WriteByte(' ')
	}
	return b.String()
}
