package codec

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/paddockml/paddock/flavor"
)

// jsonStyle is how a peer's JSON serializer writes values. Both peers are
// Python: MLflow's scoring server calls json.dump with its defaults, and
// KServe answers through Starlette's JSONResponse, json.dumps with
// separators=(",", ":"), ensure_ascii=False and allow_nan=False.
type jsonStyle struct {
	comma, colon string // item and key separators
	// asciiOnly escapes every non-ASCII character (and DEL) as \uXXXX,
	// json.dumps' ensure_ascii=True.
	asciiOnly bool
	// nanNull writes NaN and infinities as null. Starlette refuses them
	// (allow_nan=False), so KServe would fail the request; null keeps the
	// response valid JSON instead of failing it.
	nanNull bool
	// short32 writes float32 values in their shortest float32 digits (0.1f
	// is 0.1), which is what they mean and a third of the work of the
	// widened float64 repr; Paddock's own API and log use it.
	short32 bool
}

var (
	mlflowStyle  = jsonStyle{comma: ", ", colon: ": ", asciiOnly: true}
	v2Style      = jsonStyle{comma: ",", colon: ":", nanNull: true}
	compactStyle = jsonStyle{comma: ",", colon: ":", nanNull: true, short32: true}
)

// appendFloat writes f as Python's repr(float) does, the form both peers
// emit: the shortest digits that read back as f, in positional notation
// with at least one decimal ("1.0", "0.0001") from 1e-4 up to 1e16 and in
// exponent notation ("1e-05", "1.5e+16") outside. Go's 'g' format
// switches to exponents at 1e21 and drops ".0", hence this function.
// NaN and infinities are NaN, Infinity and -Infinity (json.dumps with
// allow_nan) or null (nanNull).
func appendFloat(dst []byte, f float64, st *jsonStyle) []byte {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		if st.nanNull {
			return append(dst, "null"...)
		}
		if math.IsNaN(f) {
			return append(dst, "NaN"...)
		}
		if f > 0 {
			return append(dst, "Infinity"...)
		}
		return append(dst, "-Infinity"...)
	}
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.AppendFloat(dst, f, 'e', -1, 64)
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	for _, c := range dst[start:] {
		if c == '.' {
			return dst
		}
	}
	return append(dst, ".0"...)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string the way Python's json module
// does: the short escapes for \" \\ \n \r \t \b \f, \u00XX (lower-case
// hex) for other control characters and, with asciiOnly, \uXXXX (and
// surrogate pairs) for everything past ASCII. Invalid UTF-8, which a
// Python string cannot hold, is written as U+FFFD.
func appendString(dst []byte, s string, st *jsonStyle) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = appendASCII(dst, c, st)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case st.asciiOnly && r > 0xffff:
			r1, r2 := surrogates(r)
			dst = appendU4(appendU4(dst, r1), r2)
		case st.asciiOnly:
			dst = appendU4(dst, r)
		default:
			dst = utf8.AppendRune(dst, r) // RuneError for invalid input
		}
	}
	return append(dst, '"')
}

func appendASCII(dst []byte, c byte, st *jsonStyle) []byte {
	switch c {
	case '"':
		return append(dst, `\"`...)
	case '\\':
		return append(dst, `\\`...)
	case '\n':
		return append(dst, `\n`...)
	case '\r':
		return append(dst, `\r`...)
	case '\t':
		return append(dst, `\t`...)
	case '\b':
		return append(dst, `\b`...)
	case '\f':
		return append(dst, `\f`...)
	}
	if c < 0x20 || (c == 0x7f && st.asciiOnly) {
		return appendU4(dst, rune(c))
	}
	return append(dst, c)
}

func appendU4(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// appendValue writes element i of t.
func appendValue(dst []byte, t *flavor.Tensor, i int, st *jsonStyle) []byte {
	switch t.DType {
	case flavor.Float32:
		if st.short32 {
			f := float64(t.F32[i])
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return append(dst, "null"...)
			}
			return strconv.AppendFloat(dst, f, 'g', -1, 32)
		}
		// numpy's tolist() widens float32 to a Python float, so both peers
		// print the float64 repr of the widened value (0.1f is
		// 0.10000000149011612), not the shortest float32 digits.
		return appendFloat(dst, float64(t.F32[i]), st)
	case flavor.Float64:
		return appendFloat(dst, t.F64[i], st)
	case flavor.Int64:
		return strconv.AppendInt(dst, t.I64[i], 10)
	case flavor.Bool:
		return strconv.AppendBool(dst, t.Bool[i])
	case flavor.String:
		return appendString(dst, t.Str[i], st)
	}
	return append(dst, "null"...)
}

// appendList writes elements [from, to) of t as a JSON list.
func appendList(dst []byte, t *flavor.Tensor, from, to int, st *jsonStyle) []byte {
	dst = append(dst, '[')
	for i := from; i < to; i++ {
		if i > from {
			dst = append(dst, st.comma...)
		}
		dst = appendValue(dst, t, i, st)
	}
	return append(dst, ']')
}

// encodeShape is the shape an encoder writes t with: its own, or [n] for
// a tensor whose data does not fill its shape (a flavor bug, which must
// not make the encoder index out of range). n < 0 is an unknown dtype.
func encodeShape(t *flavor.Tensor) (shape []int, n int) {
	n = dataLen(t)
	if c, ok := countOf(t.Shape); ok && c == n {
		return t.Shape, n
	}
	if n < 0 {
		return []int{0}, 0
	}
	return []int{n}, n
}
