package filters

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkCacheGet is the cost of a cache lookup on every request.
func BenchmarkCacheGet(b *testing.B) {
	c := NewCache[[]float64](CacheOptions{})
	keys := make([]Key, 1024)
	for i := range keys {
		keys[i] = Key{Model: "churn", Version: 3, Input: mustDigestJSON(b, fmt.Sprint(i))}
		c.Put(keys[i], []float64{0.25}, 8)
	}
	miss := Key{Model: "churn", Version: 4, Input: keys[0].Input}
	b.Run("hit", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, ok := c.Get(keys[i&1023]); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("miss", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			c.Get(miss)
		}
	})
	b.Run("hit-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				c.Get(keys[i&1023])
				i++
			}
		})
	})
}

// rowJSON is a single-row request of a 12-feature tabular model.
const rowJSON = `{"age":42,"tenure_months":18,"monthly_charges":70.35,"total_charges":1266.3,"contract":"month-to-month",
	"payment_method":"electronic check","paperless":true,"senior":false,"dependents":0,"partner":"yes","internet":"fiber","support_calls":3}`

// BenchmarkCanonicalDigest is the cost of keying a request: on the
// decoded row (what serving holds), and from the raw JSON.
func BenchmarkCanonicalDigest(b *testing.B) {
	dec := json.NewDecoder(strings.NewReader(rowJSON))
	dec.UseNumber()
	var row any
	if err := dec.Decode(&row); err != nil {
		b.Fatal(err)
	}
	b.Run("decoded", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := CanonicalDigest(row); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := DigestJSON([]byte(rowJSON)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRuleMatch is the cost of the rule filters on a row none of
// them matches (every rule is tried).
func BenchmarkRuleMatch(b *testing.B) {
	var c Config
	for i := range 5 {
		c.Rules = append(c.Rules,
			Rule{Name: fmt.Sprint("re", i), Field: "body", Regex: `(?i)\bout of (the )?office\b`, Output: map[string]any{"label": "ooo"}},
			Rule{Name: fmt.Sprint("eq", i), Field: "priority", Equals: 1, Output: map[string]any{"label": "urgent"}})
	}
	s, err := Compile(c)
	if err != nil {
		b.Fatal(err)
	}
	row := map[string]any{"body": "Please find the quarterly figures attached, and call me when you can.", "priority": json.Number("2")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, ok := s.Match(row); ok {
			b.Fatal("matched")
		}
	}
}
