package predlog

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// decodeAll decodes a whole segment as the reader would, giving entry
// ids of segment 1.
func decodeAll(data []byte) (segmentHeader, []Entry, error) {
	h, dec, err := openSegment(data)
	if err != nil {
		return h, nil, err
	}
	m := materializer{segmentID: 1, header: h}
	var out []Entry
	for {
		var r rawEntry
		ok, err := dec.next(&r)
		if err != nil || !ok {
			return h, out, err
		}
		out = append(out, m.entry(&r))
	}
}

func pointers(entries []Entry) []*Entry {
	out := make([]*Entry, len(entries))
	for i := range entries {
		out[i] = &entries[i]
	}
	return out
}

// codecEntries covers every field and every way of storing one.
func codecEntries() []Entry {
	base := time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)
	hexDigest := strings.Repeat("0f", 32)
	return []Entry{
		{RequestID: "r1", Time: base, Model: "m", Version: 7, Alias: "production", Arm: ArmProduction,
			ExperimentID: "exp", InputDigest: hexDigest, Inputs: json.RawMessage(`{"x":[1,2]}`),
			Outputs: json.RawMessage(`{"y":[0.5]}`), Latency: 1234 * time.Microsecond},
		// Same time, same alias (stored once), alpha, cache hit.
		{RequestID: "r1", Time: base, Model: "m", Version: 8, Alias: "production", Arm: ArmAlpha,
			ExperimentID: "exp", InputDigest: hexDigest, Outputs: json.RawMessage(`1`), CacheHit: true},
		// Digests that are not lowercase hex SHA-256 are kept as given.
		{RequestID: "", Time: base.Add(time.Microsecond), Model: "m", Version: -3, Alias: "", Arm: ArmShadow,
			ExperimentID: "exp", InputDigest: strings.ToUpper(hexDigest), Latency: -5 * time.Microsecond},
		{RequestID: "r3", Time: base.Add(time.Hour), Model: "m", Version: math.MaxInt64, Alias: "é", Arm: ArmNone,
			ExperimentID: "exp", InputDigest: "abc", Rule: "ooo", Error: "boom\x00"},
		{RequestID: strings.Repeat("z", 300), Time: base.Add(time.Hour), Model: "m", Version: math.MinInt64, Alias: "production",
			ExperimentID: "exp", InputDigest: strings.Repeat("g", 64), Latency: time.Duration(maxLatencyUS) * time.Microsecond},
	}
}

// An entry decodes exactly as it was encoded, its id being its
// segment's id and its index.
func TestSegmentRoundTrip(t *testing.T) {
	in := codecEntries()
	data := appendSegment([]byte("prefix"), "m", "exp", pointers(in))[len("prefix"):]
	h, got, err := decodeAll(data)
	if err != nil {
		t.Fatal(err)
	}
	if h.model != "m" || h.experiment != "exp" || h.count != len(in) {
		t.Fatalf("header %+v", h)
	}
	if len(got) != len(in) {
		t.Fatalf("decoded %d entries, want %d", len(got), len(in))
	}
	for i := range in {
		want := in[i]
		want.ID = 1<<16 | int64(i)
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, got[i], want)
		}
	}
	// A hex digest takes its 32 bytes, and a repeated alias none.
	one := appendSegment(nil, "m", "", pointers(in[:1]))
	text := in[0]
	text.InputDigest = strings.ToUpper(text.InputDigest)
	if d := len(appendSegment(nil, "m", "", []*Entry{&text})) - len(one); d != 64+1-32 {
		t.Errorf("a text digest took %d bytes more than a raw one, want 33", d)
	}
	two := appendSegment(nil, "m", "", []*Entry{&in[0], &in[0]})
	if len(two)-len(one) >= len(one)-len("m")-10-len("production") {
		t.Errorf("a repeated alias is stored again: %d then %d bytes", len(one), len(two))
	}
}

