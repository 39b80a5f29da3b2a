package predlog

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// A segment is a batch of entries of one model and one experiment (or
// none), stored as one row of prediction_segments with this encoding in
// its data column. Storing a row per batch instead of per entry is what
// makes logging every prediction affordable: the database pays for one
// insert, three index entries and a few pages per batch, and the codec
// below costs about 100 ns per entry to encode.
//
// Layout (varint: encoding/binary's zigzag Varint; uvarint: Uvarint;
// string: uvarint length then bytes; shared string: uvarint count of
// leading bytes shared with the previous entry's value of the field,
// then a string of the rest):
//
//	format        byte: segmentPlain (the only one so far)
//	model         string
//	experiment    string ("" for none)
//	count         uvarint, 1..maxSegmentEntries
//	base time     varint, Unix microseconds of the first entry
//	count entries, oldest first:
//	  time delta  uvarint, microseconds after the previous entry (0 for the first)
//	  flags       byte, see the flag constants
//	  version     varint
//	  request id  shared string
//	  alias       string, absent when flagSameAlias
//	  digest      32 raw bytes (digestRaw), a string (digestText) or nothing (digestNone)
//	  inputs      shared string, only with flagInputs (an entry without inputs has none to share)
//	  outputs     shared string, only with flagOutputs
//	  latency     varint, microseconds
//	  rule        string
//	  error       string
//
// Every byte stored costs the writer about 10 ns in SQLite (pages,
// WAL frames, checkpoints), so the encoding is compact where it is
// cheap to be: digests as bytes, and the prefixes that consecutive
// request ids (the server numbers them) and outputs (the same JSON
// keys) share stored once. The format byte leaves room for a
// compressed encoding: flate at its fastest costs more CPU per entry
// than it saves in SQLite (see BenchmarkSegmentCodec), so plain is all
// there is for now.

// segmentPlain is the uncompressed format.
const segmentPlain = 1

// maxSegmentEntries bounds a segment's entries so that an entry's index
// fits the low 16 bits of its ID (see Entry.ID).
const maxSegmentEntries = 1 << 16

// The bits of an entry's flags byte.
const (
	flagArmMask   = 0x03 // the arm, by armCodes
	flagCacheHit  = 0x04
	flagInputs    = 0x08
	flagOutputs   = 0x10
	flagDigest    = 0x60 // digestNone, digestRaw or digestText
	flagSameAlias = 0x80 // alias as the previous entry's
)

// How the input digest is stored: a lowercase hex SHA-256 (what serving
// logs) as its 32 bytes, anything else as given.
const (
	digestNone = 0x00
	digestRaw  = 0x20
	digestText = 0x40
)

// minEntryBytes is the smallest an encoded entry can be (delta, flags,
// version, request id's two lengths, latency, rule, error, each at least a byte): the
// decoder checks a count against it before trusting the count.
const minEntryBytes = 8

// armCodes are the arms in flag order.
var armCodes = [4]string{ArmNone, ArmProduction, ArmAlpha, ArmShadow}

func armCode(arm string) byte {
	switch arm {
	case ArmProduction:
		return 1
	case ArmAlpha:
		return 2
	case ArmShadow:
		return 3
	}
	return 0
}

// errCorrupt is wrapped by every decoding error.
var errCorrupt = errors.New("corrupt prediction log segment")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errCorrupt}, args...)...)
}

// appendSegment encodes entries, which share model and experiment and are
// sorted by time, after dst. The caller keeps len(entries) within
// 1..maxSegmentEntries.
func appendSegment(dst []byte, model, experiment string, entries []*Entry) []byte {
	dst = append(dst, segmentPlain)
	dst = appendString(dst, model)
	dst = appendString(dst, experiment)
	dst = binary.AppendUvarint(dst, uint64(len(entries)))
	prev := entries[0].Time.UnixMicro()
	dst = binary.AppendVarint(dst, prev)
	last := &Entry{} // shares nothing with the first entry
	for i, e := range entries {
		t := e.Time.UnixMicro()
		dst = binary.AppendUvarint(dst, uint64(t-prev))
		prev = t
		dst = appendEntry(dst, e, last, i > 0 && e.Alias == last.Alias)
		last = e
	}
	return dst
}

// appendEntry encodes an entry's fields after its time delta; last is
// the previous entry.
func appendEntry(dst []byte, e, last *Entry, sameAlias bool) []byte {
	flags := armCode(e.Arm)
	if e.CacheHit {
		flags |= flagCacheHit
	}
	if len(e.Inputs) > 0 {
		flags |= flagInputs
	}
	if len(e.Outputs) > 0 {
		flags |= flagOutputs
	}
	var raw [32]byte
	switch {
	case e.InputDigest == "":
	case decodeDigest(&raw, e.InputDigest):
		flags |= digestRaw
	default:
		flags |= digestText
	}
	if sameAlias {
		flags |= flagSameAlias
	}
	dst = append(dst, flags)
	dst = binary.AppendVarint(dst, e.Version)
	dst = appendShared(dst, e.RequestID, last.RequestID)
	if !sameAlias {
		dst = appendString(dst, e.Alias)
	}
	switch flags & flagDigest {
	case digestRaw:
		dst = append(dst, raw[:]...)
	case digestText:
		dst = appendString(dst, e.InputDigest)
	}
	if flags&flagInputs != 0 {
		dst = appendShared(dst, e.Inputs, last.Inputs)
	}
	if flags&flagOutputs != 0 {
		dst = appendShared(dst, e.Outputs, last.Outputs)
	}
	dst = binary.AppendVarint(dst, e.Latency.Microseconds())
	dst = appendString(dst, e.Rule)
	return appendString(dst, e.Error)
}

func appendString[S string | json.RawMessage](dst []byte, s S) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendShared appends s as the count of its leading bytes shared with
// last, then the rest.
func appendShared[S string | json.RawMessage](dst []byte, s, last S) []byte {
	n := 0
	for n < len(s) && n < len(last) && s[n] == last[n] {
		n++
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	return appendString(dst, s[n:])
}

// decodeDigest reads a 64-character lowercase hex digest into raw and
// reports whether s was one. Uppercase is refused: it would come back
// lowercase.
func decodeDigest(raw *[32]byte, s string) bool {
	if len(s) != 64 {
		return false
	}
	var bad byte
	for i := range raw {
		pair := s[2*i : 2*i+2]
		hi, lo := hexValues[pair[0]], hexValues[pair[1]]
		bad |= hi | lo
		raw[i] = hi<<4 | lo&0x0f
	}
	return bad&0xf0 == 0
}

// hexValues maps a lowercase hex digit to its value and anything else
// to 0xff, so decodeDigest checks a whole digest with one test.
var hexValues = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	return t
}()

// maxLatencyUS is the largest latency a time.Duration can hold, in
// microseconds: a larger one in a segment is corruption.
const maxLatencyUS = math.MaxInt64 / int64(1000)
