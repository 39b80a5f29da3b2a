package codec

import (
	"errors"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// decoder is what decoding one body needs: a fastjson parser, which
// keeps its value cache between bodies, and a scratch buffer for number
// literals. Decoders are pooled (as fastjson.ParserPool pools parsers),
// so a warm decoder parses a body without allocating.
type decoder struct {
	p       fastjson.Parser
	scratch []byte
	bodyLen int
}

var decoders = sync.Pool{New: func() any { return &decoder{scratch: make([]byte, 0, 64)} }}

func getDecoder() *decoder { return decoders.Get().(*decoder) }

// put returns d to the pool; values it parsed are invalid afterwards.
// A parser keeps values for the largest body it has parsed, so after a
// large body it is replaced: one big request must not pin its memory in
// the pool for good.
func (d *decoder) put() {
	if d.bodyLen > 1<<20 {
		d.p = fastjson.Parser{}
	}
	if cap(d.scratch) > 1<<10 {
		d.scratch = make([]byte, 0, 64)
	}
	decoders.Put(d)
}

// parse validates body as UTF-8 (MLflow decodes every body as UTF-8
// before parsing, and strings reach logs and responses) and parses it.
// The returned value lives until d is put back.
func (d *decoder) parse(body []byte) (*fastjson.Value, error) {
	d.bodyLen = len(body)
	if !utf8.Valid(body) {
		return nil, inputErr("the body is not valid UTF-8")
	}
	v, err := d.p.ParseBytes(body)
	if err != nil {
		return nil, inputErr("malformed JSON: %v", err)
	}
	return v, nil
}

// pickFields stores in vals[i] the value of the key names[i] of o. A key
// seen twice is an error (Python's json keeps the last one silently,
// which hides mistakes); so is a key not in names when strict.
func pickFields(o *fastjson.Object, names []string, vals []*fastjson.Value, strict bool) error {
	var err error
	o.Visit(func(k []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		for i, n := range names {
			if string(k) == n {
				if vals[i] != nil {
					err = inputErr("duplicate key %q", n)
				}
				vals[i] = v
				return
			}
		}
		if strict {
			err = inputErr("unknown key %q (expected one of %s)", k, quoteList(names))
		}
	})
	return err
}

// numberOf returns the value of a JSON number. fastjson's own Float64 is
// not correctly rounded for some 16- and 17-digit inputs, and a value one
// ulp off can fall on the other side of a tree's split, so the literal
// is converted here, rounding as Python's json does.
func (d *decoder) numberOf(v *fastjson.Value) (float64, bool) {
	return parseNumber(d.literal(v))
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber converts a number literal, correctly rounded. A literal
// whose digits make an integer below 2^53 scaled by at most 10^22 is
// converted with one multiplication or division, which IEEE 754 rounds
// exactly (Clinger's fast path, which strconv also takes, minus its
// overhead); anything else goes to strconv.ParseFloat. Literals under 32
// bytes convert without allocating.
func parseNumber(s []byte) (float64, bool) {
	i, neg := 0, len(s) > 0 && s[0] == '-'
	if neg {
		i++
	}
	var m uint64
	exp, digits, start := 0, 0, i
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		m, digits = m*10+uint64(s[i]-'0'), digits+1
	}
	intEnd := i
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			m, digits, exp = m*10+uint64(s[i]-'0'), digits+1, exp-1
		}
	}
	if i == len(s) && intEnd > start && digits <= 19 && m < 1<<53 && exp >= -22 {
		f := float64(m) / pow10[-exp]
		if neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false // fastjson lets through "1-2", "--" and the like
	}
	return f, true // out of range is ±Inf, as Python reads 1e400
}

// literal returns a number's text. fastjson keeps it unexported, and
// MarshalTo makes its buffer escape, so the text goes to d's scratch
// buffer rather than a stack array.
func (d *decoder) literal(v *fastjson.Value) []byte {
	d.scratch = v.MarshalTo(d.scratch[:0])
	return d.scratch
}

// intLiteral reports whether a JSON number is written as an integer (no
// fraction, exponent, NaN or infinity) and, if so, its exact value. ok is
// false for integers beyond int64.
func (d *decoder) intLiteral(v *fastjson.Value) (n int64, isInt, ok bool) {
	raw := d.literal(v)
	for _, c := range raw {
		if (c < '0' || c > '9') && c != '-' && c != '+' {
			return 0, false, false
		}
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, true, err == nil
}

// setCell stores a scalar JSON value in c, which must be a zero Cell;
// ok is false for lists, objects and malformed numbers. Only strings
// write c.Str: storing a pointer costs a GC write barrier, which for
// numeric rows was a fifth of the decoding time.
func (d *decoder) setCell(c *Cell, v *fastjson.Value) (ok bool) {
	switch v.Type() {
	case fastjson.TypeNumber:
		c.Kind = Number
		c.Num, ok = d.numberOf(v)
		return ok
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		c.Kind, c.Str = String, string(b)
	case fastjson.TypeNull:
	case fastjson.TypeTrue:
		c.Kind, c.Num = Bool, 1
	case fastjson.TypeFalse:
		c.Kind = Bool
	default:
		return false
	}
	return true
}

// badCell explains why setCell refused v.
func badCell(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeArray:
		return "a list where a single value is expected"
	case fastjson.TypeObject:
		return "an object where a single value is expected"
	}
	return "malformed number " + truncate(v.String(), 40)
}

// stringOf returns a JSON string's value; ok is false for other types
// and for nil (an absent key).
func stringOf(v *fastjson.Value) (string, bool) {
	if v == nil || v.Type() != fastjson.TypeString {
		return "", false
	}
	b, _ := v.StringBytes()
	return string(b), true
}

// jsonType names a JSON value's type for messages.
func jsonType(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeArray:
		return "a list"
	case fastjson.TypeObject:
		return "an object"
	case fastjson.TypeString:
		return "a string"
	case fastjson.TypeNumber:
		return "a number"
	case fastjson.TypeNull:
		return "null"
	}
	return "a boolean"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func quoteList(names []string) string {
	b := make([]byte, 0, 16*len(names))
	for i, n := range names {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendQuote(b, n)
	}
	return string(b)
}