// Every truncation of a segment is an error, not a panic or a shorter
// segment.
func TestSegmentTruncatedIsError(t *testing.T) {
	data := appendSegment(nil, "m", "exp", pointers(codecEntries()))
	for n := range len(data) {
		if _, _, err := decodeAll(data[:n]); !errors.Is(err, errCorrupt) {
			t.Fatalf("%d of %d bytes: err %v, want corrupt", n, len(data), err)
		}
	}
}

// Segments that no encoder writes are refused with errCorrupt.
func TestSegmentCorruptIsError(t *testing.T) {
	valid := appendSegment(nil, "m", "", pointers(codecEntries()[:1]))
	header := func(count uint64, base int64) []byte {
		b := append([]byte{segmentPlain}, 1, 'm', 0)
		b = binary.AppendUvarint(b, count)
		return binary.AppendVarint(b, base)
	}
	// A minimal entry: delta, flags, version, request id (shared 0, length
	// 0), alias, then rest: latency, rule, error.
	minimal := func(delta uint64, flags byte, rest ...byte) []byte {
		b := binary.AppendUvarint(nil, delta)
		b = append(b, flags, 0, 0, 0)
		if flags&flagSameAlias == 0 {
			b = append(b, 0)
		}
		return append(b, rest...)
	}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	cases := map[string][]byte{
		"empty":              nil,
		"unknown format":     append([]byte{9}, valid[1:]...),
		"no entries":         header(0, 0),
		"too many entries":   cat(header(maxSegmentEntries+1, 0), make([]byte, 8*(maxSegmentEntries+1))),
		"count over bytes":   cat(header(maxSegmentEntries, 0), minimal(0, 0, 0, 0, 0)),
		"trailing bytes":     append(append([]byte{}, valid...), 0),
		"string overrun":     cat(header(1, 0), []byte{0, 0, 0, 0, 200}, make([]byte, 10)),
		"huge string length": cat(header(1, 0), []byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, make([]byte, 10)),
		"nothing to share":   cat(header(1, 0), []byte{0, 0, 0, 3, 1, 'x'}, make([]byte, 10)),
		"bad varint":         cat(header(1, 0), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, make([]byte, 10)),
		"first repeats":      cat(header(1, 0), minimal(0, flagSameAlias, 0, 0, 0)),
		"digest kind":        cat(header(1, 0), minimal(0, flagDigest, 0, 0, 0, 0)),
		"time overflow":      cat(header(2, math.MaxInt64), minimal(0, 0, 0, 0, 0), minimal(1, 0, 0, 0, 0)),
		"latency range":      cat(header(1, 0), minimal(0, 0, binary.AppendVarint(nil, maxLatencyUS+1)...), []byte{0, 0}),
		"empty inputs":       cat(header(1, 0), minimal(0, flagInputs, 0, 0, 0, 0)),
	}
	for name, data := range cases {
		if _, _, err := decodeAll(data); !errors.Is(err, errCorrupt) {
			t.Errorf("%s: err %v, want corrupt", name, err)
		}
	}
	// The minimal entry itself is valid: the cases above fail for their reason.
	if _, got, err := decodeAll(cat(header(1, 5), minimal(0, 0, 0, 0, 0))); err != nil || len(got) != 1 || got[0].Time.UnixMicro() != 5 {
		t.Fatalf("minimal segment: %v %+v", err, got)
	}
}

// Any change to any byte decodes or fails cleanly.
func TestSegmentBitFlips(t *testing.T) {
	data := appendSegment(nil, "m", "exp", pointers(codecEntries()))
	for i := range data {
		for _, v := range []byte{0, 1, 0x7f, 0x80, 0xff, data[i] ^ 0x40} {
			c := append([]byte{}, data...)
			c[i] = v
			if _, _, err := decodeAll(c); err != nil && !errors.Is(err, errCorrupt) {
				t.Fatalf("byte %d = %#x: error %v does not wrap errCorrupt", i, v, err)
			}
		}
	}
}

