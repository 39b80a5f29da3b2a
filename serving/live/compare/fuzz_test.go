package compare

import (
	"encoding/binary"
	"math"
	"testing"
)

// FuzzComparePairs builds pairs from arbitrary bytes, including NaN,
// infinities and extreme floats, and checks neither mode panics and both
// reports encode (no NaN or infinity reaches the JSON).
func FuzzComparePairs(f *testing.F) {
	f.Add([]byte("0123456789abcdef0123456789abcdef0123456789abcdef"), 0.5)
	f.Add(make([]byte, 200), 0.0)
	nan := make([]byte, 64)
	for i := 0; i+8 <= len(nan); i += 8 {
		binary.LittleEndian.PutUint64(nan[i:], math.Float64bits(math.NaN()))
	}
	f.Add(nan, math.Inf(1))
	f.Fuzz(func(t *testing.T, data []byte, share float64) {
		pairs := fuzzPairs(data)
		mustJSON(t, ComparePairs(pairs))
		singles := make([]Single, 0, 2*len(pairs))
		for _, p := range pairs {
			singles = append(singles, Single{Arm: ArmProduction, Answer: p.Prod, Label: p.Label},
				Single{Arm: ArmAlpha, Answer: p.Alpha, Label: p.Label})
		}
		mustJSON(t, CompareSplit(singles, share))
	})
}

// fuzzPairs reads 24 bytes a pair: two answers of 8 bytes (a float
// score whose low bits also pick flags and class) and a label of 8.
func fuzzPairs(data []byte) []Pair {
	var pairs []Pair
	for len(data) >= 24 {
		var p Pair
		p.Prod, p.Alpha = fuzzAnswer(data[0:8]), fuzzAnswer(data[8:16])
		v := math.Float64frombits(binary.LittleEndian.Uint64(data[16:24]))
		if data[16]&1 == 1 {
			p.Label = &Label{Class: string(rune('a' + data[17]%3)), HasClass: data[16]&2 == 2, Value: v, HasValue: data[16]&4 == 4}
		}
		pairs = append(pairs, p)
		data = data[24:]
	}
	return pairs
}

func fuzzAnswer(b []byte) Answer {
	bits := binary.LittleEndian.Uint64(b)
	v := math.Float64frombits(bits)
	flags := b[0]
	return Answer{Class: string(rune('a' + b[1]%3)), HasClass: flags&1 == 1, Score: v, HasScore: flags&2 == 2,
		Probs: []float64{v, 1 - v}[:int(flags>>2&1)*2], LatencyUS: int64(int16(bits >> 16)),
		Err: flags&16 == 16, CacheHit: flags&32 == 32, Missing: flags&64 == 64}
}
