package codec

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

// specDigest encodes tensors as Digest's documentation describes, written
// out independently of digester, and hashes the whole encoding at once.
func specDigest(ts []flavor.Tensor) [32]byte {
	b := []byte("paddock-input-digest-v1\x00")
	b = binary.AppendUvarint(b, uint64(len(ts)))
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, t := range ts {
		str(t.Name)
		str(string(t.DType))
		b = binary.AppendUvarint(b, uint64(len(t.Shape)))
		for _, d := range t.Shape {
			b = binary.AppendVarint(b, int64(d))
		}
		b = binary.AppendUvarint(b, uint64(dataLen(&t)))
		for i := range dataLen(&t) {
			switch t.DType {
			case flavor.Float32:
				bits := math.Float32bits(t.F32[i])
				if t.F32[i] != t.F32[i] {
					bits = 0x7fc00000
				}
				b = binary.LittleEndian.AppendUint32(b, bits)
			case flavor.Float64:
				bits := math.Float64bits(t.F64[i])
				if t.F64[i] != t.F64[i] {
					bits = 0x7ff8000000000000
				}
				b = binary.LittleEndian.AppendUint64(b, bits)
			case flavor.Int64:
				b = binary.LittleEndian.AppendUint64(b, uint64(t.I64[i]))
			case flavor.Bool:
				b = append(b, b2u8(t.Bool[i]))
			case flavor.String:
				str(t.Str[i])
			}
		}
	}
	return sha256.Sum256(b)
}

func digestTensors() []flavor.Tensor {
	return []flavor.Tensor{
		{Name: "input", DType: flavor.Float64, Shape: []int{2, 2}, F64: []float64{0.5, math.NaN(), math.Inf(-1), -1e300}},
		{Name: "mask", DType: flavor.Float32, Shape: []int{1, 3}, F32: []float32{0.1, float32(math.NaN()), 3}},
		{Name: "ids", DType: flavor.Int64, Shape: []int{3}, I64: []int64{math.MinInt64, 0, 7}},
		{Name: "flags", DType: flavor.Bool, Shape: []int{2}, Bool: []bool{true, false}},
		{Name: "color", DType: flavor.String, Shape: []int{2}, Str: []string{"red", "é"}},
	}
}

func TestDigestFollowsItsSpecification(t *testing.T) {
	ts := digestTensors()
	if got, want := Digest(ts), specDigest(ts); got != want {
		t.Errorf("Digest %x, specification %x", got, want)
	}
	// Past digestChunk the encoding is streamed to the hash in pieces.
	big := []flavor.Tensor{
		{Name: "x", DType: flavor.Float64, Shape: []int{5000, 3}, F64: make([]float64, 15000)},
		{Name: "s", DType: flavor.String, Shape: []int{3000}, Str: make([]string, 3000)},
		{Name: "i", DType: flavor.Int64, Shape: []int{9000}, I64: make([]int64, 9000)},
		{Name: "b", DType: flavor.Bool, Shape: []int{40000}, Bool: make([]bool, 40000)},
		{Name: "f", DType: flavor.Float32, Shape: []int{9000}, F32: make([]float32, 9000)},
	}
	for i := range big[0].F64 {
		big[0].F64[i] = float64(i) / 7
	}
	for i := range big[1].Str {
		big[1].Str[i] = string(rune('a' + i%26))
	}
	if got, want := Digest(big), specDigest(big); got != want {
		t.Errorf("streamed Digest %x, specification %x", got, want)
	}
	if Digest(ts) != specDigest(ts) {
		t.Error("Digest changed after a large input used the pooled buffer")
	}
}

// Every part of the encoding counts: names, dtypes, shapes and values,
// and the encoding is unambiguous where strings meet.
func TestDigestDistinguishes(t *testing.T) {
	base := digestTensors()
	seen := map[[32]byte]string{Digest(base): "base"}
	variants := map[string]func(ts []flavor.Tensor){
		"name":  func(ts []flavor.Tensor) { ts[0].Name = "inputs" },
		"shape": func(ts []flavor.Tensor) { ts[0].Shape = []int{4, 1} },
		"value": func(ts []flavor.Tensor) { ts[0].F64 = []float64{0.5000000000000001, math.NaN(), math.Inf(-1), -1e300} },
		"negative zero": func(ts []flavor.Tensor) {
			ts[2].I64 = []int64{math.MinInt64, 0, 7}
			ts[0].F64 = []float64{math.Copysign(0, -1), 0, 0, 0}
		},
		"positive zero": func(ts []flavor.Tensor) { ts[0].F64 = []float64{0, 0, 0, 0} },
		"dtype": func(ts []flavor.Tensor) {
			ts[0] = flavor.Tensor{Name: "input", DType: flavor.Float32, Shape: []int{2, 2}, F32: []float32{0.5, float32(math.NaN()), float32(math.Inf(-1)), -1}}
		},
		"string split":   func(ts []flavor.Tensor) { ts[4].Str = []string{"re", "dé"} },
		"bool":           func(ts []flavor.Tensor) { ts[3].Bool = []bool{false, false} },
		"tensor order":   func(ts []flavor.Tensor) { ts[0], ts[1] = ts[1], ts[0] },
		"fewer tensors":  func(ts []flavor.Tensor) { ts[4] = flavor.Tensor{} },
		"int":            func(ts []flavor.Tensor) { ts[2].I64 = []int64{math.MinInt64, 1, 7} },
		"float32 value":  func(ts []flavor.Tensor) { ts[1].F32 = []float32{0.1, float32(math.NaN()), 3.0000002} },
		"unknown dtype":  func(ts []flavor.Tensor) { ts[3] = flavor.Tensor{Name: "flags", DType: "complex", Shape: []int{2}} },
		"empty tensor":   func(ts []flavor.Tensor) { ts[2] = flavor.Tensor{Name: "ids", DType: flavor.Int64, Shape: []int{0}} },
		"no tensors":     func(ts []flavor.Tensor) {},
		"one less shape": func(ts []flavor.Tensor) { ts[1].Shape = []int{3} },
	}
	for name, change := range variants {
		ts := digestTensors()
		change(ts)
		if name == "no tensors" {
			ts = nil
		}
		d := Digest(ts)
		if other, dup := seen[d]; dup {
			t.Errorf("%s has the digest of %s", name, other)
		}
		seen[d] = name
	}
}

// NaN payloads do not change the digest: they cannot change a prediction.
func TestDigestNaNPayloads(t *testing.T) {
	a := []flavor.Tensor{{Name: "x", DType: flavor.Float64, Shape: []int{1}, F64: []float64{math.NaN()}}}
	b := []flavor.Tensor{{Name: "x", DType: flavor.Float64, Shape: []int{1}, F64: []float64{math.Float64frombits(0xfff0000000000123)}}}
	if Digest(a) != Digest(b) {
		t.Error("float64 NaN payloads change the digest")
	}
	c := []flavor.Tensor{{Name: "x", DType: flavor.Float32, Shape: []int{1}, F32: []float32{math.Float32frombits(0x7f800001)}}}
	d := []flavor.Tensor{{Name: "x", DType: flavor.Float32, Shape: []int{1}, F32: []float32{float32(math.NaN())}}}
	if Digest(c) != Digest(d) {
		t.Error("float32 NaN payloads change the digest")
	}
}
