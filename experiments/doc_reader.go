package experiments

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// docReader reads the JSON of a run document (runDocSQL) in place. A
// page holds some 10,000 strings; those without escapes, nearly all, are
// slices of the document rather than copies, which halves the time of
// reading a page and the garbage it leaves. It takes any JSON, but turns
// only what a document holds into Go values; the first error stops it.
type docReader struct {
	s   string
	i   int
	err error
}

func (r *docReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("byte %d: %s", r.i, fmt.Sprintf(format, args...))
	}
	r.i = len(r.s) // nothing more is read
}

func (r *docReader) space() {
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, 0 at the end.
func (r *docReader) peek() byte {
	r.space()
	if r.i < len(r.s) {
		return r.s[r.i]
	}
	return 0
}

// expect consumes c.
func (r *docReader) expect(c byte) {
	if r.peek() != c {
		r.fail("expected %q", c)
		return
	}
	r.i++
}

// open consumes the '[' of a list and reports whether it has elements;
// an empty list is consumed whole.
func (r *docReader) open() bool {
	r.expect('[')
	if r.err == nil && r.peek() == ']' {
		r.i++
		return false
	}
	return r.err == nil
}

// more is called after each element of a list: it consumes a ',' and
// reports true, or the closing ']' and reports false.
func (r *docReader) more() bool {
	switch r.peek() {
	case ',':
		r.i++
		return r.err == nil
	case ']':
		r.i++
		return false
	}
	r.fail("expected , or ]")
	return false
}

// end checks that nothing but white space follows.
func (r *docReader) end() {
	if r.peek() != 0 {
		r.fail("unexpected data after the document")
	}
}

// str reads a string.
func (r *docReader) str() string {
	r.expect('"')
	if r.err != nil {
		return ""
	}
	start := r.i
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case '"':
			r.i++
			return r.s[start : r.i-1]
		case '\\':
			return r.unescape(start)
		}
		r.i++
	}
	r.fail("unterminated string")
	return ""
}

// unescape finishes a string with escapes that began at start, keeping
// bytes that are not valid UTF-8 as they are (they were stored so).
// \u escapes become UTF-8; an unpaired surrogate becomes U+FFFD, as in
// encoding/json.
func (r *docReader) unescape(start int) string {
	var b strings.Builder
	b.WriteString(r.s[start:r.i])
	for r.i < len(r.s) {
		c := r.s[r.i]
		switch {
		case c == '"':
			r.i++
			return b.String()
		case c != '\\':
			b.WriteByte(c)
			r.i++
			continue
		case r.i+1 >= len(r.s):
			r.fail("unterminated escape")
			return ""
		}
		e := r.s[r.i+1]
		r.i += 2
		if e == 'u' {
			b.WriteRune(r.escapedRune())
			continue
		}
		if i := strings.IndexByte(`"\/bfnrt`, e); i >= 0 {
			b.WriteByte("\"\\/\b\f\n\r\t"[i])
			continue
		}
		r.fail("bad escape \\%c", e)
		return ""
	}
	r.fail("unterminated string")
	return ""
}

// escapedRune reads the XXXX of \uXXXX, and the second half of a
// surrogate pair.
func (r *docReader) escapedRune() rune {
	c := r.hex4()
	if !utf16.IsSurrogate(c) {
		return c
	}
	if strings.HasPrefix(r.s[r.i:], `\u`) {
		save := r.i
		r.i += 2
		if d := utf16.DecodeRune(c, r.hex4()); d != utf8.RuneError {
			return d
		}
		r.i = save // not a pair: the second escape stands alone
	}
	return utf8.RuneError
}

func (r *docReader) hex4() rune {
	if r.i+4 > len(r.s) {
		r.fail("short \\u escape")
		return utf8.RuneError
	}
	n, err := strconv.ParseUint(r.s[r.i:r.i+4], 16, 16)
	if err != nil {
		r.fail("bad \\u escape")
		return utf8.RuneError
	}
	r.i += 4
	return rune(n)
}

// number reads the text of a number.
func (r *docReader) number() string {
	r.space()
	start := r.i
	for r.i < len(r.s) && isNumberByte(r.s[r.i]) {
		r.i++
	}
	if r.i == start {
		r.fail("expected a number")
	}
	return r.s[start:r.i]
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func (r *docReader) int() int64 {
	text := r.number()
	if r.err != nil {
		return 0
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		r.fail("%q is not an integer", text)
		return 0
	}
	return n
}

// float reads a double exactly (strconv rounds correctly). SQLite writes
// infinities as ±9.0e+999, which strconv reads as ±Inf with a range
// error.
func (r *docReader) float() float64 {
	text := r.number()
	if r.err != nil {
		return 0
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !math.IsInf(f, 0) {
		r.fail("%q is not a number", text)
		return 0
	}
	return f
}

// null consumes a null and reports whether there was one.
func (r *docReader) null() bool {
	if r.peek() == 'n' && strings.HasPrefix(r.s[r.i:], "null") {
		r.i += 4
		return true
	}
	return false
}

// optionalInt reads an integer or null.
func (r *docReader) optionalInt() *int64 {
	if r.null() {
		return nil
	}
	n := r.int()
	return &n
}

// maxDepth bounds the nesting skip follows, so that a corrupt document
// cannot exhaust the stack.
const maxDepth = 64

// skip reads past any JSON value.
func (r *docReader) skip(depth int) {
	if depth > maxDepth {
		r.fail("nested too deep")
		return
	}
	switch c := r.peek(); {
	case c == '"':
		r.str()
	case c == '[':
		if r.open() {
			for r.skip(depth + 1); r.more(); {
				r.skip(depth + 1)
			}
		}
	case c == '{':
		r.object(func(string) { r.skip(depth + 1) })
	case c == 'n':
		if !r.null() {
			r.fail("bad literal")
		}
	case c == 't' && strings.HasPrefix(r.s[r.i:], "true"):
		r.i += 4
	case c == 'f' && strings.HasPrefix(r.s[r.i:], "false"):
		r.i += 5
	default:
		r.number()
	}
}

// object reads {"name": value, ...}, calling field to read each value.
func (r *docReader) object(field func(name string)) {
	r.expect('{')
	if r.err != nil {
		return
	}
	if r.peek() == '}' {
		r.i++
		return
	}
	for r.err == nil {
		name := r.str()
		r.expect(':')
		if r.err != nil {
			return
		}
		field(name)
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			return
		default:
			r.fail("expected , or }")
		}
	}
}
