// Package artifact defines how Paddock stores files: model files, run
// artifacts and logs live behind one small Store interface with a local-disk
// backend (package localfs) and an S3/MinIO backend (package s3store). Both
// pass the same contract suite (package artifacttest).
//
// Keys are slash-separated paths such as "runs/42/model.json" (see
// ValidateKey). Every stored object carries the SHA-256 digest of its content,
// recorded when it is written; reads verify it, so silent corruption surfaces
// as ErrDigestMismatch rather than as a bad model.
package artifact

import (
	"context"
	"io"
	"time"
)

// Info describes a stored object.
type Info struct {
	// Key is the object's key.
	Key string
	// Size is the content length in bytes.
	Size int64
	// Digest is the SHA-256 of the content, written "sha256:<64 lower-case hex>".
	Digest string
	// Modified is when the object was last written.
	Modified time.Time
}

// Store keeps objects by key. Implementations are safe for concurrent use.
//
// Writes are atomic per key: a reader sees either the previous content or the
// new one, never a mix, and of two concurrent Puts of one key the last to
// finish wins.
type Store interface {
	// Put stores the content of r under key, replacing any previous object,
	// and returns its Info. Content is streamed: memory use does not grow with
	// its size.
	Put(ctx context.Context, key string, r io.Reader) (Info, error)

	// Get opens the object under key for streamed reading. The reader checks
	// the content against the recorded size and digest as it goes: at the end
	// it returns io.EOF only if they match and ErrDigestMismatch otherwise, so
	// callers must not trust the bytes until they have read to io.EOF.
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)

	// Stat returns the Info of the object under key.
	Stat(ctx context.Context, key string) (Info, error)

	// List returns the objects under prefix, sorted by key (byte order).
	// A prefix matches whole key segments: "a/b" (or "a/b/") matches the keys
	// "a/b" and "a/b/...", never "a/bc". The empty prefix matches every key.
	// A prefix that is not a valid key (once a trailing "/" is removed) gives
	// ErrInvalidKey. No match gives an empty list, not an error.
	List(ctx context.Context, prefix string) ([]Info, error)

	// Delete removes the object under key; a missing key gives ErrNotFound.
	Delete(ctx context.Context, key string) error

	// Ping reports whether the store can serve requests right now
	// (nil when ready); it backs Paddock's /readyz.
	Ping(ctx context.Context) error

	// Close releases the store's resources; closing twice is harmless.
	// Readers returned by Get stay usable; other calls after Close return
	// ErrClosed.
	Close() error
}
