package filters

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func key(model string, version int64, input string) Key {
	d, err := DigestJSON([]byte(input))
	if err != nil {
		panic(err)
	}
	return Key{Model: model, Version: version, Input: d}
}

func TestCacheHitsAndMisses(t *testing.T) {
	c := NewCache[string](CacheOptions{})
	k := key("churn", 3, `{"x":1}`)
	if _, ok := c.Get(k); ok {
		t.Fatal("hit on an empty cache")
	}
	c.Put(k, "a", 10)
	if v, ok := c.Get(key("churn", 3, `{ "x" : 1.0 }`)); !ok || v != "a" {
		t.Fatalf("Get of the same input = %q, %v", v, ok)
	}
	for _, other := range []Key{key("churn", 4, `{"x":1}`), key("fraud", 3, `{"x":1}`), key("churn", 3, `{"x":2}`)} {
		if _, ok := c.Get(other); ok {
			t.Errorf("hit for %+v", other)
		}
	}
	s := c.Stats()
	if s.Hits != 1 || s.Misses != 4 || s.Entries != 1 || s.Bytes != 10+int64(len("churn"))+entryOverhead {
		t.Fatalf("stats %+v", s)
	}
}

func TestCacheTTL(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	c := NewCache[int](CacheOptions{TTL: time.Minute, Now: clock.Now})
	k := key("m", 1, `1`)
	c.Put(k, 7, 0)
	clock.Advance(time.Minute - time.Nanosecond)
	if _, ok := c.Get(k); !ok {
		t.Fatal("expired before its TTL")
	}
	clock.Advance(time.Nanosecond)
	if _, ok := c.Get(k); ok {
		t.Fatal("served after its TTL")
	}
	if s := c.Stats(); s.Expired != 1 || s.Misses != 1 || s.Entries != 0 || s.Bytes != 0 {
		t.Fatalf("stats after expiry %+v", s)
	}
	// A new Put starts a new TTL.
	c.Put(k, 8, 0)
	clock.Advance(30 * time.Second)
	if v, ok := c.Get(k); !ok || v != 8 {
		t.Fatalf("Get after re-Put = %v, %v", v, ok)
	}

	forever := NewCache[int](CacheOptions{TTL: -1, Now: clock.Now})
	forever.Put(k, 1, 0)
	clock.Advance(100 * 365 * 24 * time.Hour)
	if _, ok := forever.Get(k); !ok {
		t.Fatal("negative TTL expired")
	}
}

// With one shard, the least recently used entry goes first.
func TestCacheEvictsLeastRecentlyUsedByCount(t *testing.T) {
	c := NewCache[string](CacheOptions{MaxEntries: 3, Shards: 1})
	a, b, cc, d := key("m", 1, `"a"`), key("m", 1, `"b"`), key("m", 1, `"c"`), key("m", 1, `"d"`)
	c.Put(a, "a", 1)
	c.Put(b, "b", 1)
	c.Put(cc, "c", 1)
	c.Get(a) // b is now the least recently used
	c.Put(d, "d", 1)
	if _, ok := c.Get(b); ok {
		t.Error("b survived although least recently used")
	}
	for _, k := range []Key{a, cc, d} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%x evicted", k.Input[:4])
		}
	}
	if s := c.Stats(); s.Evictions != 1 || s.Entries != 3 {
		t.Fatalf("stats %+v", s)
	}
}

