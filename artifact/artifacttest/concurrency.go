package artifacttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paddockml/paddock/artifact"
)

// testConcurrentPutsOfOneKey overwrites one key from several goroutines while
// others read it: every read must see one whole version, never a mix.
func testConcurrentPutsOfOneKey(t *testing.T, h Harness) {
	ctx := context.Background()
	const key = "shared/model.bin"
	const writers, rounds, readers = 6, 3, 3
	digests := map[string]bool{} // every version that was written
	var mu sync.Mutex
	var writing sync.WaitGroup
	for w := range writers {
		writing.Go(func() {
			for r := range rounds {
				seed := uint64(100*w + r)
				size := int64(96<<10 + 1000*w + r) // sizes differ, so a mix of two shows
				mu.Lock()
				digests[digestOf(t, generated(seed, size))] = true
				mu.Unlock()
				if _, err := h.Store.Put(ctx, key, generated(seed, size)); err != nil {
					t.Errorf("Put: %v", err)
					return
				}
			}
		})
	}
	var done atomic.Bool
	var reads atomic.Int64
	var reading sync.WaitGroup
	for range readers {
		reading.Go(func() {
			for !done.Load() {
				if err := readWhole(ctx, h.Store, key, digests, &mu); err != nil {
					t.Error(err)
					return
				}
				reads.Add(1)
			}
		})
	}
	writing.Wait()
	done.Store(true)
	reading.Wait()
	if err := readWhole(ctx, h.Store, key, digests, &mu); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d reads during %d overwrites", reads.Load(), writers*rounds)
}

// readWhole reads key to its end and checks that it is one of the written
// versions. A key not yet written is fine.
func readWhole(ctx context.Context, s artifact.Store, key string, digests map[string]bool, mu *sync.Mutex) error {
	rc, info, err := s.Get(ctx, key)
	if errors.Is(err, artifact.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("Get during overwrites: %w", err)
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, rc)
	if err != nil {
		return fmt.Errorf("reading during overwrites (%d bytes in): %w", n, err)
	}
	mu.Lock()
	known := digests[info.Digest]
	mu.Unlock()
	if !known || n != info.Size {
		return fmt.Errorf("read a version never written: %d bytes, %s", n, info.Digest)
	}
	return nil
}

// testConcurrentPutsAndDeletes writes and deletes sibling keys at once, so a
// backend that tidies up empty directories races with one that creates them.
func testConcurrentPutsAndDeletes(t *testing.T, h Harness) {
	ctx := context.Background()
	const workers, rounds = 6, 8
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			key := fmt.Sprintf("dir/sub/%d/artifact", w)
			for r := range rounds {
				content := []byte(fmt.Sprintf("worker %d round %d", w, r))
				if _, err := h.Store.Put(ctx, key, bytesReader(content)); err != nil {
					t.Errorf("Put(%q): %v", key, err)
					return
				}
				rc, _, err := h.Store.Get(ctx, key)
				if err != nil {
					t.Errorf("Get(%q) right after Put: %v", key, err)
					return
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil || string(got) != string(content) {
					t.Errorf("Get(%q) = %q, %v; want %q", key, got, err, content)
					return
				}
				if err := h.Store.Delete(ctx, key); err != nil {
					t.Errorf("Delete(%q): %v", key, err)
					return
				}
			}
		})
	}
	wg.Wait()
	infos, err := h.Store.List(ctx, "dir")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 0 {
		t.Errorf("List after deleting everything = %q", keysOf(infos))
	}
}
