package pyworker

import (
	"errors"
	"fmt"

	"github.com/paddockml/paddock/flavor"
)

// ErrProtocol marks a worker that broke the framed protocol: a frame
// larger than the limit, a truncated frame, a payload that is not a JSON
// object, or a reply to the wrong request. The worker is killed and
// restarted.
var ErrProtocol = errors.New("python worker protocol error")

// ErrFrameTooLarge marks a frame whose declared length exceeds the
// configured maximum. It wraps ErrProtocol.
var ErrFrameTooLarge = fmt.Errorf("%w: frame too large", ErrProtocol)

// ErrWorkerDied marks a request whose worker process exited before
// answering. The worker is restarted; the request is not retried, because
// the model may have crashed on this very input.
var ErrWorkerDied = errors.New("python worker died")

// ErrClosed is returned by Predict after Close.
var ErrClosed = errors.New("python model closed")

// Error kinds a worker reports in the "kind" field of an error reply.
const (
	kindInput       = "input"
	kindModel       = "model"
	kindUnsupported = "unsupported"
	kindProtocol    = "protocol"
)

// PythonError is an error the worker reported: an exception raised by the
// model's code, or a request the worker rejected.
type PythonError struct {
	// Op is the request that failed: "load", "predict" or "health".
	Op string
	// Kind is the worker's classification: input, model, unsupported or
	// protocol.
	Kind string
	// Type is the Python exception class name, e.g. "ValueError".
	Type string
	// Message is str(exception).
	Message string
	// Traceback is the formatted Python traceback, when there is one.
	Traceback string
}

// Error returns the exception type and message.
func (e *PythonError) Error() string {
	return fmt.Sprintf("python %s failed: %s: %s", e.Op, e.Type, e.Message)
}

// Unwrap maps the worker's error kind to the flavor error vocabulary, so
// that callers can test errors.Is(err, flavor.ErrInput) and friends.
func (e *PythonError) Unwrap() error {
	switch {
	case e.Kind == kindInput:
		return flavor.ErrInput
	case e.Kind == kindUnsupported:
		return flavor.ErrUnsupported
	case e.Kind == kindProtocol:
		return ErrProtocol
	case e.Op == opLoad:
		// The model's own load code raised: the artifact cannot be used.
		return flavor.ErrCorrupt
	}
	return nil
}
