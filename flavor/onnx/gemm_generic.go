//go:build !amd64 || purego

package onnx

// gemmAcc adds A·B to C; see sgemm for the layout.
func gemmAcc(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	gemmAccGo(m, n, k, a, lda, b, ldb, c, ldc)
}

// gemmKernel names the matmul kernel in use, for benchmarks and reports.
func gemmKernel() string { return "go" }
