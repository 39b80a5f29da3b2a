package filters

import "sync"

// cacheEntry is one cached response, linked in its shard's LRU list.
type cacheEntry[V any] struct {
	key        Key
	value      V
	cost       int64
	expires    int64 // Unix nanoseconds; 0: never
	prev, next *cacheEntry[V]
}

// shard is an LRU list and map under one lock. The list is circular
// around root: root.next is the most recently used entry.
type shard[V any] struct {
	mu         sync.Mutex
	items      map[Key]*cacheEntry[V]
	root       cacheEntry[V]
	maxEntries int
	maxBytes   int64
	bytes      int64
	stats      CacheStats // counters only; Entries and Bytes are computed
	_          [64]byte   // keep neighbouring shards' locks off this cache line
}

func (s *shard[V]) init(maxEntries int, maxBytes int64) {
	s.items = map[Key]*cacheEntry[V]{}
	s.root.prev, s.root.next = &s.root, &s.root
	s.maxEntries, s.maxBytes = max(maxEntries, 1), maxBytes
}

func (s *shard[V]) get(k *Key, now int64) (V, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.items[*k]
	if ok && e.expires != 0 && now >= e.expires {
		s.remove(e)
		s.stats.Expired++
		ok = false
	}
	if !ok {
		s.stats.Misses++
		var zero V
		return zero, false
	}
	s.stats.Hits++
	s.moveToFront(e)
	return e.value, true
}

func (s *shard[V]) put(k *Key, v V, cost, expires int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.items[*k]; ok {
		s.remove(old)
	}
	if cost > s.maxBytes {
		s.stats.Rejected++
		return
	}
	e := &cacheEntry[V]{key: *k, value: v, cost: cost, expires: expires}
	s.items[*k] = e
	s.bytes += cost
	s.pushFront(e)
	for len(s.items) > s.maxEntries || s.bytes > s.maxBytes {
		s.remove(s.root.prev)
		s.stats.Evictions++
	}
}

func (s *shard[V]) purge(model string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, e := range s.items {
		if k.Model == model {
			s.remove(e)
			n++
		}
	}
	return n
}

func (s *shard[V]) addStats(into *CacheStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	into.Hits += s.stats.Hits
	into.Misses += s.stats.Misses
	into.Expired += s.stats.Expired
	into.Evictions += s.stats.Evictions
	into.Rejected += s.stats.Rejected
	into.Entries += len(s.items)
	into.Bytes += s.bytes
}

func (s *shard[V]) remove(e *cacheEntry[V]) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
	delete(s.items, e.key)
	s.bytes -= e.cost
}

func (s *shard[V]) pushFront(e *cacheEntry[V]) {
	e.prev, e.next = &s.root, s.root.next
	s.root.next.prev = e
	s.root.next = e
}

func (s *shard[V]) moveToFront(e *cacheEntry[V]) {
	if s.root.next == e {
		return
	}
	e.prev.next, e.next.prev = e.next, e.prev
	s.pushFront(e)
}
