package codec

import (
	"github.com/paddockml/paddock/flavor"
)

// AppendTensorCompact appends t as JSON nested by its shape, in the form
// Paddock's own API and prediction log use: no spaces, float32 values in
// their shortest float32 digits, and NaN and infinities as null, so the
// result is always valid JSON. It is cheaper than AppendTensor, whose
// bytes follow MLflow's serialiser exactly.
func AppendTensorCompact(dst []byte, t *flavor.Tensor) []byte {
	return appendNested(dst, t, &compactStyle)
}

// AppendString appends s as a JSON string. Plain printable ASCII, the
// common case for names and ids, is copied as it is.
func AppendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return appendString(dst, s, &compactStyle)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
