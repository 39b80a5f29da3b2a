//go:build amd64 && !purego

package onnx

// useFMA reports whether the CPU and OS support AVX2 and FMA3, checked
// once at start-up. Without them the portable Go kernel runs.
var useFMA = detectFMA()

// Implemented in gemm_amd64.s.
func cpuid(eax, ecx uint32) (a, b, c, d uint32)
func xgetbv() (eax, edx uint32)

// kern4x16 adds A[0:4, 0:k]·B[0:k, 0:16] to C[0:4, 0:16]; strides are in
// elements. kern1x16 does the same for one row.
//
//go:noescape
func kern4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

//go:noescape
func kern1x16(k int, a *float32, b *float32, ldb int, c *float32)

func detectFMA() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if c1&fma == 0 || c1&osxsave == 0 || c1&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // OS saves XMM and YMM state
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<5) != 0 // AVX2
}

// gemmAcc adds A·B to C; see sgemm for the layout. Column blocks of 16
// run in the AVX2/FMA kernels (4 rows at a time, accumulators kept in
// registers across all of k); leftover columns use the Go kernel.
func gemmAcc(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	n16 := n &^ 15
	if !useFMA || n16 == 0 || k == 0 || m == 0 {
		gemmAccGo(m, n, k, a, lda, b, ldb, c, ldc)
		return
	}
	// The assembly does no bounds checks: prove the extents here.
	if len(a) < (m-1)*lda+k || len(b) < (k-1)*ldb+n || len(c) < (m-1)*ldc+n {
		panic("onnx: gemm operand shorter than its shape")
	}
	i := 0
	for ; i+4 <= m; i += 4 {
		for j := 0; j < n16; j += 16 {
			kern4x16(k, &a[i*lda], lda, &b[j], ldb, &c[i*ldc+j], ldc)
		}
	}
	for ; i < m; i++ {
		for j := 0; j < n16; j += 16 {
			kern1x16(k, &a[i*lda], &b[j], ldb, &c[i*ldc+j])
		}
	}
	if n16 < n {
		gemmAccGo(m, n-n16, k, a, lda, b[n16:], ldb, c[n16:], ldc)
	}
}

// gemmKernel names the matmul kernel in use, for benchmarks and reports.
func gemmKernel() string {
	if useFMA {
		return "avx2-fma"
	}
	return "go"
}
