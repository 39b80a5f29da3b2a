package experiments

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// Group commit for log-batch. Training jobs log from many processes at
// once; committing each batch alone pays the WAL commit (a write of every
// dirty page) per batch. Instead, concurrent batches queue, and whichever
// caller finds no commit in progress becomes the leader: it commits the
// queued batches together in one transaction, each under its own
// SAVEPOINT so that a bad batch is rolled back alone, and keeps going
// until the queue is empty. Every caller returns only after the
// transaction holding its batch committed, so an acknowledged batch is
// durable, as before.

// maxGroup bounds the batches in one transaction (and so its size).
const maxGroup = 32

type pendingBatch struct {
	runID string
	batch Batch
	done  chan error
}

type groupCommitter struct {
	mu      sync.Mutex
	queue   []*pendingBatch
	leading bool
}

func (s *Service) commitBatch(ctx context.Context, runID string, b Batch) error {
	if err := s.prepareWrites(ctx); err != nil { // the leader's transaction uses them
		return err
	}
	p := &pendingBatch{runID: runID, batch: b, done: make(chan error, 1)}
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, p)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if lead {
		s.leadCommits()
	}
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		// The batch may still commit; the caller learns only that it gave up.
		return ctx.Err()
	}
}

// leadCommits commits queued groups until the queue is empty.
func (s *Service) leadCommits() {
	g := &s.group
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxGroup)
		if n == 0 {
			g.leading = false
			g.mu.Unlock()
			return
		}
		group := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		s.commitGroup(group)
	}
}

func (s *Service) commitGroup(group []*pendingBatch) {
	// The leader works for everyone: its own request's cancellation must
	// not abort the others' transaction.
	ctx := context.Background()
	results := make([]error, len(group))
	err := s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		for i, p := range group {
			results[i] = s.applyBatchSavepoint(ctx, tx, i, p)
		}
		return nil
	})
	for i, p := range group {
		if err != nil {
			p.done <- fmt.Errorf("commit log batch: %w", err)
		} else {
			p.done <- results[i]
		}
	}
}

func (s *Service) applyBatchSavepoint(ctx context.Context, tx *sql.Tx, i int, p *pendingBatch) error {
	sp := fmt.Sprintf("batch%d", i)
	if _, err := tx.ExecContext(ctx, "SAVEPOINT "+sp); err != nil {
		return err
	}
	if err := s.applyBatch(ctx, tx, p.runID, p.batch); err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO "+sp); rerr != nil {
			return rerr
		}
		_, _ = tx.ExecContext(ctx, "RELEASE "+sp)
		return err
	}
	_, err := tx.ExecContext(ctx, "RELEASE "+sp)
	return err
}
