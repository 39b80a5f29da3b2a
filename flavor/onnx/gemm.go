package onnx

// sgemm computes C = A·B for row-major float32 matrices: A is m×k with
// row stride lda, B is k×n with row stride ldb, C is m×n with row stride
// ldc. C is overwritten. Accumulation is in float32, in increasing k
// order per element, like a plain BLAS sgemm.
func sgemm(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	for i := 0; i < m; i++ {
		clear(c[i*ldc : i*ldc+n])
	}
	if k == 0 {
		return
	}
	gemmAcc(m, n, k, a, lda, b, ldb, c, ldc)
}

// gemmAccGo adds A·B to C, in i-k-j order four rows of A at a time: each
// row of B is loaded once per four rows of C, and the inner loop walks
// contiguous memory with bounds checks hoisted out by re-slicing.
func gemmAccGo(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	i := 0
	for ; i+4 <= m; i += 4 {
		c0 := c[i*ldc : i*ldc+n]
		c1 := c[(i+1)*ldc : (i+1)*ldc+n]
		c2 := c[(i+2)*ldc : (i+2)*ldc+n]
		c3 := c[(i+3)*ldc : (i+3)*ldc+n]
		a0, a1, a2, a3 := a[i*lda:i*lda+k], a[(i+1)*lda:(i+1)*lda+k], a[(i+2)*lda:(i+2)*lda+k], a[(i+3)*lda:(i+3)*lda+k]
		for p := 0; p < k; p++ {
			rowAxpy4(c0, c1, c2, c3, b[p*ldb:p*ldb+n], a0[p], a1[p], a2[p], a3[p])
		}
	}
	for ; i < m; i++ {
		cr := c[i*ldc : i*ldc+n]
		ar := a[i*lda : i*lda+k]
		for p, av := range ar {
			br := b[p*ldb : p*ldb+n]
			br = br[:len(cr)]
			for j, bv := range br {
				cr[j] += av * bv
			}
		}
	}
}

// rowAxpy4 does c_r += a_r * b for four rows at once.
func rowAxpy4(c0, c1, c2, c3, b []float32, a0, a1, a2, a3 float32) {
	n := len(b)
	c0, c1, c2, c3 = c0[:n], c1[:n], c2[:n], c3[:n]
	for j, bv := range b {
		c0[j] += a0 * bv
		c1[j] += a1 * bv
		c2[j] += a2 * bv
		c3[j] += a3 * bv
	}
}

// gemmDotAcc adds A·Wᵀ to C, where W is n×k row-major: each output is a
// dot product of two contiguous rows. For narrow outputs (a classifier
// head with a handful of classes) this beats the i-k-j order, whose inner
// loop would be only n long.
func gemmDotAcc(m, n, k int, a []float32, lda int, w []float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		ar := a[i*lda : i*lda+k]
		cr := c[i*ldc : i*ldc+n]
		for j := range cr {
			cr[j] += dotF32(ar, w[j*k:j*k+k])
		}
	}
}

// dotF32 returns the dot product of two equal-length vectors, with four
// partial sums to overlap the floating-point latency.
func dotF32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// transpose2D writes the n×m transpose of the m×n row-major src into dst.
func transpose2D(dst, src []float32, m, n int) {
	const blk = 32
	for i0 := 0; i0 < m; i0 += blk {
		for j0 := 0; j0 < n; j0 += blk {
			for i := i0; i < min(i0+blk, m); i++ {
				row := src[i*n : i*n+n]
				for j := j0; j < min(j0+blk, n); j++ {
					dst[j*m+i] = row[j]
				}
			}
		}
	}
}
