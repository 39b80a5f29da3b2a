package codec

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math"
	"sync"

	"github.com/paddockml/paddock/flavor"
)

// digestVersion starts every digested encoding; change it whenever the
// encoding changes, so old cache keys and logged digests cannot collide
// with new ones.
const digestVersion = "paddock-input-digest-v1\x00"

// digestChunk is how much encoding is buffered before it is hashed: small
// inputs are hashed in one call with no allocation, large ones streamed.
const digestChunk = 32 << 10

var digestBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// Digest returns the SHA-256 of bound tensors in a canonical form (names,
// dtypes, shapes and values), the key of the response cache and the input
// digest of the prediction log: the same values reach the same digest
// whichever protocol and layout carried them.
//
// The encoding, all integers little-endian and counts as unsigned
// varints, is: the digestVersion string; the tensor count; then per
// tensor its name (length, bytes), its dtype name (length, bytes), its
// rank and dimensions (signed varints), its value count, and its values
// by dtype: float32 as 4 bytes and float64 as 8 bytes of IEEE 754 bits
// (every NaN as the one quiet NaN, so payloads do not matter; -0 stays
// distinct from +0), int64 as 8 bytes, bool as one byte 0 or 1, string
// as length and bytes. Values are encoded by dtype, so float32 and
// float64 tensors of equal values differ: Bind gives one model's requests
// the same dtypes, and the dtype changes what the model computes.
func Digest(ts []flavor.Tensor) [32]byte {
	bp := digestBufs.Get().(*[]byte)
	d := digester{buf: (*bp)[:0]}
	d.buf = append(d.buf, digestVersion...)
	d.buf = binary.AppendUvarint(d.buf, uint64(len(ts)))
	for i := range ts {
		d.tensor(&ts[i])
	}
	var sum [32]byte
	if d.h == nil {
		sum = sha256.Sum256(d.buf)
	} else {
		d.h.Write(d.buf)
		copy(sum[:], d.h.Sum(nil))
	}
	if cap(d.buf) <= 4*digestChunk {
		*bp = d.buf
		digestBufs.Put(bp)
	}
	return sum
}

type digester struct {
	buf []byte
	h   hash.Hash // created when the encoding outgrows one chunk
}

// flush hashes the buffered encoding once it passes digestChunk; the
// check is small enough to inline into the value loops.
func (d *digester) flush() {
	if len(d.buf) >= digestChunk {
		d.spill()
	}
}

func (d *digester) spill() {
	if d.h == nil {
		d.h = sha256.New()
	}
	d.h.Write(d.buf)
	d.buf = d.buf[:0]
}

func (d *digester) str(s string) {
	d.buf = binary.AppendUvarint(d.buf, uint64(len(s)))
	d.buf = append(d.buf, s...)
	d.flush()
}

func (d *digester) tensor(t *flavor.Tensor) {
	d.str(t.Name)
	d.str(string(t.DType))
	d.buf = binary.AppendUvarint(d.buf, uint64(len(t.Shape)))
	for _, n := range t.Shape {
		d.buf = binary.AppendVarint(d.buf, int64(n))
	}
	switch t.DType {
	case flavor.Float32:
		d.float32s(t.F32)
	case flavor.Float64:
		d.float64s(t.F64)
	case flavor.Int64:
		d.buf = binary.AppendUvarint(d.buf, uint64(len(t.I64)))
		for _, v := range t.I64 {
			d.buf = binary.LittleEndian.AppendUint64(d.buf, uint64(v))
			d.flush()
		}
	case flavor.Bool:
		d.buf = binary.AppendUvarint(d.buf, uint64(len(t.Bool)))
		for _, v := range t.Bool {
			d.buf = append(d.buf, b2u8(v))
			d.flush()
		}
	case flavor.String:
		d.buf = binary.AppendUvarint(d.buf, uint64(len(t.Str)))
		for _, s := range t.Str {
			d.str(s)
		}
	default:
		d.buf = binary.AppendUvarint(d.buf, 0)
	}
}

func (d *digester) float64s(vs []float64) {
	d.buf = binary.AppendUvarint(d.buf, uint64(len(vs)))
	for _, v := range vs {
		bits := math.Float64bits(v)
		if v != v {
			bits = 0x7ff8000000000000
		}
		d.buf = binary.LittleEndian.AppendUint64(d.buf, bits)
		d.flush()
	}
}

func (d *digester) float32s(vs []float32) {
	d.buf = binary.AppendUvarint(d.buf, uint64(len(vs)))
	for _, v := range vs {
		bits := math.Float32bits(v)
		if v != v {
			bits = 0x7fc00000
		}
		d.buf = binary.LittleEndian.AppendUint32(d.buf, bits)
		d.flush()
	}
}

func b2u8(b bool) byte {
	if b {
		return 1
	}
	return 0
}
