package onnx

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/paddockml/paddock/flavor"
	"github.com/paddockml/paddock/flavor/flavortest"
)

// BenchmarkPredict times each fixture at batch 64 and batch 1.
func BenchmarkPredict(b *testing.B) {
	for _, dir := range flavortest.Fixtures(b, "onnx") {
		m, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		for _, batch := range []int{64, 1} {
			in := randomInput(m.Signature().Inputs[0], batch)
			b.Run(filepath.Base(dir)+"/batch"+itoa(batch), func(b *testing.B) {
				for b.Loop() {
					if _, err := m.Predict(context.Background(), []flavor.Tensor{in}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// randomInput makes a batch for spec: small non-negative token ids for
// int64 inputs (valid for every fixture's vocabulary), normals for floats.
func randomInput(spec flavor.TensorSpec, batch int) flavor.Tensor {
	r := rand.New(rand.NewPCG(1, 2))
	shape := append([]int{batch}, spec.Shape[1:]...)
	t := flavor.Tensor{Name: spec.Name, DType: spec.DType, Shape: shape}
	n := t.Len()
	for i := 0; i < n; i++ {
		if spec.DType == flavor.Int64 {
			t.I64 = append(t.I64, int64(r.IntN(100)))
		} else {
			t.F32 = append(t.F32, float32(r.NormFloat64()))
		}
	}
	return t
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
