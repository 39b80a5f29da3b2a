package registry

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/paddockml/paddock/errs"
)

// AliasEvent is one entry of the alias change feed: alias of Model now
// points to Version (nil: the alias was removed), and pointed to Previous
// before (nil: it was not set). Renames appear as a removal under the old
// name and a set under the new one; deleting a version or model removes
// its aliases.
type AliasEvent struct {
	// Seq is the event's position in the feed, strictly increasing.
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Model    string    `json:"model"`
	Alias    string    `json:"alias"`
	Version  *int64    `json:"version"`
	Previous *int64    `json:"previous"`
	Actor    string    `json:"actor"`
}

// appendAliasEvent adds a move to the feed inside the caller's
// transaction; the caller notifies subscribers once it committed.
func (s *Service) appendAliasEvent(ctx context.Context, tx *sql.Tx, who Caller, model, alias string, to, prev *int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO alias_events (at, model, alias, version, previous, actor) VALUES (?, ?, ?, ?, ?, ?)`,
		s.nowMillis(), model, alias, nullable(to), nullable(prev), actorName(who))
	return err
}

// MaxFeedPage is the most events AliasEvents returns at once.
const MaxFeedPage = 1000

// AliasEvents returns up to limit events with Seq > after, in order.
func (s *Service) AliasEvents(ctx context.Context, after int64, limit int) ([]AliasEvent, error) {
	if after < 0 {
		return nil, errs.E(errs.Invalid, "after must not be negative, got %d", after)
	}
	if limit <= 0 || limit > MaxFeedPage {
		limit = MaxFeedPage
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT seq, at, model, alias, version, previous, actor
		FROM alias_events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AliasEvent{}
	for rows.Next() {
		var e AliasEvent
		var at int64
		var v, p sql.NullInt64
		if err := rows.Scan(&e.Seq, &at, &e.Model, &e.Alias, &v, &p, &e.Actor); err != nil {
			return nil, err
		}
		e.At, e.Version, e.Previous = time.UnixMilli(at).UTC(), ptr(v), ptr(p)
		out = append(out, e)
	}
	return out, rows.Err()
}

// AliasSnapshot is every alias of every model at one feed position: a
// follower starts from it and subscribes after Seq, missing nothing.
type AliasSnapshot struct {
	Seq     int64         `json:"seq"`
	Aliases []ModelTarget `json:"aliases"`
}

// ModelTarget is an alias of a model and its version.
type ModelTarget struct {
	Model   string `json:"model"`
	Alias   string `json:"alias"`
	Version int64  `json:"version"`
}

// Snapshot reads all aliases and the feed position in one read
// transaction, so they agree.
func (s *Service) Snapshot(ctx context.Context) (AliasSnapshot, error) {
	tx, err := s.db.Read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return AliasSnapshot{}, err
	}
	defer tx.Rollback()
	snap := AliasSnapshot{Aliases: []ModelTarget{}}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM alias_events`).Scan(&snap.Seq); err != nil {
		return AliasSnapshot{}, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT m.name, a.alias, a.version FROM model_aliases a
		JOIN registered_models m ON m.model_pk = a.model_pk ORDER BY m.name, a.alias`)
	if err != nil {
		return AliasSnapshot{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var t ModelTarget
		if err := rows.Scan(&t.Model, &t.Alias, &t.Version); err != nil {
			return AliasSnapshot{}, err
		}
		snap.Aliases = append(snap.Aliases, t)
	}
	return snap, rows.Err()
}

// Subscribe delivers every alias event with Seq > after, in order: first
// those already in the feed, then each new one as it commits, until ctx
// is done, when the channel is closed. A subscriber resumes after a
// restart by passing the last Seq it handled. Events are read from the
// database, so a slow subscriber never holds up a writer and never misses
// an event; on a database error the subscription retries. Writers in this
// process wake subscribers at once (the registry is the feed's only
// writer in a Paddock process).
func (s *Service) Subscribe(ctx context.Context, after int64) <-chan AliasEvent {
	out := make(chan AliasEvent)
	go func() {
		defer close(out)
		for {
			wake := s.feed.wait() // taken before reading: no commit slips between
			events, err := s.AliasEvents(ctx, after, 100)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				s.log.Warn("alias feed read failed; retrying", "after", after, "err", err)
				select {
				case <-time.After(time.Second):
				case <-ctx.Done():
					return
				}
				continue
			}
			for _, e := range events {
				select {
				case out <- e:
					after = e.Seq
				case <-ctx.Done():
					return
				}
			}
			if len(events) == 100 {
				continue // more are waiting
			}
			select {
			case <-wake:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// notifier wakes every waiter at once: wait returns a channel that the
// next notify closes.
type notifier struct {
	mu sync.Mutex
	ch chan struct{}
}

func newNotifier() *notifier { return &notifier{ch: make(chan struct{})} }

func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ch
}

func (n *notifier) notify() {
	n.mu.Lock()
	defer n.mu.Unlock()
	close(n.ch)
	n.ch = make(chan struct{})
}
