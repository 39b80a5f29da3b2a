package filter

import "fmt"

// Error is a malformed filter or order_by clause. Pos is the 0-based byte
// offset into the text where the problem was found; Input names that text
// ("filter" or "order_by[2]") so that a message points at the right place
// when a request carries several clauses.
type Error struct {
	Input string
	Pos   int
	Msg   string
}

// Error reads like `invalid filter at position 17: expected a comparator
// after metrics.f1, found "~"`.
func (e *Error) Error() string {
	return fmt.Sprintf("invalid %s at position %d: %s", e.Input, e.Pos, e.Msg)
}

func errorf(input string, pos int, format string, args ...any) *Error {
	return &Error{Input: input, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
