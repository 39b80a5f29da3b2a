// Package errs is Paddock's one error vocabulary. Domain packages return an
// *Error with a Code (or wrap one of the package sentinels of a leaf
// library); the HTTP layer maps codes to status codes in one place.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error for the caller.
type Code string

// The codes Paddock uses. Their HTTP status is given by server.statusOf.
const (
	Invalid            Code = "invalid_argument"    // 400
	Unauthenticated    Code = "unauthenticated"     // 401
	PermissionDenied   Code = "permission_denied"   // 403
	NotFound           Code = "not_found"           // 404
	AlreadyExists      Code = "already_exists"      // 409
	Conflict           Code = "conflict"            // 409
	FailedPrecondition Code = "failed_precondition" // 412 (or 409 where MLflow says so)
	TooLarge           Code = "payload_too_large"   // 413
	Unsupported        Code = "unsupported_media"   // 415
	Unavailable        Code = "unavailable"         // 503
	Internal           Code = "internal"            // 500
)

// Error is a domain error with a code and a message meant for the user.
type Error struct {
	Code    Code
	Message string
	Err     error // optional cause, never shown to clients
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// E builds an *Error with a formatted message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error that keeps cause for logs and errors.Is.
func Wrap(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// Message returns the client-facing message of the first *Error in err's
// chain, or err's own text.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