func TestCacheEvictsByBytes(t *testing.T) {
	cost := 1000 + int64(len("m")) + entryOverhead
	c := NewCache[int](CacheOptions{MaxEntries: 100, MaxBytes: 3 * cost, Shards: 1})
	for i := range 5 {
		c.Put(key("m", 1, fmt.Sprint(i)), i, 1000)
	}
	s := c.Stats()
	if s.Entries != 3 || s.Bytes != 3*cost || s.Evictions != 2 {
		t.Fatalf("stats %+v, want 3 entries of %d bytes", s, cost)
	}
	if _, ok := c.Get(key("m", 1, "0")); ok {
		t.Error("oldest entry kept")
	}
	// A value that cannot fit is not cached, and evicts nothing.
	c.Put(key("m", 1, `"big"`), 9, 3*cost)
	if s := c.Stats(); s.Rejected != 1 || s.Entries != 3 {
		t.Fatalf("after an oversize Put: %+v", s)
	}
	// Replacing an entry replaces its size.
	c.Put(key("m", 1, "4"), 44, 10)
	if s := c.Stats(); s.Bytes != 2*cost+10+1+entryOverhead || s.Entries != 3 {
		t.Fatalf("after a replace: %+v", s)
	}
	if v, _ := c.Get(key("m", 1, "4")); v != 44 {
		t.Fatalf("replaced value %d", v)
	}
}

func TestCachePurgeRemovesOneModel(t *testing.T) {
	c := NewCache[int](CacheOptions{})
	for i := range 100 {
		c.Put(key("churn", int64(1+i%3), fmt.Sprint(i)), i, 8)
		c.Put(key("fraud", 1, fmt.Sprint(i)), i, 8)
	}
	if n := c.Purge("churn"); n != 100 {
		t.Fatalf("purged %d, want 100", n)
	}
	if _, ok := c.Get(key("churn", 1, "0")); ok {
		t.Error("churn entry survived the purge")
	}
	if _, ok := c.Get(key("fraud", 1, "0")); !ok {
		t.Error("fraud entry purged")
	}
	if s := c.Stats(); s.Entries != 100 {
		t.Fatalf("%d entries left, want 100", s.Entries)
	}
}

// Sharding keeps the limits global: however keys spread, the cache never
// holds more than asked.
func TestCacheShardsKeepGlobalLimits(t *testing.T) {
	c := NewCache[int](CacheOptions{MaxEntries: 1024, MaxBytes: 1 << 20, Shards: 16})
	if len(c.shards) != 16 {
		t.Fatalf("%d shards", len(c.shards))
	}
	for i := range 10_000 {
		c.Put(key("m", 1, fmt.Sprint(i)), i, int64(i%500))
	}
	if s := c.Stats(); s.Entries > 1024 || s.Bytes > 1<<20 || s.Entries < 512 {
		t.Fatalf("stats %+v", s)
	}
	for _, tc := range []struct{ shards, max, want int }{{10, 10000, 8}, {16, 100, 1}, {16, 300, 4}, {0, 0, 16}} {
		o := CacheOptions{Shards: tc.shards, MaxEntries: tc.max}
		o.setDefaults()
		if o.Shards != tc.want {
			t.Errorf("Shards %d with MaxEntries %d became %d, want %d", tc.shards, tc.max, o.Shards, tc.want)
		}
	}
}

// Concurrent Gets, Puts and Purges keep the counts consistent (run with
// -race).
func TestCacheConcurrentUse(t *testing.T) {
	c := NewCache[int](CacheOptions{MaxEntries: 256, MaxBytes: 64 << 10})
	keys := make([]Key, 512)
	for i := range keys {
		keys[i] = key(fmt.Sprint("m", i%4), 1, fmt.Sprint(i))
	}
	const workers, ops = 8, 5000
	var wg sync.WaitGroup
	var gets [workers]int
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for range ops {
				k := keys[r.IntN(len(keys))]
				switch n := r.IntN(100); {
				case n < 60:
					if v, ok := c.Get(k); ok && v != int(k.Input[0]) {
						t.Errorf("wrong value %d for a key", v)
					}
					gets[w]++
				case n < 99:
					c.Put(k, int(k.Input[0]), int64(n))
				default:
					c.Purge(k.Model)
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, g := range gets {
		total += g
	}
	s := c.Stats()
	if int(s.Hits+s.Misses) != total || s.Entries > 256 || s.Bytes > 64<<10 {
		t.Fatalf("stats %+v after %d gets", s, total)
	}
}