// FuzzSegmentDecode: segments are read from the database and, later,
// from segment files; whatever their bytes, decoding returns entries or
// an error wrapping errCorrupt, never panics, and what decodes encodes
// back to the same entries.
func FuzzSegmentDecode(f *testing.F) {
	entries := codecEntries()
	f.Add(appendSegment(nil, "m", "exp", pointers(entries)))
	f.Add(appendSegment(nil, "", "", pointers(entries[2:3])))
	f.Add([]byte{segmentPlain, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, got, err := decodeAll(data)
		if err != nil {
			if !errors.Is(err, errCorrupt) {
				t.Fatalf("error %v does not wrap errCorrupt", err)
			}
			return
		}
		if len(got) != h.count || len(got) == 0 || len(got) > maxSegmentEntries {
			t.Fatalf("%d entries for a count of %d", len(got), h.count)
		}
		again := appendSegment(nil, h.model, h.experiment, pointers(got))
		_, back, err := decodeAll(again)
		if err != nil {
			t.Fatalf("re-encoded segment: %v", err)
		}
		if !reflect.DeepEqual(back, got) {
			t.Fatalf("re-encoded entries differ:\n got %+v\nwant %+v", back, got)
		}
	})
}

// realisticEntries are what serving logs: request ids as the server
// makes them, a SHA-256 per input, one predicted probability.
func realisticEntries(n int) []Entry {
	out := make([]Entry, n)
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range out {
		sum := sha256.Sum256(binary.AppendUvarint(nil, uint64(i)))
		p := float64(binary.BigEndian.Uint64(sum[8:])) / math.MaxUint64
		out[i] = Entry{
			RequestID: "9f2c41d7-" + hexID(uint64(1_000_000+i)), Time: start.Add(time.Duration(i*33) * time.Microsecond),
			Model: "churn", Version: 3, Alias: "production", Arm: ArmProduction, InputDigest: hex.EncodeToString(sum[:]),
			Outputs: json.RawMessage(`{"predictions":[` + jsonFloat(p) + `]}`), Latency: time.Duration(150+i%97) * time.Microsecond,
		}
	}
	return out
}

func hexID(v uint64) string {
	return strings.TrimLeft(hex.EncodeToString(binary.BigEndian.AppendUint64(nil, v)), "0")
}

func jsonFloat(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

// BenchmarkSegmentCodec is the codec's cost per entry of a realistic
// 512-entry segment, and what compress/flate at BestSpeed would add.
func BenchmarkSegmentCodec(b *testing.B) {
	entries := pointers(realisticEntries(512))
	data := appendSegment(nil, "churn", "", entries)
	perEntry := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(entries)), "ns/entry")
	}
	b.Run("encode", func(b *testing.B) {
		buf := make([]byte, 0, len(data))
		for b.Loop() {
			buf = appendSegment(buf[:0], "churn", "", entries)
		}
		perEntry(b)
		b.ReportMetric(float64(len(data))/float64(len(entries)), "bytes/entry")
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := decodeAll(data); err != nil {
				b.Fatal(err)
			}
		}
		perEntry(b)
	})
	b.Run("scan", func(b *testing.B) { // what a request id lookup pays
		var r rawEntry
		for b.Loop() {
			_, dec, _ := openSegment(data)
			for ok, err := dec.next(&r); ok || err != nil; ok, err = dec.next(&r) {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		perEntry(b)
	})
	b.Run("flate", func(b *testing.B) {
		var out bytes.Buffer
		zw, _ := flate.NewWriter(&out, flate.BestSpeed)
		for b.Loop() {
			out.Reset()
			zw.Reset(&out)
			zw.Write(data)
			zw.Close()
		}
		perEntry(b)
		b.ReportMetric(float64(out.Len())/float64(len(entries)), "bytes/entry")
	})
}
