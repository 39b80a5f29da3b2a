package artifacttest

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paddockml/paddock/artifact"
)

func testRoundTrip(t *testing.T, h Harness) {
	ctx := context.Background()
	for _, size := range []int64{0, 1, 5, 64<<10 - 1, 1<<20 + 7, 3 << 20} {
		key := fmt.Sprintf("round/trip/%d.bin", size)
		before := time.Now()
		info, err := h.Store.Put(ctx, key, generated(uint64(size), size))
		if err != nil {
			t.Fatalf("Put(%q): %v", key, err)
		}
		want := artifactInfo(key, size, digestOf(t, generated(uint64(size), size)), before)
		checkInfo(t, "Put", info, want)
		stat, err := h.Store.Stat(ctx, key)
		if err != nil {
			t.Fatalf("Stat(%q): %v", key, err)
		}
		checkInfo(t, "Stat", stat, info)
		rc, got, err := h.Store.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get(%q): %v", key, err)
		}
		checkInfo(t, "Get", got, info)
		if err := sameStream(rc, generated(uint64(size), size)); err != nil {
			t.Errorf("Get(%q): %v", key, err)
		}
		if err := rc.Close(); err != nil {
			t.Errorf("closing Get(%q): %v", key, err)
		}
	}
}

// testKeysNeedNoEscaping stores keys whose characters or shapes could clash
// with a backend's own naming (escape marks, dots, spaces, non-ASCII).
func testKeysNeedNoEscaping(t *testing.T, h Harness) {
	keys := []string{
		"@data", "a/@data", "@x/@@y/@", "dots/.hidden/..x/x..", "with space/and:colon",
		"名前/モデル.onnx", "tmp/x", "meta/x", "objects/x", "a%2Fb", "a+b=c&d", "q?x=1#f",
		"xl.meta", "a/xl.meta", "part.1", "a/part.1/b", ".minio.sys/x", "trailing.", "~user/$HOME",
	}
	for _, key := range keys {
		put(t, h.Store, key, []byte("content of "+key))
	}
	for _, key := range keys {
		if content, _ := get(t, h.Store, key); string(content) != "content of "+key {
			t.Errorf("Get(%q) = %q", key, content)
		}
	}
	infos, err := h.Store.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(keys))
	if got := keysOf(infos); !slices.Equal(got, want) {
		t.Errorf("List(\"\") = %q, want %q", got, want)
	}
}

func testOverwrite(t *testing.T, h Harness) {
	first := put(t, h.Store, "models/churn", []byte("version one, somewhat longer"))
	second := put(t, h.Store, "models/churn", []byte("v2"))
	if second.Digest != digestOfBytes([]byte("v2")) || second.Size != 2 {
		t.Errorf("second Put = %+v", second)
	}
	if first.Digest == second.Digest {
		t.Fatal("different contents got the same digest")
	}
	content, info := get(t, h.Store, "models/churn")
	if string(content) != "v2" {
		t.Errorf("Get after overwrite = %q, want %q", content, "v2")
	}
	checkInfo(t, "Get after overwrite", info, second)
	infos, err := h.Store.List(context.Background(), "models")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 {
		t.Fatalf("List after overwrite = %q, want one object", keysOf(infos))
	}
	checkInfo(t, "List after overwrite", infos[0], second)
}

// streamSize is the size of the object that testBigObjectIsStreamed streams.
const streamSize = 40 << 20

// memorySlack is the heap growth allowed on top of Harness.PutMemory: HTTP
// and hashing buffers, and garbage the collector has not yet reclaimed.
const memorySlack = 8 << 20

func testBigObjectIsStreamed(t *testing.T, h Harness) {
	ctx := context.Background()
	const key = "big/model.bin"
	bound := h.PutMemory + memorySlack
	if bound >= streamSize {
		t.Fatalf("PutMemory %d leaves no room to tell streaming from buffering a %d-byte object", h.PutMemory, streamSize)
	}
	var info artifact.Info
	peak := peakHeapGrowth(t, func() {
		var err error
		info, err = h.Store.Put(ctx, key, generated(7, streamSize))
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
	})
	t.Logf("heap grew by %.1f MiB during a Put of %d MiB", float64(peak)/(1<<20), streamSize>>20)
	if peak > bound {
		t.Errorf("heap grew by %d MiB during a Put of %d MiB, want at most %d MiB",
			peak>>20, streamSize>>20, bound>>20)
	}
	want := artifactInfo(key, streamSize, digestOf(t, generated(7, streamSize)), time.Now())
	checkInfo(t, "Put", info, want)

	peak = peakHeapGrowth(t, func() {
		rc, _, err := h.Store.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		defer rc.Close()
		if err := sameStream(rc, generated(7, streamSize)); err != nil {
			t.Errorf("Get: %v", err)
		}
	})
	t.Logf("heap grew by %.1f MiB during a Get of %d MiB", float64(peak)/(1<<20), streamSize>>20)
	if peak > memorySlack {
		t.Errorf("heap grew by %d MiB while reading a %d MiB object, want at most %d MiB",
			peak>>20, streamSize>>20, memorySlack>>20)
	}
}

// peakHeapGrowth runs f and returns how far the live heap grew above its
// level before f, sampled every millisecond. The collector runs eagerly
// meanwhile so that the figure tracks live memory, not uncollected garbage.
func peakHeapGrowth(t *testing.T, f func()) int64 {
	t.Helper()
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	func() {
		// Stop the sampler even when f ends the test with t.Fatal.
		defer func() { close(done); <-stopped }()
		f()
	}()
	return int64(peak.Load()) - int64(base)
}
