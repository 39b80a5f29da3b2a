package codec

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/paddockml/paddock/flavor"
)

func TestAppendTensorCompact(t *testing.T) {
	cases := []struct {
		t    flavor.Tensor
		want string
	}{
		{flavor.Tensor{DType: flavor.Float32, Shape: []int{2, 2}, F32: []float32{0.1, 1, float32(math.NaN()), float32(math.Inf(-1))}}, `[[0.1,1],[null,null]]`},
		{flavor.Tensor{DType: flavor.Float64, Shape: []int{2}, F64: []float64{0.1, 1e20}}, `[0.1,1e+20]`},
		{flavor.Tensor{DType: flavor.String, Shape: []int{2}, Str: []string{"a\"b", "é"}}, `["a\"b","é"]`},
		{flavor.Tensor{DType: flavor.Int64, Shape: []int{1}, I64: []int64{-3}}, `[-3]`},
	}
	for _, c := range cases {
		got := string(AppendTensorCompact(nil, &c.t))
		if got != c.want {
			t.Errorf("got %s, want %s", got, c.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("%s is not valid JSON", got)
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"production", "", "a\"b\\c", "tab\there", "naïve", "\x00", "\xff"} {
		got := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q encoded as %s: %v", s, got, err)
		}
		if back != s && s != "\xff" {
			t.Errorf("%q came back as %q", s, back)
		}
	}
}
