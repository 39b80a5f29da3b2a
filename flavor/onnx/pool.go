package onnx

import (
	"math/bits"
	"sync"
	"unsafe"
)

// Float buffers are recycled through size-classed pools: without it every
// request allocates each activation afresh and a busy server spends much
// of its time in the garbage collector and in page faults on memory the
// runtime has just returned to the OS.

const (
	minPooledClass = 8  // buffers under 256 floats are left to the allocator
	maxPooledClass = 26 // maxElements
)

var f32Pools [maxPooledClass + 1]sync.Pool

// getF32 returns a slice of n floats, from the pool when n is large
// enough to be worth it; pooled reports where it came from. Only zeroed
// slices are zero-filled: kernels that write every element skip the cost.
func getF32(n int, zeroed bool) (s []float32, pooled bool) {
	if n < 1<<minPooledClass {
		return make([]float32, n), false
	}
	c := bits.Len(uint(n - 1))
	if v, ok := f32Pools[c].Get().(*[]float32); ok {
		s = (*v)[:n]
		if zeroed {
			clear(s)
		}
		return s, true
	}
	return make([]float32, n, 1<<c), true
}

// putF32 returns a buffer obtained from getF32 to its pool.
func putF32(s []float32) {
	c := bits.Len(uint(cap(s) - 1))
	if c < minPooledClass || c > maxPooledClass || cap(s) != 1<<c {
		return
	}
	s = s[:cap(s)]
	f32Pools[c].Put(&s)
}

// dataPtr identifies a tensor's float buffer, or nil.
func dataPtr(t *tensor) unsafe.Pointer {
	if t == nil || cap(t.f32) == 0 {
		return nil
	}
	return unsafe.Pointer(unsafe.SliceData(t.f32))
}

// bufferRefs counts, during one run, how many live slots point at each
// float buffer, so a buffer goes back to the pool only when the tensor
// that owns it is dead and no alias (Reshape, Identity...) still reads it.
type bufferRefs map[unsafe.Pointer]int32

func (r bufferRefs) add(t *tensor) {
	if p := dataPtr(t); p != nil {
		r[p]++
	}
}

// drop forgets one reference and recycles the buffer when t owns it, it
// was the last reference and it is not one the plan must keep (constants
// and inputs, which never come from a run's allocations).
func (r bufferRefs) drop(t *tensor, keep map[unsafe.Pointer]bool) {
	p := dataPtr(t)
	if p == nil {
		return
	}
	if r[p]--; r[p] > 0 {
		return
	}
	delete(r, p)
	if t.pooled && !keep[p] {
		putF32(t.f32)
	}
}
