package filters

import (
	"encoding/binary"
	"math/bits"
	"time"
)

// Key identifies a cached response: a model version and an input.
type Key struct {
	Model   string
	Version int64
	Input   Digest
}

// CacheOptions configures a Cache. Zero values take the defaults.
type CacheOptions struct {
	// MaxEntries bounds the number of cached responses. Default 10000.
	MaxEntries int
	// MaxBytes bounds their total size, as given to Put plus a fixed
	// overhead per entry. Default 64 MiB.
	MaxBytes int64
	// TTL is how long a response stays valid after Put. Default 10m;
	// negative: until evicted or purged.
	TTL time.Duration
	// Shards splits the cache so that concurrent requests rarely wait on
	// one lock. Each shard holds an equal part of the limits and evicts
	// its own least recently used entry, so eviction order is LRU within
	// a shard. Rounded down to a power of two, and lowered so that each
	// shard holds at least 64 entries. Default 16.
	Shards int
	// Now is the clock TTLs are measured on. Default time.Now.
	Now func() time.Time
}

func (o *CacheOptions) setDefaults() {
	if o.MaxEntries <= 0 {
		o.MaxEntries = 10000
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 64 << 20
	}
	if o.TTL == 0 {
		o.TTL = 10 * time.Minute
	}
	if o.Shards <= 0 {
		o.Shards = 16
	}
	o.Shards = 1 << (bits.Len(uint(o.Shards)) - 1)
	for o.Shards > 1 && o.MaxEntries/o.Shards < 64 {
		o.Shards /= 2
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// entryOverhead is what an entry costs beyond its value: the key, list
// links and map slot.
const entryOverhead = 128

// CacheStats counts what a Cache has done.
type CacheStats struct {
	Hits      uint64
	Misses    uint64 // including expired entries
	Expired   uint64 // Gets that found an entry past its TTL
	Evictions uint64 // entries removed to make room
	Rejected  uint64 // Puts larger than a shard's byte budget
	Entries   int
	Bytes     int64
}

// Cache is a response cache bounded by entry count and bytes, with a
// TTL per entry. It is safe for concurrent use. V is what serving keeps
// per response (its outputs); the cache hands back the value it was
// given, so cached values must not be modified.
type Cache[V any] struct {
	shards []shard[V]
	mask   uint64
	ttl    time.Duration
	now    func() time.Time
}

// NewCache returns an empty cache.
func NewCache[V any](opts CacheOptions) *Cache[V] {
	opts.setDefaults()
	c := &Cache[V]{shards: make([]shard[V], opts.Shards), mask: uint64(opts.Shards - 1), ttl: opts.TTL, now: opts.Now}
	for i := range c.shards {
		c.shards[i].init(opts.MaxEntries/opts.Shards, opts.MaxBytes/int64(opts.Shards))
	}
	return c
}

// shardOf spreads keys by their digest, which is uniform.
func (c *Cache[V]) shardOf(k *Key) *shard[V] {
	h := binary.LittleEndian.Uint64(k.Input[:8]) ^ uint64(k.Version)
	return &c.shards[h&c.mask]
}

// clock returns the time in nanoseconds, or 0 when entries never expire
// (reading the clock is a good part of a Get's cost).
func (c *Cache[V]) clock() int64 {
	if c.ttl < 0 {
		return 0
	}
	return c.now().UnixNano()
}

// Get returns the response cached for k, if any and not expired.
func (c *Cache[V]) Get(k Key) (V, bool) {
	return c.shardOf(&k).get(&k, c.clock())
}

// Put caches v for k, counting size bytes for it, and evicts the least
// recently used entries beyond the limits. A value larger than a shard's
// byte budget is not cached.
func (c *Cache[V]) Put(k Key, v V, size int64) {
	var expires int64
	if c.ttl > 0 {
		expires = c.clock() + int64(c.ttl)
	}
	c.shardOf(&k).put(&k, v, max(size, 0)+int64(len(k.Model))+entryOverhead, expires)
}

// Purge removes every cached response of model (all versions), for when
// it is unloaded or its versions change, and returns how many it removed.
func (c *Cache[V]) Purge(model string) int {
	n := 0
	for i := range c.shards {
		n += c.shards[i].purge(model)
	}
	return n
}

// Stats returns the counters summed over the shards.
func (c *Cache[V]) Stats() CacheStats {
	var s CacheStats
	for i := range c.shards {
		c.shards[i].addStats(&s)
	}
	return s
}
