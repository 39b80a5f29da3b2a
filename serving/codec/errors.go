package codec

import (
	"fmt"

	"github.com/paddockml/paddock/flavor"
)

// codecError is a request problem. Its message is only the problem, not
// prefixed with the sentinel's text, so that the MLflow route can answer
// in MLflow's own words; errors.Is still finds the sentinel.
type codecError struct {
	msg  string
	kind error
}

func (e *codecError) Error() string { return e.msg }
func (e *codecError) Unwrap() error { return e.kind }

// inputErr returns an error wrapping flavor.ErrInput.
func inputErr(format string, args ...any) error {
	return &codecError{msg: fmt.Sprintf(format, args...), kind: flavor.ErrInput}
}

// mediaErr returns an error wrapping ErrMediaType.
func mediaErr(format string, args ...any) error {
	return &codecError{msg: fmt.Sprintf(format, args...), kind: ErrMediaType}
}
