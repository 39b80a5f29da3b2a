package onnx

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemm checks the active kernel (AVX2/FMA on capable amd64, Go
// elsewhere) and the Go kernel against a float64 reference on shapes
// that exercise every remainder path and strided (sub-matrix) operands.
func TestGemm(t *testing.T) {
	t.Logf("kernel: %s", gemmKernel())
	r := rand.New(rand.NewPCG(7, 7))
	for _, s := range [][3]int{{1, 1, 1}, {1, 16, 1}, {4, 16, 3}, {5, 33, 7}, {64, 64, 20}, {3, 48, 64}, {17, 3, 9}, {8, 80, 0}, {0, 16, 4}} {
		m, n, k := s[0], s[1], s[2]
		lda, ldb, ldc := k+3, n+5, n+2
		a := randF32(r, max(m*lda, 1))
		b := randF32(r, max(k*ldb, 1))
		bias := randF32(r, max(m*ldc, 1))
		for name, f := range map[string]func(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int){
			"active": gemmAcc, "go": gemmAccGo,
		} {
			c := append([]float32(nil), bias...)
			f(m, n, k, a, lda, b, ldb, c, ldc)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					want := float64(bias[i*ldc+j])
					for p := 0; p < k; p++ {
						want += float64(a[i*lda+p]) * float64(b[p*ldb+j])
					}
					if d := math.Abs(float64(c[i*ldc+j]) - want); d > 1e-4 {
						t.Fatalf("%s %v: C[%d,%d] = %v, want %v", name, s, i, j, c[i*ldc+j], want)
					}
				}
			}
			// Padding between rows must be untouched.
			for i := 0; i < m; i++ {
				for j := n; j < ldc && i*ldc+j < len(c); j++ {
					if c[i*ldc+j] != bias[i*ldc+j] {
						t.Fatalf("%s %v: wrote padding at [%d,%d]", name, s, i, j)
					}
				}
			}
		}
	}
}

func randF32(r *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64())
	}
	return out
}

func BenchmarkGemm(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range [][3]int{{64, 64, 20}, {64, 64, 64}, {1, 64, 64}} {
		m, n, k := s[0], s[1], s[2]
		a, w, c := randF32(r, m*k), randF32(r, k*n), make([]float32, m*n)
		b.Run(itoa(m)+"x"+itoa(n)+"x"+itoa(k), func(b *testing.B) {
			for b.Loop() {
				sgemm(m, n, k, a, k, w, n, c, n)
			}
		})
	}
}
