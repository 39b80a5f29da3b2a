package pyworker

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paddockml/paddock/flavor"
)

// Numeric tensor data travels as a JSON string holding the base64 of the
// little-endian values (bool: one byte, 0 or 1). Decimal text costs Python
// about half a microsecond per float each way; raw bytes cost almost
// nothing and keep every bit, NaN payloads included.

// rawSize is the byte size of one element of a numeric dtype, 0 for
// dtypes that only travel as JSON arrays.
func rawSize(d flavor.DType) int {
	switch d {
	case flavor.Float64, flavor.Int64:
		return 8
	case flavor.Float32:
		return 4
	case flavor.Bool:
		return 1
	}
	return 0
}

// appendRaw appends t's data as a quoted base64 string.
func appendRaw(b []byte, t *flavor.Tensor) []byte {
	raw := make([]byte, 0, t.Len()*rawSize(t.DType))
	switch t.DType {
	case flavor.Float64:
		for _, v := range t.F64 {
			raw = binary.LittleEndian.AppendUint64(raw, math.Float64bits(v))
		}
	case flavor.Float32:
		for _, v := range t.F32 {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
	case flavor.Int64:
		for _, v := range t.I64 {
			raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
		}
	case flavor.Bool:
		for _, v := range t.Bool {
			raw = append(raw, boolByte(v))
		}
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, raw)
	return append(b, '"')
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// decodeRaw fills t's data from a quoted base64 string holding exactly n
// elements. The quotes must enclose plain base64: JSON escapes are not
// base64 characters and are rejected with them.
func decodeRaw(t *flavor.Tensor, data []byte, n int) error {
	size := rawSize(t.DType)
	if size == 0 {
		return fmt.Errorf("%s data must be a JSON array", t.DType)
	}
	if len(data) < 2 || data[len(data)-1] != '"' {
		return errors.New("malformed base64 string")
	}
	enc := data[1 : len(data)-1]
	if want := base64.StdEncoding.EncodedLen(n * size); len(enc) != want {
		return fmt.Errorf("data holds %d base64 characters, shape needs %d (%d values of %d bytes)", len(enc), want, n, size)
	}
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
	got, err := base64.StdEncoding.Decode(raw, enc)
	if err != nil {
		return fmt.Errorf("bad base64: %w", err)
	}
	if got != n*size {
		return fmt.Errorf("data holds %d bytes, shape needs %d values of %d bytes", got, n, size)
	}
	return fillRaw(t, raw[:got], n)
}

func fillRaw(t *flavor.Tensor, raw []byte, n int) error {
	switch t.DType {
	case flavor.Float64:
		t.F64 = make([]float64, n)
		for i := range t.F64 {
			t.F64[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	case flavor.Float32:
		t.F32 = make([]float32, n)
		for i := range t.F32 {
			t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case flavor.Int64:
		t.I64 = make([]int64, n)
		for i := range t.I64 {
			t.I64[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	case flavor.Bool:
		t.Bool = make([]bool, n)
		for i, c := range raw {
			if c > 1 {
				return fmt.Errorf("bool byte %d is %d, not 0 or 1", i, c)
			}
			t.Bool[i] = c == 1
		}
	}
	return nil
}
