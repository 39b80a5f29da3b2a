package predlog

// The queue holds entries in fixed-size blocks. Log appends to the last
// block and the writer takes the whole list in one swap, so neither ever
// copies or grows a large slice while holding the lock that Log waits on;
// a full queue of 64k entries is 256 blocks, not one 15 MB array.

// blockLen is the number of entries in one block.
const blockLen = 256

// maxFreeBlocks bounds the emptied blocks kept for reuse (about 60 KB
// each, 16k entries in all: a flush interval's worth at 80k predictions
// a second), so steady traffic allocates no blocks and an idle writer
// gives the rest of a burst's memory back.
const maxFreeBlocks = 64

type block struct {
	n int
	e [blockLen]Entry
}

type queue struct {
	blocks []*block // in order; the last one is being filled
	free   []*block
	queued int // entries in blocks
}

// push appends e and returns how many entries are now queued.
func (q *queue) push(e *Entry) int {
	var b *block
	if n := len(q.blocks); n > 0 && q.blocks[n-1].n < blockLen {
		b = q.blocks[n-1]
	} else {
		if n := len(q.free); n > 0 {
			b, q.free = q.free[n-1], q.free[:n-1]
		} else {
			b = new(block)
		}
		q.blocks = append(q.blocks, b)
	}
	b.e[b.n] = *e
	b.n++
	q.queued++
	return q.queued
}

// take removes and returns every queued block.
func (q *queue) take() []*block {
	blocks := q.blocks
	q.blocks, q.queued = nil, 0
	return blocks
}

// clearBlocks empties written blocks so they hold no payloads. It runs
// outside the lock: clearing a full queue touches megabytes.
func clearBlocks(blocks []*block) {
	for _, b := range blocks {
		clear(b.e[:b.n])
		b.n = 0
	}
}

// recycle keeps a few cleared blocks for reuse.
func (q *queue) recycle(blocks []*block) {
	for _, b := range blocks {
		if len(q.free) == maxFreeBlocks {
			return
		}
		q.free = append(q.free, b)
	}
}
