package artifact

import "errors"

// The errors that Store methods wrap. Callers test them with errors.Is.
var (
	// ErrNotFound means no object exists under the key.
	ErrNotFound = errors.New("artifact not found")
	// ErrInvalidKey means the key breaks the rules of ValidateKey.
	ErrInvalidKey = errors.New("invalid artifact key")
	// ErrUnavailable means the backend cannot be reached right now (for
	// example MinIO is down); the same call may succeed later.
	ErrUnavailable = errors.New("artifact store unavailable")
	// ErrDigestMismatch means stored content does not match the size and
	// digest recorded when it was written, or the record itself is damaged.
	ErrDigestMismatch = errors.New("artifact digest mismatch")
	// ErrClosed means the store was used after Close.
	ErrClosed = errors.New("artifact store closed")
)
