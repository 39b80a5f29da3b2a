package pyworker

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// frameHeader is the size of a frame's big-endian length prefix.
const frameHeader = 4

// readFrame reads one frame: a 4-byte big-endian length and that many
// payload bytes. A declared length of zero or above max is rejected before
// anything is allocated. A clean end of input before the header returns
// io.EOF; any other short read is a protocol error.
func readFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [frameHeader]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("%w: truncated frame header: %w", ErrProtocol, err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 {
		return nil, fmt.Errorf("%w: empty frame", ErrProtocol)
	}
	if uint64(n) > uint64(max) {
		return nil, fmt.Errorf("%w: %d bytes declared, limit %d (header % x)", ErrFrameTooLarge, n, max, hdr)
	}
	buf := make([]byte, n)
	if got, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("%w: truncated frame: %d of %d bytes: %w", ErrProtocol, got, n, err)
	}
	return buf, nil
}

// appendFrame appends payload as a frame to dst. It refuses payloads
// above max so that Paddock never sends what the worker must reject.
func appendFrame(dst, payload []byte, max int) ([]byte, error) {
	if len(payload) == 0 {
		return nil, fmt.Errorf("%w: empty frame", ErrProtocol)
	}
	if len(payload) > max {
		return nil, fmt.Errorf("%w: request of %d bytes, limit %d", ErrFrameTooLarge, len(payload), max)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...), nil
}
