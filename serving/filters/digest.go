package filters

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/paddockml/paddock/errs"
)

// Digest is the SHA-256 of an input's canonical encoding.
type Digest [32]byte

// String returns the digest in lower-case hex, as the prediction log
// stores it.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// digestDomain starts every hashed encoding. The encoding is stored (the
// prediction log keeps digests for joins over months): a change to it
// must come with a new domain string, never silently.
const digestDomain = "paddock-input-v1\x00"

// maxDepth bounds nesting: no real input comes close, and a map that
// contains itself must end in an error, not a stack overflow.
const maxDepth = 1000

// The type tags of the canonical encoding.
const (
	tagNull   = 'n'
	tagFalse  = 'f'
	tagTrue   = 't'
	tagInt    = 'i' // 8 bytes, big-endian two's complement
	tagFloat  = 'd' // 8 bytes, big-endian IEEE 754 bits
	tagString = 's' // uvarint length, bytes
	tagArray  = 'a' // uvarint count, elements
	tagObject = 'o' // uvarint count, (key as a string without tag, value) by key
)

var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// CanonicalDigest returns the digest of an input (see the package doc
// for the types it takes). Inputs that mean the same get the same
// digest: object keys are sorted, and numbers are compared by value, so
// 1, 1.0 and 1e0 are one number. A number that is a whole value within
// int64 range is encoded as that integer, any other as its float64, so
// two numbers are the same when they are equal as float64 (or as int64
// when both are written as integers); floats are what models see.
// Strings are compared as decoded, so escapes and whitespace between
// tokens do not matter. An unsupported type, or a number that does not
// fit a float64, is an errs.Invalid error.
func CanonicalDigest(v any) (Digest, error) {
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	b, err := appendCanonical(append((*buf)[:0], digestDomain...), v, 0)
	if cap(b) <= 1<<20 { // keep only ordinary buffers for reuse
		*buf = b[:0]
	}
	if err != nil {
		return Digest{}, err
	}
	return sha256.Sum256(b), nil
}

// DigestJSON decodes one JSON value and returns its CanonicalDigest. Bad
// JSON, or data after the value, is an errs.Invalid error.
func DigestJSON(data []byte) (Digest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return Digest{}, errs.Wrap(errs.Invalid, err, "input is not valid JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Digest{}, errs.E(errs.Invalid, "input has data after its JSON value")
	}
	return CanonicalDigest(v)
}

// appendCanonical appends v's canonical encoding to b.
func appendCanonical(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, errs.E(errs.Invalid, "input is nested more than %d levels deep", maxDepth)
	}
	switch x := v.(type) {
	case nil:
		return append(b, tagNull), nil
	case bool:
		if x {
			return append(b, tagTrue), nil
		}
		return append(b, tagFalse), nil
	case string:
		return appendString(append(b, tagString), x), nil
	case json.Number:
		return appendNumber(b, string(x))
	case float64:
		return appendFloat(b, x), nil
	case float32:
		return appendFloat(b, float64(x)), nil
	case int:
		return appendInt(b, int64(x)), nil
	case int64:
		return appendInt(b, x), nil
	case int32:
		return appendInt(b, int64(x)), nil
	case uint64:
		if x > math.MaxInt64 {
			return appendFloat(b, float64(x)), nil
		}
		return appendInt(b, int64(x)), nil
	case map[string]any:
		return appendObject(b, x, depth)
	case []any:
		b = binary.AppendUvarint(append(b, tagArray), uint64(len(x)))
		return appendElems(b, x, depth)
	case []map[string]any:
		b = binary.AppendUvarint(append(b, tagArray), uint64(len(x)))
		var err error
		for _, m := range x {
			if b, err = appendObject(b, m, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	}
	return b, errs.E(errs.Invalid, "a %T is not a JSON value", v)
}

func appendElems(b []byte, elems []any, depth int) ([]byte, error) {
	var err error
	for _, e := range elems {
		if b, err = appendCanonical(b, e, depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

func appendObject(b []byte, m map[string]any, depth int) ([]byte, error) {
	var small [16]string // most rows have few columns: sort them on the stack
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(append(b, tagObject), uint64(len(keys)))
	var err error
	for _, k := range keys {
		b = appendString(b, k)
		if b, err = appendCanonical(b, m[k], depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendInt(b []byte, i int64) []byte {
	return binary.BigEndian.AppendUint64(append(b, tagInt), uint64(i))
}

// appendFloat encodes whole values in int64 range as integers (so -0,
// 1.0 and 1 agree) and every NaN as one NaN.
func appendFloat(b []byte, f float64) []byte {
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
		return appendInt(b, int64(f))
	}
	if math.IsNaN(f) {
		f = math.NaN()
	}
	return binary.BigEndian.AppendUint64(append(b, tagFloat), math.Float64bits(f))
}

func appendNumber(b []byte, s string) ([]byte, error) {
	// Only try ParseInt on digits: its error for "70.35" allocates.
	if isInteger(s) {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return appendInt(b, i), nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return b, errs.E(errs.Invalid, "input number %.40q is out of range or malformed", s)
	}
	return appendFloat(b, f), nil
}

// isInteger reports whether s is an optional minus and decimal digits.
func isInteger(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// canonicalEqual reports whether v's canonical encoding is want, without
// allocating.
func canonicalEqual(v any, want []byte) bool {
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	b, err := appendCanonical((*buf)[:0], v, 0)
	if cap(b) <= 1<<20 {
		*buf = b[:0]
	}
	return err == nil && bytes.Equal(b, want)
}
