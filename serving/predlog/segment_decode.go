package predlog

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"time"
)

// segmentHeader is what precedes a segment's entries.
type segmentHeader struct {
	model, experiment string
	count             int
}

// rawEntry is an entry as decoded, before any allocation: its byte
// fields point into the segment or the decoder's buffers, so filters can
// reject it for free. It is valid until the decoder's next call.
type rawEntry struct {
	index                      int // position in the segment
	timeUS, version, latencyUS int64
	flags                      byte
	requestID, alias, digest   []byte
	inputs, outputs            []byte
	rule, errText              []byte
}

// segmentDecoder reads a segment's entries in order, one at a time.
type segmentDecoder struct {
	buf    []byte
	pos    int
	left   int // entries not yet read
	index  int // index of the next entry
	timeUS int64
	alias  []byte
	// The previous entry's shared strings, rebuilt in place.
	requestID, inputs, outputs []byte
}

// openSegment reads a segment's header and returns a decoder positioned
// at its first entry. Nothing in data is trusted: a count, length or
// time that does not fit is an error wrapping errCorrupt.
func openSegment(data []byte) (segmentHeader, *segmentDecoder, error) {
	var h segmentHeader
	d := &segmentDecoder{buf: data}
	if len(data) == 0 || data[0] != segmentPlain {
		return h, nil, corrupt("unknown format")
	}
	d.pos = 1
	model, err1 := d.bytes()
	experiment, err2 := d.bytes()
	count, err3 := d.uvarint()
	base, err4 := d.varint()
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			return h, nil, err
		}
	}
	// Checked before anything is sized by it.
	if count == 0 || count > maxSegmentEntries || count > uint64(len(data)-d.pos)/minEntryBytes {
		return h, nil, corrupt("%d entries in %d bytes", count, len(data))
	}
	h = segmentHeader{model: string(model), experiment: string(experiment), count: int(count)}
	d.left, d.timeUS = int(count), base
	return h, d, nil
}

// next decodes the next entry into r and reports whether there was one.
// After the last entry it checks that nothing follows.
func (d *segmentDecoder) next(r *rawEntry) (bool, error) {
	if d.left == 0 {
		if d.pos != len(d.buf) {
			return false, corrupt("%d bytes after the last entry", len(d.buf)-d.pos)
		}
		return false, nil
	}
	delta, err := d.uvarint()
	if err != nil {
		return false, err
	}
	if delta > uint64(math.MaxInt64)-uint64(d.timeUS) {
		return false, corrupt("time out of range")
	}
	d.timeUS += int64(delta)
	if d.pos >= len(d.buf) {
		return false, corrupt("truncated")
	}
	*r = rawEntry{index: d.index, timeUS: d.timeUS, flags: d.buf[d.pos]}
	d.pos++
	if err := d.fields(r); err != nil {
		return false, err
	}
	d.left--
	d.index++
	return true, nil
}

// fields decodes what follows an entry's flags.
func (d *segmentDecoder) fields(r *rawEntry) (err error) {
	if r.version, err = d.varint(); err != nil {
		return err
	}
	if d.requestID, err = d.shared(d.requestID); err != nil {
		return err
	}
	r.requestID = d.requestID
	if r.flags&flagSameAlias == 0 {
		if d.alias, err = d.bytes(); err != nil {
			return err
		}
	} else if r.index == 0 {
		return corrupt("first entry repeats an alias")
	}
	r.alias = d.alias
	switch r.flags & flagDigest {
	case digestRaw:
		r.digest, err = d.take(32)
	case digestText:
		r.digest, err = d.bytes()
	case flagDigest:
		err = corrupt("unknown digest kind")
	}
	if err != nil {
		return err
	}
	if d.inputs, err = d.json(r.flags&flagInputs != 0, d.inputs); err != nil {
		return err
	}
	if d.outputs, err = d.json(r.flags&flagOutputs != 0, d.outputs); err != nil {
		return err
	}
	r.inputs, r.outputs = d.inputs, d.outputs
	if r.latencyUS, err = d.varint(); err != nil {
		return err
	}
	if r.latencyUS > maxLatencyUS || r.latencyUS < -maxLatencyUS {
		return corrupt("latency out of range")
	}
	if r.rule, err = d.bytes(); err != nil {
		return err
	}
	r.errText, err = d.bytes()
	return err
}

func (d *segmentDecoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.buf[d.pos:])
	if n <= 0 {
		return 0, corrupt("bad varint at byte %d", d.pos)
	}
	d.pos += n
	return v, nil
}

func (d *segmentDecoder) varint() (int64, error) {
	v, n := binary.Varint(d.buf[d.pos:])
	if n <= 0 {
		return 0, corrupt("bad varint at byte %d", d.pos)
	}
	d.pos += n
	return v, nil
}

// bytes reads a length-prefixed string, capped so that appending to it
// cannot overwrite what follows.
func (d *segmentDecoder) bytes() ([]byte, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.buf)-d.pos) {
		return nil, corrupt("string of %d bytes at byte %d overruns the segment", n, d.pos)
	}
	return d.take(int(n))
}

// shared reads a shared string: the count of bytes kept from last,
// then the rest, appended in last's place.
func (d *segmentDecoder) shared(last []byte) ([]byte, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(last)) {
		return nil, corrupt("%d bytes shared with a value of %d at byte %d", n, len(last), d.pos)
	}
	rest, err := d.bytes()
	if err != nil {
		return nil, err
	}
	return append(last[:n], rest...), nil
}

// json reads Inputs or Outputs when present; the encoder flags them
// only when they are not empty, so an empty one is corruption. An
// absent one is empty: the next entry shares nothing with it.
func (d *segmentDecoder) json(present bool, last []byte) ([]byte, error) {
	if !present {
		return last[:0], nil
	}
	b, err := d.shared(last)
	if err == nil && len(b) == 0 {
		err = corrupt("empty JSON at byte %d", d.pos)
	}
	return b, err
}

func (d *segmentDecoder) take(n int) ([]byte, error) {
	if n > len(d.buf)-d.pos {
		return nil, corrupt("truncated")
	}
	b := d.buf[d.pos : d.pos+n : d.pos+n]
	d.pos += n
	return b, nil
}

// materializer turns raw entries of one segment into Entries, sharing
// the strings all of them repeat.
type materializer struct {
	segmentID int64
	header    segmentHeader
	alias     string // the last alias built, reused while it repeats
}

// entry builds the Entry of r.
func (m *materializer) entry(r *rawEntry) Entry {
	if string(r.alias) != m.alias {
		m.alias = string(r.alias)
	}
	e := Entry{
		ID:        m.segmentID<<16 | int64(r.index),
		RequestID: string(r.requestID),
		Time:      time.UnixMicro(r.timeUS).UTC(),
		Model:     m.header.model, Version: r.version, Alias: m.alias,
		Arm:          armCodes[r.flags&flagArmMask],
		ExperimentID: m.header.experiment,
		Latency:      time.Duration(r.latencyUS) * time.Microsecond,
		CacheHit:     r.flags&flagCacheHit != 0,
		Rule:         string(r.rule),
		Error:        string(r.errText),
	}
	switch r.flags & flagDigest {
	case digestRaw:
		var buf [64]byte
		hex.Encode(buf[:], r.digest)
		e.InputDigest = string(buf[:])
	case digestText:
		e.InputDigest = string(r.digest)
	}
	if r.flags&flagInputs != 0 {
		e.Inputs = json.RawMessage(bytes.Clone(r.inputs))
	}
	if r.flags&flagOutputs != 0 {
		e.Outputs = json.RawMessage(bytes.Clone(r.outputs))
	}
	return e
}
